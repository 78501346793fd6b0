package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/relnet/relnet/experiments/report"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/spec"
)

// tinyFolderConfig is a run on the image folder root: 28×28 grey images, a 4-filter network,
// 2-way 1-shot episodes with one query, three training episodes.
func tinyFolderConfig(t *testing.T, root string) spec.Config {
	t.Helper()
	text := fmt.Sprintf(`[dataset]
source = "folder"
path = %q
channels = 1
height = 28
width = 28
test_fraction = 0.4
val_fraction = 0.2
[backbone]
filters = 4
[heads]
filters = 4
padding = "1"
[train]
way = 2
query = 1
episodes = 3
val_every = 3
val_episodes = 2
[eval]
query = 1
batch = 50
`, root)
	cfg, err := spec.Parse(filepath.Join(t.TempDir(), "tiny.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = t.TempDir()
	return cfg
}

// TestEvalRecordsConfusion evaluates a run on a four-class folder set and finds, per class by
// name, its accuracy and a confusion matrix counting every test query once.
func TestEvalRecordsConfusion(t *testing.T) {
	cfg := tinyFolderConfig(t, imageFolder(t, 4, 10))
	if err := Train(context.Background(), cfg, logTo(t)); err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), cfg, "", logTo(t))
	if err != nil {
		t.Fatal(err)
	}
	g := res.Groups[0]
	if !slices.Equal(g.Classes, []string{"class0", "class1", "class2", "class3"}) || len(g.Confusion) != 4 || len(g.PerClass) != 4 {
		t.Fatalf("classes %v, confusion %v, per class %v", g.Classes, g.Confusion, g.PerClass)
	}
	total, right := 0, 0
	for i, row := range g.Confusion {
		for j, k := range row {
			total += k
			if i == j {
				right += k
			}
		}
	}
	if want := cfg.Eval.Episodes * cfg.Eval.Way * cfg.Eval.Query; total != want {
		t.Errorf("the confusion matrix counts %d queries, want %d", total, want)
	}
	if acc := float64(right) / float64(total); acc < g.Model.Mean-1e-9 || acc > g.Model.Mean+1e-9 {
		t.Errorf("the diagonal's share %v is not the mean accuracy %v", acc, g.Model.Mean)
	}
	back, err := results.ReadEvalResult(filepath.Join(cfg.RunDir(), results.EvalFile))
	if err != nil || !slices.Equal(back.Groups[0].PerClass, g.PerClass) {
		t.Errorf("eval.json: %v, per class %v", err, back.Groups[0].PerClass)
	}
}

// TestEvaluateOnAnotherSet trains on one four-class folder set and scores the run on another
// folder set's test bank (three other classes, decoded at the run's size from 8×8 images):
// eval-other.json holds the other set's classes, eval.json is untouched, and the report gets
// a column "class on other".
func TestEvaluateOnAnotherSet(t *testing.T) {
	cfg := tinyFolderConfig(t, imageFolder(t, 4, 10))
	if err := RunAll(context.Background(), []spec.Config{cfg}, spec.Shard{}, logTo(t)); err != nil {
		t.Fatal(err)
	}
	own, err := os.ReadFile(filepath.Join(cfg.RunDir(), results.EvalFile))
	if err != nil {
		t.Fatal(err)
	}
	root := imageFolder(t, 3, 10)
	for c := range 3 {
		if err := os.Rename(filepath.Join(root, fmt.Sprintf("class%d", c)), filepath.Join(root, fmt.Sprintf("other%d", c))); err != nil {
			t.Fatal(err)
		}
	}
	other := tinyFolderConfig(t, root).Dataset
	other.Height, other.Width = 40, 40 // brought to the run's 28×28
	res, err := EvaluateOn(context.Background(), cfg, other, "other", logTo(t))
	if err != nil {
		t.Fatal(err)
	}
	back, err := results.ReadEvalResult(filepath.Join(cfg.RunDir(), results.CrossEvalFile("other")))
	if err != nil {
		t.Fatal(err)
	}
	if back.Dataset != "other" || !slices.Equal(back.Groups[0].Classes, []string{"other0", "other1", "other2"}) || back.Groups[0].Model.Mean != res.Groups[0].Model.Mean {
		t.Errorf("eval-other.json: data set %q, classes %v", back.Dataset, back.Groups[0].Classes)
	}
	if now, _ := os.ReadFile(filepath.Join(cfg.RunDir(), results.EvalFile)); string(now) != string(own) {
		t.Error("eval.json was rewritten")
	}
	r, err := report.Load(cfg.ExperimentDir())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Groups, []string{"class", "class on other"}) {
		t.Errorf("report columns %v", r.Groups)
	}
	if err := r.Write(); err != nil {
		t.Fatal(err)
	}
}
