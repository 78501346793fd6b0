package datasets

import "fmt"

// GroupSpec declares one exclusive attribute group, as an experiment config names it.
type GroupSpec struct {
	Name string `toml:"name"` // e.g. "clothing_category"
	// Prefix selects the group's labels: in a seed-notebook CSV the label prefix (default
	// Name+"_", e.g. "clothing_category_" for "clothing_category_dress"); in a StreetStyle
	// manifest the column name (default Name).
	Prefix string `toml:"prefix"`
	// Values keeps only these values (the seed notebook's `targets`); an image whose value is
	// another one counts as unlabelled for this group. Empty: every value in the data.
	Values []string `toml:"values"`
}

// Group is one exclusive attribute group of a multi-attribute set.
type Group struct {
	Name   string
	Values []string // value names; label v means Values[v]
	Labels []int    // per image: index into Values, or Unlabelled
}

// Attributes is a multi-attribute labelled image set: one pixel buffer (image-major, C×H×W
// each, values in [0,1]) and one label column per exclusive attribute group.
type Attributes struct {
	Name                    string
	Channels, Height, Width int
	Pixels                  []float32
	Files                   []string // source image of each image, for errors and reports
	Groups                  []Group
}

// Len returns the number of images.
func (a *Attributes) Len() int { return len(a.Files) }

// GroupIndex finds a group by name.
func (a *Attributes) GroupIndex(name string) (int, error) {
	for i, g := range a.Groups {
		if g.Name == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%s: no attribute group %q", a.Name, name)
}

// Images is the view of group g as a labelled image set: it shares the pixel buffer, and
// images without a label in g are Unlabelled (never sampled).
func (a *Attributes) Images(g int) *Images {
	grp := a.Groups[g]
	return &Images{Name: a.Name + "/" + grp.Name, Channels: a.Channels, Height: a.Height, Width: a.Width,
		Pixels: a.Pixels, Labels: grp.Labels, ClassNames: grp.Values}
}

// Skip is one input line left out of a set, with the reason.
type Skip struct {
	Line   int
	Image  string
	Reason string
}

// LoadReport says what reading a labelled file kept and what it left out.
type LoadReport struct {
	Source  string // the file read
	Lines   int    // data lines (header excluded)
	Kept    int    // images in the set
	Skipped []Skip // lines left out, in file order
}
