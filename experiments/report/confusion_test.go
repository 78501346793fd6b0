package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/experiments/results"
)

// withConfusion gives group g of the run's eval.json a confusion matrix over n classes, the
// diagonal holding most queries.
func withConfusion(t *testing.T, runDir string, g, n int) {
	t.Helper()
	path := filepath.Join(runDir, results.EvalFile)
	ev, err := results.ReadEvalResult(path)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	var names []string
	for c := range n {
		ids, names = append(ids, c), append(names, fmt.Sprintf("%03d.Class_with_a_long_name_%d", c, c))
	}
	conf := results.NewConfusion(ids, names)
	for c := range n {
		for k := range 10 {
			conf.Add(c, c)
			if k < c%4 {
				conf.Add(c, (c+1)%n)
			}
		}
	}
	conf.Record(&ev.Groups[g])
	if err := results.WriteJSON(path, ev); err != nil {
		t.Fatal(err)
	}
}

// TestConfusionPlots draws each group's confusion matrix from the run best in it: multi-seed2
// in both, its category group 5 classes (counts in the cells) and its color group 60 (no names).
// Set RELNET_CONFUSION_PNG to a directory to keep the PNGs for a look.
func TestConfusionPlots(t *testing.T) {
	dir := fakeExperiment(t)
	withConfusion(t, filepath.Join(dir, "multi-seed2"), 0, 5)
	withConfusion(t, filepath.Join(dir, "multi-seed2"), 1, 60)
	withConfusion(t, filepath.Join(dir, "single-seed1"), 0, 30) // not the best run: not drawn
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := r.PlotNames()
	if !slices.Contains(names, "confusion-category") || !slices.Contains(names, "confusion-color") {
		t.Fatalf("plots %v lack the confusion matrices", names)
	}
	for _, group := range []string{"category", "color"} {
		if run, _ := r.bestRunFor(group); run != "multi-seed2" {
			t.Errorf("best run in %s: %s, want multi-seed2", group, run)
		}
	}
	ev, _ := results.ReadEvalResult(filepath.Join(dir, "multi-seed2", results.EvalFile))
	if pc := ev.Groups[0].PerClass; len(pc) != 5 || pc[0] != 1 || pc[1] != 10.0/11 {
		t.Errorf("per-class accuracy %v", pc)
	}
	if err := r.Write(); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, ReportFile))
	if !strings.Contains(string(md), "![confusion-category](plots/confusion-category.png)") || !strings.Contains(string(md), "that of the run best in the group") {
		t.Errorf("report.md:\n%s", md)
	}
	for _, name := range []string{"confusion-category", "confusion-color"} {
		for _, ext := range PlotFormats {
			if info, err := os.Stat(filepath.Join(dir, PlotsDir, name+ext)); err != nil || info.Size() == 0 {
				t.Errorf("%s%s: %v", name, ext, err)
			}
		}
		if keep := os.Getenv("RELNET_CONFUSION_PNG"); keep != "" {
			data, _ := os.ReadFile(filepath.Join(dir, PlotsDir, name+".png"))
			os.WriteFile(filepath.Join(keep, name+".png"), data, 0o644)
		}
	}
}
