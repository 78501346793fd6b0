package results

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// EvalResult is the content of eval.json: per attribute group, the model and the pixel
// nearest-centroid floor on the same fixed bank of test episodes, with per-episode accuracies
// for paired comparisons.
type EvalResult struct {
	Experiment string        `json:"experiment"`
	Checkpoint string        `json:"checkpoint"`
	Split      string        `json:"split"`
	Dataset    string        `json:"dataset,omitempty"` // another data set's test bank (CrossEvalFile); "" for the run's own
	Way        int           `json:"way"`
	Shot       int           `json:"shot"`
	Query      int           `json:"query"`
	Seed       uint64        `json:"seed"` // test-episode bank
	BN         string        `json:"bn"`
	Groups     []GroupResult `json:"groups"`
	Joint      *GroupResult  `json:"joint,omitempty"` // with several groups: all of them right, on shared queries
	Seconds    float64       `json:"seconds"`
	Trained    int64         `json:"trained_episodes"`
	Threads    int           `json:"threads"`
}

// GroupResult is one attribute group's test evaluation.
type GroupResult struct {
	Group      string   `json:"group"`
	Model      Accuracy `json:"model"`
	PixelFloor Accuracy `json:"pixel_floor"`
	Gain       Summary  `json:"gain_over_floor"` // paired: model − floor, episode by episode
	// Classes are the test bank's classes by name, PerClass each one's accuracy over its
	// queries, and Confusion[t][p] counts the queries of class Classes[t] the head gave
	// Classes[p]. Absent for the joint accuracy and in eval.json files written before they were
	// recorded.
	Classes   []string  `json:"classes,omitempty"`
	PerClass  []float64 `json:"per_class_accuracy,omitempty"`
	Confusion [][]int   `json:"confusion,omitempty"`
	// Dataset names the other data set whose test bank scored the group, in a report's
	// column of a cross-domain evaluation; never written (the file's Dataset says it).
	Dataset string `json:"-"`
}

// Confusion counts queries by true and predicted class over a test bank whose classes are
// known in advance, as ids with names.
type Confusion struct {
	row     map[int]int // class id → index into Classes
	Classes []string
	Counts  [][]int // [true][predicted]
}

// NewConfusion counts over the classes ids, named names (one per id).
func NewConfusion(ids []int, names []string) *Confusion {
	c := &Confusion{row: map[int]int{}, Classes: names, Counts: make([][]int, len(ids))}
	for i, id := range ids {
		c.row[id] = i
		c.Counts[i] = make([]int, len(ids))
	}
	return c
}

// Add counts one query of class id truth that was given class id predicted.
func (c *Confusion) Add(truth, predicted int) { c.Counts[c.row[truth]][c.row[predicted]]++ }

// Record writes the class names, per-class accuracies and counts into r.
func (c *Confusion) Record(r *GroupResult) {
	r.Classes, r.Confusion, r.PerClass = c.Classes, c.Counts, make([]float64, len(c.Counts))
	for t, row := range c.Counts {
		n := 0
		for _, k := range row {
			n += k
		}
		if n > 0 {
			r.PerClass[t] = float64(row[t]) / float64(n)
		}
	}
}

// Accuracy is a summary plus the per-episode values it came from.
type Accuracy struct {
	Summary
	PerEpisode []float64 `json:"per_episode"`
}

// JointGroup names the joint accuracy (every group right) in results and reports.
const JointGroup = "joint"

// Scored lists a result's groups, then its joint accuracy when it has one.
func (r *EvalResult) Scored() []GroupResult {
	if r.Joint == nil {
		return r.Groups
	}
	return append(slices.Clone(r.Groups), *r.Joint)
}

// String is the report printed after evaluation.
func (r *EvalResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d-way %d-shot, %d test episodes × %d queries/class (seed %d), %s split, BN %s, model trained %d episodes\n",
		r.Way, r.Shot, len(r.Groups[0].Model.PerEpisode), r.Query, r.Seed, r.Split, r.BN, r.Trained)
	for _, g := range r.Scored() {
		if len(r.Groups) > 1 {
			fmt.Fprintf(&b, " %s:\n", g.Group)
		}
		fmt.Fprintf(&b, "  model                     %6.2f ± %.2f%%\n", 100*g.Model.Mean, 100*g.Model.CI95)
		fmt.Fprintf(&b, "  pixel nearest-centroid    %6.2f ± %.2f%%  (no learning: the floor)\n", 100*g.PixelFloor.Mean, 100*g.PixelFloor.CI95)
		fmt.Fprintf(&b, "  gain over the floor       %+6.2f ± %.2f points (paired, same episodes)\n", 100*g.Gain.Mean, 100*g.Gain.CI95)
	}
	episodes := 0
	for _, g := range r.Groups {
		episodes += g.Model.Episodes
	}
	fmt.Fprintf(&b, "  %.1f s, %.1f episodes/s on %d threads\n", r.Seconds, float64(episodes)/r.Seconds, r.Threads)
	return b.String()
}

// ReadEvalResult reads an eval.json.
func ReadEvalResult(path string) (*EvalResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r EvalResult
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// Paired compares two evaluations on the same test bank, group by group: the summary of the
// per-episode differences a − b. It refuses banks that differ.
func Paired(a, b *EvalResult) (map[string]Summary, error) {
	if a.Seed != b.Seed || a.Way != b.Way || a.Shot != b.Shot || a.Query != b.Query || len(a.Groups) != len(b.Groups) {
		return nil, fmt.Errorf("%s and %s were not evaluated on the same test episodes", a.Experiment, b.Experiment)
	}
	out := map[string]Summary{}
	sa, sb := a.Scored(), b.Scored()
	if len(sa) != len(sb) {
		return nil, fmt.Errorf("%s and %s differ in their joint accuracy; re-run `relnet eval` on the older one", a.Experiment, b.Experiment)
	}
	for i, ga := range sa {
		gb := sb[i]
		if ga.Group != gb.Group || len(ga.Model.PerEpisode) != len(gb.Model.PerEpisode) {
			return nil, fmt.Errorf("%s and %s differ in group %d (%s vs %s)", a.Experiment, b.Experiment, i, ga.Group, gb.Group)
		}
		out[ga.Group] = PairedDifference(ga.Model.PerEpisode, gb.Model.PerEpisode)
	}
	return out, nil
}
