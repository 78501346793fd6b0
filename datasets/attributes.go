package datasets

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

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
	// The group's class split (dataset.split = "class" with several groups); see
	// sampling.ClassLists. Left out: every class the other lists do not take.
	TrainClasses ClassPatterns `toml:"train_classes"`
	ValClasses   ClassPatterns `toml:"val_classes"`
	TestClasses  ClassPatterns `toml:"test_classes"`
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

// Where names the skipped line: file:line, or the image file itself for sources without
// lines (image folders).
func (s Skip) Where(source string) string {
	if s.Line == 0 {
		return filepath.Join(source, s.Image)
	}
	return fmt.Sprintf("%s:%d", source, s.Line)
}

// LoadReport says what reading a labelled file kept and what it left out.
type LoadReport struct {
	Source  string          // the file read
	Lines   int             // data lines (header excluded)
	Kept    int             // images in the set
	Skipped []Skip          // lines left out, in file order
	Ignored []IgnoredLabels // labels of undeclared groups (seed CSV), by prefix, sorted
	// OtherFiles counts the files an image folder holds besides its images (not .jpg, .jpeg
	// or .png, or not at the class depth); they are ignored.
	OtherFiles int
}

// Summary is the report in one or two lines, joined by sep: the line counts, then the labels
// ignored by prefix when there are any (`ignored labels: colour_ on 12 lines, ...`).
func (r *LoadReport) Summary(sep string) string {
	s := fmt.Sprintf("%d data lines, %d images kept, %d lines skipped", r.Lines, r.Kept, len(r.Skipped))
	if len(r.Ignored) > 0 {
		s += sep + ignoredList(r.Ignored)
	}
	return s
}

// LoadOptions say how a reader treats the dirt of real files.
type LoadOptions struct {
	Workers int // decoding goroutines; < 1 means 1
	// MaxPixels is the largest image read, width × height from its header (< 1 means
	// DefaultMaxPixels); a larger one is a bad line, refused before it is decoded.
	MaxPixels int
	// SkipBadLines loads the rest of a file and lists every bad line, with its reason, in
	// LoadReport.Skipped; by default the read fails with a *BadLinesError that lists them all.
	SkipBadLines bool
	// StrictLabels makes a seed-CSV label that no declared group selects a bad line; by
	// default such labels are ignored and counted per prefix in LoadReport.Ignored.
	StrictLabels bool
}

// IgnoredLabels counts the labels of one undeclared prefix that a read ignored.
type IgnoredLabels struct {
	Prefix string // the label up to its last underscore, e.g. "colour_" for "colour_red"
	Lines  int    // lines with at least one such label
}

// BadLinesError lists every bad line of a file, found in one read, in line order.
type BadLinesError struct {
	Source string
	Lines  []Skip
}

// BadLinesShown is how many bad lines a BadLinesError's message names.
const BadLinesShown = 20

func (e *BadLinesError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d bad %s", e.Source, len(e.Lines), map[bool]string{true: "line", false: "lines"}[len(e.Lines) == 1])
	if len(e.Lines) > BadLinesShown {
		fmt.Fprintf(&b, " (the first %d below)", BadLinesShown)
	}
	b.WriteString("; fix them, or set dataset.bad_lines = \"skip\" to load the rest:")
	for _, s := range e.Lines[:min(len(e.Lines), BadLinesShown)] {
		b.WriteString("\n  " + s.Where(e.Source) + ": " + s.Reason)
	}
	return b.String()
}

// ClassPatterns lists classes by name, shell-style glob or integer id, as the class lists of
// an experiment file write them (`["Armenian/*", "dress", 3]`); see sampling.ClassLists.
type ClassPatterns []string

// UnmarshalTOML takes an array of strings and integers.
func (p *ClassPatterns) UnmarshalTOML(v any) error {
	items, ok := v.([]any)
	if !ok {
		return fmt.Errorf("want an array of class names, globs or ids, got %v", v)
	}
	out := ClassPatterns{}
	for _, it := range items {
		switch x := it.(type) {
		case string:
			out = append(out, x)
		case int64:
			out = append(out, strconv.FormatInt(x, 10))
		default:
			return fmt.Errorf("%v: want a class name, glob or integer id", it)
		}
	}
	*p = out
	return nil
}

// MarshalTOML writes integer ids as integers and the rest as strings.
func (p ClassPatterns) MarshalTOML() ([]byte, error) {
	parts := make([]string, len(p))
	for i, s := range p {
		if _, err := strconv.Atoi(s); err == nil && !strings.HasPrefix(s, "+") {
			parts[i] = s
		} else {
			parts[i] = strconv.Quote(s)
		}
	}
	return []byte("[" + strings.Join(parts, ", ") + "]"), nil
}
