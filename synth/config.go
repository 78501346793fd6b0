package synth

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Group names. A label is group + "_" + value, e.g. "color_red".
const (
	GroupCategory = "category"
	GroupColor    = "color"
	GroupPattern  = "pattern"
)

// Limits of Config.Images and Config.Size.
const (
	MaxImages = 999999 // image names keep six digits
	MaxSize   = 1024
)

// Config describes a synthetic set. Zero fields take the defaults documented on each field.
type Config struct {
	Images int    `toml:"images"` // number of images; default 3000, at most MaxImages
	Size   int    `toml:"size"`   // side of the square images in pixels, 28..MaxSize; default 32
	Seed   uint64 `toml:"seed"`   // default 1
	// Categories are the Fashion-MNIST class ids used as garment categories; default 0..9.
	// Their labels are the class names lower-cased, spaces and slashes turned to '-':
	// t-shirt-top, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankle-boot.
	Categories []int `toml:"categories"`
	// Colors are garment colours, at least 6, from red, green, blue, yellow, magenta, cyan,
	// orange, white; default all eight.
	Colors []string `toml:"colors"`
	// Patterns are fills from plain, striped, dotted, checked; default all four.
	Patterns []string `toml:"patterns"`
	// Clutter in [0, 1] is the strength of the background clutter (shapes in the configured
	// colours plus pixel noise); 0 leaves a flat dark grey background. Nil means 0.5.
	// It is a pointer because 0 is a meaningful setting.
	Clutter *float64 `toml:"clutter"`
	// Correlations set P(value | category) for colour and pattern; default none (uniform).
	Correlations []Correlation `toml:"correlation"`
}

// Correlation sets P(Group = Value | category = Category) = P, e.g. {"dress", "color", "red", 0.6}.
// The probability mass the correlations of one (category, group) leave is spread evenly over
// the group's values they do not name.
type Correlation struct {
	Category string  `toml:"category"` // category label, e.g. "dress"
	Group    string  `toml:"group"`    // "color" or "pattern"
	Value    string  `toml:"value"`    // one of the configured colours or patterns
	P        float64 `toml:"p"`        // in [0, 1]
}

// palette holds the known colours in their default order, as 8-bit RGB.
var palette = []struct {
	name string
	rgb  [3]uint8
}{
	{"red", [3]uint8{220, 40, 40}},
	{"green", [3]uint8{40, 180, 60}},
	{"blue", [3]uint8{50, 90, 230}},
	{"yellow", [3]uint8{235, 215, 40}},
	{"magenta", [3]uint8{210, 50, 200}},
	{"cyan", [3]uint8{40, 205, 215}},
	{"orange", [3]uint8{245, 140, 30}},
	{"white", [3]uint8{240, 240, 240}},
}

// patternNames are the known patterns in their default order.
var patternNames = []string{"plain", "striped", "dotted", "checked"}

// categoryNames are the category labels of the Fashion-MNIST classes, by class id.
var categoryNames = []string{
	"t-shirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot",
}

// minColors is the least number of colours a set may use.
const minColors = 6

// categoryLabel turns a class name into a label value: lower case, spaces and slashes as '-'.
func categoryLabel(className string) string {
	return strings.NewReplacer(" ", "-", "/", "-").Replace(strings.ToLower(className))
}

// colorRGB returns the 8-bit RGB of a known colour name.
func colorRGB(name string) ([3]uint8, bool) {
	for _, c := range palette {
		if c.name == name {
			return c.rgb, true
		}
	}
	return [3]uint8{}, false
}

// WithDefaults returns c with its zero fields set to their defaults. Slices are copied, so
// the result shares no memory with c.
func (c Config) WithDefaults() Config {
	if c.Images == 0 {
		c.Images = 3000
	}
	if c.Size == 0 {
		c.Size = 32
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	c.Categories = slices.Clone(c.Categories)
	if len(c.Categories) == 0 {
		for id := range categoryNames {
			c.Categories = append(c.Categories, id)
		}
	}
	c.Colors = slices.Clone(c.Colors)
	if len(c.Colors) == 0 {
		for _, p := range palette {
			c.Colors = append(c.Colors, p.name)
		}
	}
	c.Patterns = slices.Clone(c.Patterns)
	if len(c.Patterns) == 0 {
		c.Patterns = slices.Clone(patternNames)
	}
	clutter := 0.5
	if c.Clutter != nil {
		clutter = *c.Clutter
	}
	c.Clutter = &clutter
	c.Correlations = slices.Clone(c.Correlations)
	return c
}

// values returns the configured values of a group.
func (c Config) values(group string) []string {
	switch group {
	case GroupCategory:
		names := make([]string, len(c.Categories))
		for i, id := range c.Categories {
			names[i] = categoryNames[id]
		}
		return names
	case GroupColor:
		return c.Colors
	case GroupPattern:
		return c.Patterns
	}
	return nil
}

// Validate reports the first bad field of c with its defaults applied, by its TOML key.
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Images < 1 || c.Images > MaxImages:
		return fmt.Errorf("synth.images = %d: must be in 1..%d", c.Images, MaxImages)
	case c.Size < 28 || c.Size > MaxSize:
		return fmt.Errorf("synth.size = %d: must be in 28..%d (Fashion-MNIST silhouettes are 28×28)", c.Size, MaxSize)
	case !(*c.Clutter >= 0 && *c.Clutter <= 1):
		return fmt.Errorf("synth.clutter = %g: must be in [0, 1]", *c.Clutter)
	case len(c.Colors) < minColors:
		return fmt.Errorf("synth.colors = %q: %d colours, at least %d needed", c.Colors, len(c.Colors), minColors)
	}
	for _, id := range c.Categories {
		if id < 0 || id >= len(categoryNames) {
			return fmt.Errorf("synth.categories = %v: %d is not a Fashion-MNIST class id (0..%d)", c.Categories, id, len(categoryNames)-1)
		}
	}
	if d, ok := duplicate(c.Categories); ok {
		return fmt.Errorf("synth.categories = %v: %d appears twice", c.Categories, d)
	}
	for _, name := range c.Colors {
		if _, ok := colorRGB(name); !ok {
			return fmt.Errorf("synth.colors = %q: %q is not a known colour (%s)", c.Colors, name, strings.Join(Config{}.WithDefaults().Colors, ", "))
		}
	}
	if d, ok := duplicate(c.Colors); ok {
		return fmt.Errorf("synth.colors = %q: %q appears twice", c.Colors, d)
	}
	for _, name := range c.Patterns {
		if !slices.Contains(patternNames, name) {
			return fmt.Errorf("synth.patterns = %q: %q is not a known pattern (%s)", c.Patterns, name, strings.Join(patternNames, ", "))
		}
	}
	if d, ok := duplicate(c.Patterns); ok {
		return fmt.Errorf("synth.patterns = %q: %q appears twice", c.Patterns, d)
	}
	return c.validateCorrelations()
}

// validateCorrelations checks each correlation's names and P, then each (category, group)'s total.
func (c Config) validateCorrelations() error {
	type cell struct{ category, group string }
	sums := map[cell]float64{}
	named := map[cell][]int{} // indices of the correlations of each cell
	seen := map[Correlation]int{}
	for i, r := range c.Correlations {
		key := fmt.Sprintf("synth.correlation[%d]", i)
		if !slices.Contains(c.values(GroupCategory), r.Category) {
			if slices.Contains(categoryNames, r.Category) {
				return fmt.Errorf("%s.category = %q: not among synth.categories (%s)", key, r.Category, strings.Join(c.values(GroupCategory), ", "))
			}
			return fmt.Errorf("%s.category = %q: not a category (%s)", key, r.Category, strings.Join(categoryNames, ", "))
		}
		if r.Group != GroupColor && r.Group != GroupPattern {
			return fmt.Errorf("%s.group = %q: want %q or %q", key, r.Group, GroupColor, GroupPattern)
		}
		if values := c.values(r.Group); !slices.Contains(values, r.Value) {
			return fmt.Errorf("%s.value = %q: not one of the configured %ss (%s)", key, r.Value, r.Group, strings.Join(values, ", "))
		}
		if !(r.P >= 0 && r.P <= 1) {
			return fmt.Errorf("%s.p = %g: must be in [0, 1]", key, r.P)
		}
		dup := Correlation{Category: r.Category, Group: r.Group, Value: r.Value}
		if j, ok := seen[dup]; ok {
			return fmt.Errorf("%s: P(%s=%s | %s) is already set by synth.correlation[%d]", key, r.Group, r.Value, r.Category, j)
		}
		seen[dup] = i
		k := cell{r.Category, r.Group}
		sums[k] += r.P
		named[k] = append(named[k], i)
	}
	for _, r := range c.Correlations {
		k := cell{r.Category, r.Group}
		idx, sum := named[k], sums[k]
		const eps = 1e-9
		switch {
		case sum > 1+eps:
			return fmt.Errorf("%s: P(%s | %s) sums to %g: must be ≤ 1", correlationKeys(idx), r.Group, r.Category, sum)
		case sum < 1-eps && len(idx) == len(c.values(r.Group)):
			return fmt.Errorf("%s: P(%s | %s) names every %s but sums to %g: must be 1", correlationKeys(idx), r.Group, r.Category, r.Group, sum)
		}
	}
	return nil
}

// correlationKeys names correlations by their TOML keys: "synth.correlation[0], synth.correlation[3]".
func correlationKeys(idx []int) string {
	keys := make([]string, len(idx))
	for i, k := range idx {
		keys[i] = fmt.Sprintf("synth.correlation[%d]", k)
	}
	return strings.Join(keys, ", ")
}

// duplicate returns the first value of s that appears twice.
func duplicate[T comparable](s []T) (T, bool) {
	seen := map[T]bool{}
	for _, v := range s {
		if seen[v] {
			return v, true
		}
		seen[v] = true
	}
	var zero T
	return zero, false
}

// distribution returns P(value | category) over the values of group, in their configured order.
func (c Config) distribution(category, group string) []float64 {
	values := c.values(group)
	p := make([]float64, len(values))
	set := make([]bool, len(values))
	rest, free := 1.0, len(values)
	for _, r := range c.Correlations {
		if r.Category == category && r.Group == group {
			k := slices.Index(values, r.Value)
			p[k], set[k] = r.P, true
			rest -= r.P
			free--
		}
	}
	for k := range p {
		if !set[k] {
			p[k] = math.Max(rest, 0) / float64(free)
		}
	}
	return p
}
