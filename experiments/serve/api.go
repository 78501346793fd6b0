package serve

import (
	"math"
	"time"

	"github.com/relnet/relnet/experiments/report"
	"github.com/relnet/relnet/experiments/report/figure"
	"github.com/relnet/relnet/experiments/results"
)

// maxLossPoints bounds the loss curve sent per run: longer ones are averaged in buckets.
const maxLossPoints = 400

// experimentSummary is one line of the experiments page.
type experimentSummary struct {
	Name     string        `json:"name"`
	Runs     int           `json:"runs"`
	States   map[State]int `json:"states"`
	Modified time.Time     `json:"modified"`
	Problem  string        `json:"problem,omitempty"`
}

// experimentView is what the experiment page polls: every run's line of the table, the
// curves of the runs that changed since the generation the page has, and the comparison
// when it changed.
type experimentView struct {
	Gen    uint64      `json:"gen"`
	Groups []string    `json:"groups"`
	Runs   []runView   `json:"runs"`
	Report *reportView `json:"report,omitempty"`
}

// runView is one run's line of the table, with its curves when they changed.
type runView struct {
	Run      string     `json:"run"`
	Label    string     `json:"label"`
	Variant  string     `json:"variant"`
	Point    string     `json:"point"`
	Seed     uint64     `json:"seed"`
	Color    string     `json:"color"`
	State    State      `json:"state"`
	Episode  int64      `json:"episode"`
	Total    int64      `json:"total"`
	Speed    float64    `json:"episodes_per_sec,omitempty"`
	ETA      float64    `json:"eta_sec,omitempty"`
	BestVal  float64    `json:"best_val,omitempty"`
	Test     []testView `json:"test,omitempty"`
	Modified time.Time  `json:"modified"`
	Error    string     `json:"error,omitempty"`
	Problem  string     `json:"problem,omitempty"`
	Curves   *curves    `json:"curves,omitempty"`
}

// testView is a group's test accuracy.
type testView struct {
	Group string  `json:"group"`
	Mean  float64 `json:"mean"`
	CI95  float64 `json:"ci95"`
}

// curves are a run's validation points (per group: accuracy and CI half-width) and its
// training loss.
type curves struct {
	Val  []valPoint   `json:"val"`
	Loss [][2]float64 `json:"loss"`
}

type valPoint struct {
	Episode int64              `json:"episode"`
	Acc     map[string]float64 `json:"acc"`
	CI95    map[string]float64 `json:"ci95,omitempty"`
}

// reportView is the comparison as experiments/report computes and lays it out.
type reportView struct {
	Bank     string   `json:"bank"`
	Accuracy table    `json:"accuracy"`
	Delta    *table   `json:"delta,omitempty"`
	Missing  []string `json:"missing"`
	Plots    []string `json:"plots"`
	Error    string   `json:"error,omitempty"`
}

type table struct {
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// summary counts the experiment's runs by state.
func (e *experiment) summary() experimentSummary {
	sum := experimentSummary{Name: e.name, Runs: len(e.runs), States: map[State]int{}}
	for _, r := range e.runs {
		sum.States[r.state]++
		if r.modified.After(sum.Modified) {
			sum.Modified = r.modified
		}
	}
	return sum
}

// view is the experiment page's poll answer for a page that has generation since.
func (e *experiment) view(since uint64) experimentView {
	v := experimentView{Gen: e.gen}
	rep, err := e.comparison()
	rows := map[string]int{}
	if rep != nil {
		v.Groups = rep.Groups
		for i, row := range rep.Rows {
			rows[row.Label] = i
		}
	}
	for _, r := range e.runs {
		rv := r.view(figure.CSS(figure.RowColor(rows[r.plan.Label()])))
		if r.gen > since {
			rv.Curves = r.curves()
		}
		v.Runs = append(v.Runs, rv)
	}
	if e.repGen > since || since == 0 {
		v.Report = newReportView(rep, err)
	}
	return v
}

// view is the run's line of the table.
func (r *run) view(color string) runView {
	v := runView{Run: r.plan.Run, Label: r.plan.Label(), Variant: r.plan.Variant, Point: r.plan.Point, Seed: r.plan.Seed,
		Color: color, State: r.state, Total: r.total, Modified: r.modified, Problem: r.problem}
	if r.metrics.bad != "" && v.Problem == "" {
		v.Problem = r.metrics.bad
	}
	for _, rec := range r.metrics.records {
		if rec.Pretraining() {
			continue // the table and the curves follow episodic training
		}
		v.Episode = max(v.Episode, rec.Episode)
		if rec.Kind == "train" && rec.EpisodesSec > 0 {
			v.Speed = rec.EpisodesSec
		}
		if rec.Kind == "val" {
			v.BestVal = max(v.BestVal, rec.ValAcc)
		}
	}
	if r.state == Running && v.Speed > 0 && r.total > v.Episode {
		v.ETA = float64(r.total-v.Episode) / v.Speed
	}
	if r.eval != nil {
		for _, g := range r.eval.Scored() {
			v.Test = append(v.Test, testView{g.Group, g.Model.Mean, g.Model.CI95})
		}
	}
	if r.failure != nil {
		v.Error = r.failure.Error
	}
	return v
}

// curves are the run's validation points and its loss, averaged in buckets down to at most
// maxLossPoints.
func (r *run) curves() *curves {
	c := &curves{Val: []valPoint{}, Loss: [][2]float64{}}
	var train []results.Record
	for _, rec := range r.metrics.records {
		if rec.Pretraining() {
			continue
		}
		switch rec.Kind {
		case "val":
			acc := rec.ValGroups
			if len(acc) == 0 {
				acc = map[string]float64{"": rec.ValAcc}
			}
			c.Val = append(c.Val, valPoint{rec.Episode, acc, rec.ValCI95})
		case "train":
			if !math.IsNaN(rec.Loss) {
				train = append(train, rec)
			}
		}
	}
	per := (len(train) + maxLossPoints - 1) / maxLossPoints
	for i := 0; i < len(train); i += per {
		bucket := train[i:min(i+per, len(train))]
		var sum float64
		for _, rec := range bucket {
			sum += rec.Loss
		}
		c.Loss = append(c.Loss, [2]float64{float64(bucket[len(bucket)-1].Episode), sum / float64(len(bucket))})
	}
	return c
}

// newReportView lays out the comparison with the report's own tables.
func newReportView(rep *report.Report, err error) *reportView {
	if err != nil {
		return &reportView{Error: err.Error()}
	}
	v := &reportView{Bank: rep.Bank, Missing: rep.Missing, Plots: rep.PlotNames()}
	if len(rep.Groups) > 0 {
		header, rows := rep.AccuracyTable(func(s string) string { return s + " *" })
		v.Accuracy = table{header, rows}
	}
	if rep.HasDeltas() {
		header, rows := rep.DeltaTable()
		v.Delta = &table{header, rows}
	}
	return v
}
