package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"gonum.org/v1/plot/vg"

	"github.com/relnet/relnet/experiments/report/figure"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/internal/atomicfile"
)

// ReportFile is the Markdown report `relnet report` writes in the experiment's directory,
// beside its plots in PlotsDir.
const (
	ReportFile = "report.md"
	PlotsDir   = "plots"
)

// Report gathers an experiment's finished runs by row (variant and grid point), seeds pooled.
type Report struct {
	Experiment string
	Dir        string
	Groups     []string // the columns: attribute groups, cross-domain ones, the joint accuracy
	datasets   []string // per column: the other data set that scored it, "" for the run's own
	Rows       []*Row
	Floor      []results.Summary // per group: the pixel nearest-centroid floor on the same episodes
	Missing    []string          // planned runs without a result yet
	Bank       string            // the test protocol, e.g. "4-way 1-shot, 600 episodes × 10 queries (seed 2018)"
}

// Row is one variant at one grid point.
type Row struct {
	Label    string // e.g. "multihead shot=5"
	Variant  string
	Point    string
	Baseline bool
	Seeds    []uint64 // of the finished runs
	Failed   []string // runs stopped by a non-finite loss
	Cells    []Cell   // per group; empty when no run finished
	Metrics  [][]results.Record
	evals    []*results.EvalResult
	runs     []string // the run directory of each of evals
}

// Cell is one row's accuracy on one group.
type Cell struct {
	results.Summary         // per-episode accuracy averaged over seeds, t-interval over episodes
	SeedStd         float64 // standard deviation of the per-seed means (0 with one seed)
	PerEpisode      []float64
	Delta           *results.Summary // paired difference to the baseline row, episode by episode
	P               float64          // two-sided paired t-test p-value of Delta
	Best            bool             // highest mean of its column
}

// Scored reports whether the row's runs scored the cell's group.
func (c Cell) Scored() bool { return c.PerEpisode != nil }

// Load reads the plan and every run's results under dir (results/<experiment>).
func Load(dir string) (*Report, error) {
	plan, err := results.ReadPlan(dir)
	if err != nil {
		return nil, err
	}
	return Build(dir, plan, func(p results.PlannedRun) (Run, error) { return ReadRun(filepath.Join(dir, p.Run)) })
}

// Run is what a report takes from one run directory: whether it failed, its evaluation (nil
// while it has none) and its metrics.
type Run struct {
	Failed  bool
	Eval    *results.EvalResult
	Metrics []results.Record
}

// ReadRun reads a run directory's failed.json mark, eval.json and, when evaluated,
// metrics.jsonl.
func ReadRun(runDir string) (Run, error) {
	if results.Failed(runDir) {
		return Run{Failed: true}, nil
	}
	ev, err := results.ReadEvalResult(filepath.Join(runDir, results.EvalFile))
	if errors.Is(err, os.ErrNotExist) {
		return Run{}, nil
	}
	if err != nil {
		return Run{}, err
	}
	if ev, err = withCrossDomain(runDir, ev); err != nil {
		return Run{}, err
	}
	metrics, err := results.ReadMetrics(filepath.Join(runDir, results.MetricsFile))
	return Run{Eval: ev, Metrics: metrics}, err
}

// crossDomain reports whether column g is a group scored on another data set, which has no
// validation curve.
func (r *Report) crossDomain(g int) bool { return r.datasets[g] != "" }

// withCrossDomain adds to a run's evaluation the groups of its evaluations on other data
// sets' test banks (`relnet eval --dataset`, results.CrossEvalFile), each as a column of its
// own named "<group> on <data set>", with GroupResult.Dataset set.
func withCrossDomain(runDir string, ev *results.EvalResult) (*results.EvalResult, error) {
	files, err := filepath.Glob(filepath.Join(runDir, results.CrossEvalGlob))
	if err != nil || len(files) == 0 {
		return ev, err
	}
	out := *ev
	out.Groups = slices.Clone(ev.Groups)
	for _, f := range files {
		cross, err := results.ReadEvalResult(f)
		if err != nil {
			return nil, err
		}
		for _, g := range cross.Groups {
			g.Dataset = results.CrossEvalName(filepath.Base(f))
			g.Group += " on " + g.Dataset
			out.Groups = append(out.Groups, g)
		}
	}
	return &out, nil
}

// Build gathers the runs of plan, each as read returns it, into the report of the experiment
// in dir: what Load does with files read from disk, and `relnet serve` with the ones it holds.
func Build(dir string, plan []results.PlannedRun, read func(results.PlannedRun) (Run, error)) (*Report, error) {
	r := &Report{Experiment: filepath.Base(dir), Dir: dir}
	rows := map[string]*Row{}
	for _, p := range plan {
		label := p.Label()
		row := rows[label]
		if row == nil {
			row = &Row{Label: label, Variant: p.Variant, Point: p.Point, Baseline: p.Baseline}
			rows[label] = row
			r.Rows = append(r.Rows, row)
		}
		run, err := read(p)
		switch {
		case err != nil:
			return nil, err
		case run.Failed:
			row.Failed = append(row.Failed, p.Run)
		case run.Eval == nil:
			r.Missing = append(r.Missing, p.Run)
		default:
			row.Seeds = append(row.Seeds, p.Seed)
			row.evals, row.runs = append(row.evals, run.Eval), append(row.runs, p.Run)
			row.Metrics = append(row.Metrics, run.Metrics)
		}
	}
	if err := r.summarize(); err != nil {
		return nil, err
	}
	return r, nil
}

// summarize fills the cells: seeds pooled per episode, paired differences to the baseline,
// best marks.
func (r *Report) summarize() error {
	if err := r.checkBanks(); err != nil {
		return err
	}
	for _, row := range r.Rows {
		r.pool(row)
	}
	for _, row := range r.Rows {
		base := r.baselineOf(row)
		if base == nil || base == row || len(base.Cells) == 0 || len(row.Cells) == 0 {
			continue
		}
		for g := range row.Cells {
			if !row.Cells[g].Scored() || !base.Cells[g].Scored() {
				continue
			}
			d := results.PairedDifference(row.Cells[g].PerEpisode, base.Cells[g].PerEpisode)
			row.Cells[g].Delta, row.Cells[g].P = &d, results.PValue(d)
		}
	}
	r.markBest()
	return nil
}

// checkBanks takes the columns, the pixel floor and the test protocol from the runs, and checks
// that the runs at each grid point were scored on one test bank. The columns are every group
// any run scored, in the order they first appear, the joint accuracy last: a row whose runs
// lack a group (a species head alone beside species and attribute heads) has no cell there.
func (r *Report) checkBanks() error {
	firstAt := map[string]*bank{} // per grid point: runs there share one test bank
	floors := map[string]results.Summary{}
	var overall *results.EvalResult
	var joint *results.Summary
	for _, row := range r.Rows {
		for _, ev := range row.evals {
			if overall == nil {
				overall = ev
				r.Bank = fmt.Sprintf("%d-way %d-shot, %d test episodes × %d queries per class (seed %d), BN %s",
					ev.Way, ev.Shot, len(ev.Groups[0].Model.PerEpisode), ev.Query, ev.Seed, ev.BN)
			}
			if overall.Way != ev.Way || overall.Shot != ev.Shot || overall.Query != ev.Query {
				r.Bank = "the test protocol varies with the grid point (see each run's eval.json); the pixel floor row is the first point's"
			}
			for _, g := range ev.Groups {
				if _, seen := floors[g.Group]; !seen {
					floors[g.Group] = g.PixelFloor.Summary
					r.Groups, r.datasets = append(r.Groups, g.Group), append(r.datasets, g.Dataset)
				}
			}
			if ev.Joint != nil && joint == nil {
				joint = &ev.Joint.PixelFloor.Summary
			}
			if firstAt[row.Point] == nil {
				firstAt[row.Point] = newBank(ev)
			}
			if err := firstAt[row.Point].holds(ev); err != nil {
				return fmt.Errorf("%s: %s and %s were not evaluated alike (%v); re-run `relnet eval` on the older one", r.Dir, firstAt[row.Point].run, ev.Experiment, err)
			}
		}
	}
	if joint != nil {
		r.Groups, r.datasets, floors[results.JointGroup] = append(r.Groups, results.JointGroup), append(r.datasets, ""), *joint
	}
	for _, g := range r.Groups {
		r.Floor = append(r.Floor, floors[g])
	}
	return nil
}

// bank is the test bank of the first run evaluated at a grid point: its protocol, and the
// number of test episodes of each group it scored.
type bank struct {
	run      string
	way      int
	shot     int
	query    int
	seed     uint64
	episodes map[string]int
}

func newBank(ev *results.EvalResult) *bank {
	b := &bank{run: ev.Experiment, way: ev.Way, shot: ev.Shot, query: ev.Query, seed: ev.Seed, episodes: map[string]int{}}
	for _, g := range ev.Scored() {
		b.episodes[g.Group] = len(g.Model.PerEpisode)
	}
	return b
}

// holds checks that ev was scored on the bank: the same protocol and seed, and the same number
// of episodes in every group both scored (a group only one of them has adds its own count).
func (b *bank) holds(ev *results.EvalResult) error {
	if b.way != ev.Way || b.shot != ev.Shot || b.query != ev.Query || b.seed != ev.Seed {
		return fmt.Errorf("%d-way %d-shot %d queries seed %d against %d-way %d-shot %d queries seed %d", b.way, b.shot, b.query, b.seed, ev.Way, ev.Shot, ev.Query, ev.Seed)
	}
	for _, g := range ev.Scored() {
		n, ok := b.episodes[g.Group]
		if !ok {
			b.episodes[g.Group] = len(g.Model.PerEpisode)
		} else if n != len(g.Model.PerEpisode) {
			return fmt.Errorf("group %s: %d test episodes against %d", g.Group, n, len(g.Model.PerEpisode))
		}
	}
	return nil
}

// pool fills a row's cells for the report's groups: each episode's accuracy averaged over the
// row's seeds, its mean ± CI, and the spread of the seeds' means. A group one of the row's runs
// did not score has no cell (Cell.Scored is false).
func (r *Report) pool(row *Row) {
	if len(row.evals) == 0 {
		return
	}
	row.Cells = make([]Cell, len(r.Groups))
	for g, group := range r.Groups {
		var accs []results.Accuracy
		for _, ev := range row.evals {
			scored := ev.Scored()
			if i := slices.IndexFunc(scored, func(s results.GroupResult) bool { return s.Group == group }); i >= 0 {
				accs = append(accs, scored[i].Model)
			}
		}
		if len(accs) < len(row.evals) {
			continue
		}
		c := &row.Cells[g]
		var seedMeans []float64
		c.PerEpisode = make([]float64, len(accs[0].PerEpisode))
		for _, acc := range accs {
			seedMeans = append(seedMeans, acc.Mean)
			for i, a := range acc.PerEpisode {
				c.PerEpisode[i] += a / float64(len(accs))
			}
		}
		c.Summary = results.Summarize(c.PerEpisode)
		c.SeedStd = results.Summarize(seedMeans).Std
	}
}

// markBest marks, per group, the rows with the best mean.
func (r *Report) markBest() {
	for g := range r.Groups {
		best := -1.0
		for _, row := range r.Rows {
			if len(row.Cells) > 0 && row.Cells[g].Scored() {
				best = max(best, row.Cells[g].Mean)
			}
		}
		for _, row := range r.Rows {
			if len(row.Cells) > 0 && row.Cells[g].Scored() && row.Cells[g].Mean == best {
				row.Cells[g].Best = true
			}
		}
	}
}

// baselineOf is the row a row is compared with: the baseline variant at the same grid point,
// else the first variant there; nil when the point has a single variant.
func (r *Report) baselineOf(row *Row) *Row {
	var same []*Row
	for _, b := range r.Rows {
		if b.Point == row.Point {
			same = append(same, b)
		}
	}
	if len(same) < 2 {
		return nil
	}
	for _, b := range same {
		if b.Baseline {
			return b
		}
	}
	return same[0]
}

// HasDeltas reports whether any row is compared with a baseline.
func (r *Report) HasDeltas() bool {
	for _, row := range r.Rows {
		if row.compared() {
			return true
		}
	}
	return false
}

// compared reports whether the row has a paired difference to a baseline in some group.
func (row *Row) compared() bool {
	return slices.ContainsFunc(row.Cells, func(c Cell) bool { return c.Delta != nil })
}

// Percent writes a summary in percent, e.g. "69.43 ± 1.10".
func Percent(s results.Summary) string { return fmt.Sprintf("%.2f ± %.2f", 100*s.Mean, 100*s.CI95) }

// pText writes a p-value the way reports do.
func pText(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return fmt.Sprintf("p = %.3f", p)
}

// AccuracyTable is the main table (rows = variants, columns = groups, then the pixel floor),
// each column's best cell passed through bold.
func (r *Report) AccuracyTable(bold func(string) string) ([]string, [][]string) {
	header := append([]string{"variant", "seeds"}, r.Groups...)
	var rows [][]string
	for _, row := range r.Rows {
		label := row.Label
		if row.Baseline {
			label += " (baseline)"
		}
		line := []string{label, fmt.Sprint(len(row.Seeds))}
		for g := range r.Groups {
			if len(row.Cells) == 0 {
				line = append(line, map[bool]string{true: "failed", false: "pending"}[len(row.Failed) > 0])
				continue
			}
			c := row.Cells[g]
			if !c.Scored() {
				line = append(line, "–")
				continue
			}
			cell := Percent(c.Summary)
			if c.Best {
				cell = bold(cell)
			}
			if len(row.Seeds) > 1 {
				cell += fmt.Sprintf(" (seed sd %.2f)", 100*c.SeedStd)
			}
			line = append(line, cell)
		}
		if len(row.Failed) > 0 {
			line[1] += fmt.Sprintf(" (+%d failed)", len(row.Failed))
		}
		rows = append(rows, line)
	}
	floor := []string{"pixel nearest-centroid (no learning)", "–"}
	for _, f := range r.Floor {
		floor = append(floor, Percent(f))
	}
	return header, append(rows, floor)
}

// DeltaTable is each row's paired difference to its baseline, in points, with its p-value.
func (r *Report) DeltaTable() ([]string, [][]string) {
	header := append([]string{"variant", "vs"}, r.Groups...)
	var rows [][]string
	for _, row := range r.Rows {
		if !row.compared() {
			continue
		}
		line := []string{row.Label, r.baselineOf(row).Label}
		for _, c := range row.Cells {
			if c.Delta == nil {
				line = append(line, "–")
				continue
			}
			line = append(line, fmt.Sprintf("%+.2f ± %.2f (%s)", 100*c.Delta.Mean, 100*c.Delta.CI95, pText(c.P)))
		}
		rows = append(rows, line)
	}
	return header, rows
}

// renderTable writes one table through tablewriter, as Markdown or for a terminal.
func renderTable(w io.Writer, markdown bool, header []string, rows [][]string) error {
	opts := []tablewriter.Option{tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithRowAutoWrap(tw.WrapNone)}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
}

// WriteText prints the report's tables for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%s: %s\naccuracy %% (mean ± 95%% CI over episodes; best of each column marked *)\n", r.Experiment, r.Bank)
	header, rows := r.AccuracyTable(func(s string) string { return s + " *" })
	if err := renderTable(w, false, header, rows); err != nil {
		return err
	}
	if r.HasDeltas() {
		fmt.Fprintln(w, "paired difference to the baseline, points (same episodes; two-sided paired t-test)")
		header, rows := r.DeltaTable()
		if err := renderTable(w, false, header, rows); err != nil {
			return err
		}
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(w, "not finished yet: %s\n", strings.Join(r.Missing, ", "))
	}
	return nil
}

// Markdown is report.md: the tables and the plots (paths relative to the report).
func (r *Report) Markdown(plots []string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\nTest protocol: %s. Every run is scored on the same episodes.\n\n", r.Experiment, r.Bank)
	fmt.Fprintf(&b, "## Accuracy (%%)\n\nMean ± 95%% confidence interval over test episodes; with several seeds each episode's accuracy is first averaged over seeds, and the across-seed standard deviation of the mean is given. Best of each column in bold.\n\n")
	header, rows := r.AccuracyTable(func(s string) string { return "**" + s + "**" })
	if err := renderTable(&b, true, header, rows); err != nil {
		return nil, err
	}
	if r.HasDeltas() {
		fmt.Fprintf(&b, "\n## Difference to the baseline (points)\n\nPaired over the same test episodes: mean ± 95%% CI of the per-episode difference, two-sided paired t-test.\n\n")
		header, rows := r.DeltaTable()
		if err := renderTable(&b, true, header, rows); err != nil {
			return nil, err
		}
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(&b, "\nNot finished yet: %s.\n", strings.Join(r.Missing, ", "))
	}
	if len(plots) > 0 {
		fmt.Fprintf(&b, "\n## Plots\n\nEach plot is in %s/ as PNG (%d dpi), SVG and PDF, %.1f in wide (one column of a two-column paper). Validation curves carry their 95%% CI over validation episodes as a band", PlotsDir, figure.DPI, figure.Width/vg.Inch)
		if missing := r.withoutValCI(); len(missing) > 0 {
			fmt.Fprintf(&b, ", except %s: their runs' metrics.jsonl predate val_ci95", strings.Join(missing, ", "))
		}
		fmt.Fprintf(&b, "; the dashed line is the pixel floor on the test episodes.\n\n")
		if slices.ContainsFunc(r.Groups, r.pretrained) {
			fmt.Fprintf(&b, "The pretraining plots show the [pretrain] stage's nearest-centroid validation accuracy after each epoch, one curve per pretrained backbone (the runs of a seed with the same [pretrain] table and data share one).\n\n")
		}
		if len(r.confusionPlots()) > 0 {
			fmt.Fprintf(&b, "Each group's confusion matrix is that of the run best in the group (named in its title), on its test bank: true class down, predicted class across, each cell shaded by its share of the true class's queries.\n\n")
		}
		for _, p := range plots {
			fmt.Fprintf(&b, "![%s](%s)\n\n", strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)), p)
		}
	}
	fmt.Fprintf(&b, "\nRegenerate with `relnet report %s`.\n", r.Dir)
	return b.Bytes(), nil
}

// Write writes report.md and its plots (PlotFormats) into the experiment's directory.
func (r *Report) Write() error {
	plots, err := r.writePlots(filepath.Join(r.Dir, PlotsDir))
	if err != nil {
		return err
	}
	for i, p := range plots {
		plots[i], _ = filepath.Rel(r.Dir, p)
	}
	md, err := r.Markdown(plots)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(r.Dir, ReportFile), md)
}

// withoutValCI lists the rows whose validation records lack a CI (runs trained before
// metrics.jsonl recorded val_ci95).
func (r *Report) withoutValCI() []string {
	var out []string
	for _, row := range r.Rows {
		if slices.ContainsFunc(row.Metrics, func(recs []results.Record) bool {
			return slices.ContainsFunc(recs, func(rec results.Record) bool { return rec.Kind == "val" && rec.ValCI95 == nil })
		}) {
			out = append(out, row.Label)
		}
	}
	return out
}

// meanCurve averages a metric over seeds at each step where every seed has it: the training
// episode, or the epoch of a pretraining record (value picks the records of one stage).
func meanCurve(runs [][]results.Record, value func(results.Record) (float64, bool)) (steps, values []float64) {
	sums := map[int64]float64{}
	counts := map[int64]int{}
	for _, recs := range runs {
		for _, rec := range recs {
			step := rec.Episode
			if rec.Pretraining() {
				step = int64(rec.Epoch)
			}
			if v, ok := value(rec); ok && !math.IsNaN(v) {
				sums[step] += v
				counts[step]++
			}
		}
	}
	var eps []int64
	for e, n := range counts {
		if n == len(runs) {
			eps = append(eps, e)
		}
	}
	slices.Sort(eps)
	for _, e := range eps {
		steps = append(steps, float64(e))
		values = append(values, sums[e]/float64(len(runs)))
	}
	return steps, values
}
