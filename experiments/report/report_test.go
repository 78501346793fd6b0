package report

import (
	"flag"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/cmpimg"

	"github.com/relnet/relnet/experiments/results"
)

var update = flag.Bool("update", false, "rewrite the golden files of the report tests")

// fakeExperiment writes the results of a finished two-variant, two-seed, two-group
// experiment (no training): single (baseline) scores 0.5 + 0.1·(e mod 3) per episode e,
// multi 0.1 more on "color" and 0.2 more on "category" with seed 2 a further 0.1 higher,
// and one planned run is missing. Only multi's validation records carry a CI (single's runs
// stand for runs trained before val_ci95 was recorded).
func fakeExperiment(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "abl")
	plan := []results.PlannedRun{
		{Run: "single-seed1", Variant: "single", Seed: 1, Baseline: true},
		{Run: "single-seed2", Variant: "single", Seed: 2, Baseline: true},
		{Run: "multi-seed1", Variant: "multi", Seed: 1},
		{Run: "multi-seed2", Variant: "multi", Seed: 2},
		{Run: "multi-seed3", Variant: "multi", Seed: 3},
	}
	if err := results.WriteJSON(filepath.Join(dir, results.PlanFile), plan); err != nil {
		t.Fatal(err)
	}
	const episodes = 6
	for _, p := range plan[:4] {
		res := &results.EvalResult{Experiment: "abl", Way: 4, Shot: 1, Query: 10, Seed: 2018, BN: "eval"}
		for _, g := range []string{"category", "color"} {
			gr := results.GroupResult{Group: g}
			for e := 0; e < episodes; e++ {
				acc := 0.5 + 0.1*float64(e%3)
				if p.Variant == "multi" {
					acc += map[string]float64{"category": 0.2, "color": 0.1}[g]
					if g == "category" && p.Seed == 2 {
						acc += 0.1
					}
				}
				gr.Model.PerEpisode = append(gr.Model.PerEpisode, acc)
				gr.PixelFloor.PerEpisode = append(gr.PixelFloor.PerEpisode, 0.25+0.05*float64(e%2))
			}
			gr.Model.Summary = results.Summarize(gr.Model.PerEpisode)
			gr.PixelFloor.Summary = results.Summarize(gr.PixelFloor.PerEpisode)
			res.Groups = append(res.Groups, gr)
		}
		run := filepath.Join(dir, p.Run)
		if err := results.WriteJSON(filepath.Join(run, results.EvalFile), res); err != nil {
			t.Fatal(err)
		}
		metrics, err := results.OpenJSONLines(filepath.Join(run, results.MetricsFile))
		if err != nil {
			t.Fatal(err)
		}
		for ep := int64(100); ep <= 500; ep += 100 {
			boost := 0.0
			if p.Variant == "multi" {
				boost = 0.1
			}
			metrics.Write(results.Record{Episode: ep, Kind: "train", Loss: 1 / float64(ep) * 100, LR: 1e-3})
			val := results.Record{Episode: ep, Kind: "val", ValAcc: 0.4, ValGroups: map[string]float64{
				"category": 0.3 + boost + float64(ep)/2000 + 0.01*float64(p.Seed), "color": 0.5 + float64(ep)/1000}}
			if p.Variant == "multi" {
				val.ValCI95 = map[string]float64{"category": 0.02 * float64(p.Seed), "color": 0.03}
			}
			metrics.Write(val)
		}
		metrics.Close()
	}
	return dir
}

func TestReportStatistics(t *testing.T) {
	r, err := Load(fakeExperiment(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || len(r.Groups) != 2 || len(r.Missing) != 1 || r.Missing[0] != "multi-seed3" {
		t.Fatalf("rows %d groups %v missing %v", len(r.Rows), r.Groups, r.Missing)
	}
	multi := r.Rows[1].Cells[0] // category
	// Seed-averaged per-episode accuracy: 0.75 + 0.1·(e mod 3) → mean 0.85.
	if math.Abs(multi.Mean-0.85) > 1e-12 {
		t.Errorf("pooled mean %v, want 0.85", multi.Mean)
	}
	// Per-seed means 0.8 and 0.9: sample sd 0.1/√2.
	if math.Abs(multi.SeedStd-0.1/math.Sqrt2) > 1e-12 {
		t.Errorf("seed sd %v, want %v", multi.SeedStd, 0.1/math.Sqrt2)
	}
	// Differences to the baseline are 0.25 on every episode: a constant shift, p ≈ 0.
	if d := multi.Delta; d == nil || math.Abs(d.Mean-0.25) > 1e-12 || multi.P > 1e-10 {
		t.Errorf("delta %+v p %v, want 0.25 and p ≈ 0", d, multi.P)
	}
	if !multi.Best || r.Rows[0].Cells[0].Best {
		t.Errorf("best marks: single %v multi %v", r.Rows[0].Cells[0].Best, multi.Best)
	}
	if r.Rows[0].Cells[0].Delta != nil {
		t.Error("the baseline has a difference to itself")
	}
}

// golden compares got with testdata/report/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte, equal func(want, got []byte) bool) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "report", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./experiments/report -run Report -update` to create it)", err)
	}
	if !equal(want, got) {
		bad := filepath.Join(t.TempDir(), name)
		os.WriteFile(bad, got, 0o644)
		t.Errorf("%s differs from %s (written to %s)", name, path, bad)
	}
}

func TestReportGoldenFiles(t *testing.T) {
	dir := fakeExperiment(t)
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Write(); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	md = []byte(strings.ReplaceAll(string(md), dir, "results/abl"))
	golden(t, "report.md", md, func(a, b []byte) bool { return string(a) == string(b) })
	for _, want := range []string{"**85.00 ± ", "+25.00 ± 0.00 (p < 0.001)", "Not finished yet: multi-seed3", "![accuracy](plots/accuracy.png)", "except single: their runs'"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, name := range []string{"accuracy.png", "validation-category.png"} {
		png, err := os.ReadFile(filepath.Join(dir, PlotsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, png, func(want, got []byte) bool {
			ok, err := cmpimg.EqualApprox("png", want, got, 0.01)
			return err == nil && ok
		})
	}
	// Every plot in every format; the PNG at 300 dpi of 3.5 × 2.6 in.
	heads := map[string]string{".png": "\x89PNG", ".svg": "<?xml", ".pdf": "%PDF"}
	for _, name := range []string{"accuracy", "validation-category", "validation-color", "loss"} {
		for _, ext := range PlotFormats {
			data, err := os.ReadFile(filepath.Join(dir, PlotsDir, name+ext))
			if err != nil || !strings.HasPrefix(string(data), heads[ext]) {
				t.Errorf("plot %s%s: %v, starts %.8q", name, ext, err, data)
			}
		}
	}
	f, err := os.Open(filepath.Join(dir, PlotsDir, "loss.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width != 1050 || cfg.Height != 780 {
		t.Errorf("loss.png is %d×%d px (%v), want 1050×780", cfg.Width, cfg.Height, err)
	}
}

// TestRowsWithFewerGroups reports a species head alone beside a run with species and
// attribute heads: the columns are every group, the lone head's row has "–" where it has no
// head, and the paired difference is taken on the species only.
func TestRowsWithFewerGroups(t *testing.T) {
	eval := func(groups map[string]float64, order ...string) *results.EvalResult {
		ev := &results.EvalResult{Experiment: "cub", Way: 5, Shot: 1, Query: 3, Seed: 2018, BN: "eval"}
		for _, g := range order {
			gr := results.GroupResult{Group: g}
			for e := range 4 {
				gr.Model.PerEpisode = append(gr.Model.PerEpisode, groups[g]+0.01*float64(e))
				gr.PixelFloor.PerEpisode = append(gr.PixelFloor.PerEpisode, 0.2)
			}
			gr.Model.Summary, gr.PixelFloor.Summary = results.Summarize(gr.Model.PerEpisode), results.Summarize(gr.PixelFloor.PerEpisode)
			ev.Groups = append(ev.Groups, gr)
		}
		return ev
	}
	runs := map[string]*results.EvalResult{
		"species-alone":   eval(map[string]float64{"species": 0.5}, "species"),
		"with-attributes": eval(map[string]float64{"species": 0.6, "has_bill_shape": 0.4}, "species", "has_bill_shape"),
	}
	plan := []results.PlannedRun{{Run: "species-alone", Variant: "species-alone", Seed: 1, Baseline: true}, {Run: "with-attributes", Variant: "with-attributes", Seed: 1}}
	r, err := Build(t.TempDir(), plan, func(p results.PlannedRun) (Run, error) { return Run{Eval: runs[p.Run]}, nil })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Groups, []string{"species", "has_bill_shape"}) || len(r.Floor) != 2 {
		t.Fatalf("columns %v, floor %v", r.Groups, r.Floor)
	}
	_, rows := r.AccuracyTable(func(s string) string { return s })
	if rows[0][3] != "–" || !strings.HasPrefix(rows[1][3], "41.50") {
		t.Errorf("accuracy rows %q", rows)
	}
	_, deltas := r.DeltaTable()
	if len(deltas) != 1 || !strings.HasPrefix(deltas[0][2], "+10.00") || deltas[0][3] != "–" {
		t.Errorf("difference rows %q", deltas)
	}
	if err := r.Write(); err != nil {
		t.Fatal(err)
	}
}

// TestPretrainingCurves: a row that pretrained gets a pretraining plot per group, its curve
// over pretraining epochs, and its pretraining records stay out of the episodic validation
// curve (they carry episode 0).
func TestPretrainingCurves(t *testing.T) {
	ev := &results.EvalResult{Experiment: "p", Way: 2, Shot: 1, Query: 1, Seed: 2018, BN: "eval",
		Groups: []results.GroupResult{{Group: "class", Model: results.Accuracy{PerEpisode: []float64{0.5, 1}}}}}
	val := func(stage string, epoch int, episode int64, acc float64) results.Record {
		return results.Record{Stage: stage, Epoch: epoch, Episode: episode, Kind: "val", ValGroups: map[string]float64{"class": acc}}
	}
	metrics := []results.Record{val(results.StagePretrain, 1, 0, 0.6), val("episodic", 0, 500, 0.8)}
	plan := []results.PlannedRun{{Run: "scratch", Variant: "scratch", Seed: 1}, {Run: "pretrained", Variant: "pretrained", Seed: 1}}
	r, err := Build(t.TempDir(), plan, func(p results.PlannedRun) (Run, error) {
		if p.Run == "scratch" {
			return Run{Eval: ev, Metrics: metrics[1:]}, nil
		}
		return Run{Eval: ev, Metrics: metrics}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.PlotNames(), "pretraining-class") {
		t.Errorf("plots %v lack pretraining-class", r.PlotNames())
	}
	epochs, accs := meanCurve(r.Rows[1].Metrics, pretrainingValue("class"))
	if !slices.Equal(epochs, []float64{1}) || !slices.Equal(accs, []float64{60}) {
		t.Errorf("pretraining curve %v %v", epochs, accs)
	}
	if _, err := r.pretrainingPlot(0); err != nil {
		t.Fatal(err)
	}
	f, err := r.validationPlot(0)
	if err != nil {
		t.Fatal(err)
	}
	if f.X.Min != 500 {
		t.Errorf("the validation curve starts at episode %g, want 500 (no pretraining record)", f.X.Min)
	}
}
