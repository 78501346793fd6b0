package synth

import "math"

// Label is one attribute label of an image, e.g. {GroupColor, "red"}.
type Label struct{ Group, Value string }

// String returns the label as the CSV writes it: group + "_" + value, e.g. "color_red".
func (l Label) String() string { return l.Group + "_" + l.Value }

// Stats counts the labels of a generated set, so the realised probabilities can be compared
// with the configured ones.
type Stats struct {
	Config Config // the resolved config the set was made from
	Images int
	// Counts holds the images per label, the category labels included.
	Counts map[Label]int
	// ByCategory holds, per category value, the images of that category per label (its own
	// category label included).
	ByCategory map[string]map[Label]int
}

// newStats counts the labels of each image.
func newStats(cfg Config, labels [][3]Label) *Stats {
	s := &Stats{Config: cfg, Images: len(labels), Counts: map[Label]int{}, ByCategory: map[string]map[Label]int{}}
	for _, ls := range labels {
		category := ls[0].Value
		if s.ByCategory[category] == nil {
			s.ByCategory[category] = map[Label]int{}
		}
		for _, l := range ls {
			s.Counts[l]++
			s.ByCategory[category][l]++
		}
	}
	return s
}

// Conditional returns the realised P(group = value | category): the share of the category's
// images with that label. It is NaN when the set has no image of the category.
func (s *Stats) Conditional(category, group, value string) float64 {
	n := s.Counts[Label{GroupCategory, category}]
	if n == 0 {
		return math.NaN()
	}
	return float64(s.ByCategory[category][Label{group, value}]) / float64(n)
}
