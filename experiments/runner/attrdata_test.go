package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/spec"
)

// TestMultiHeadOnSynth generates a small synthetic garment set, trains a three-head model
// with the interaction loss for a few episodes, and evaluates every group.
func TestMultiHeadOnSynth(t *testing.T) {
	dir := t.TempDir()
	synthFile := filepath.Join(dir, "tiny.toml")
	if err := os.WriteFile(synthFile, []byte("images = 400\nsize = 32\n[[correlation]]\ncategory = \"dress\"\ngroup = \"color\"\nvalue = \"red\"\np = 0.8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := spec.Parse(filepath.Join(dir, "run.toml"), []byte(`
[experiment]
name = "tiny"
[dataset]
source = "synth"
path = "tiny.toml"
height = 32
width = 32
[heads]
interaction = 0.1
[train]
way = 4
query = 2
episodes = 6
log_every = 3
val_every = 3
val_episodes = 2
[eval]
query = 2
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = dir
	if err := Train(context.Background(), cfg, logTo(t)); err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), cfg, "", logTo(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range res.Groups {
		names = append(names, g.Group)
		if g.Model.Episodes != 600 || g.PixelFloor.Episodes != 600 {
			t.Errorf("%s: %d / %d episodes", g.Group, g.Model.Episodes, g.PixelFloor.Episodes)
		}
	}
	if got := strings.Join(names, ","); got != "category,color,pattern" {
		t.Errorf("groups %s", got)
	}
	if j := res.Joint; j == nil || j.Model.Episodes < 500 || j.Model.Mean < 0 || j.Model.Mean > 1 || j.PixelFloor.Episodes != j.Model.Episodes {
		t.Errorf("joint accuracy: %+v", j)
	}
	// The supervised classifier baseline trains and scores on the same data.
	clf := cfg
	clf.Experiment.Run, clf.Heads.Kind, clf.Loss.Kind, clf.Heads.Interaction = "classifier", "classifier", arch.CrossEntropy, arch.Interaction{}
	if err := Train(context.Background(), clf, logTo(t)); err != nil {
		t.Fatal(err)
	}
	if res, err := Evaluate(context.Background(), clf, "", logTo(t)); err != nil || len(res.Groups) != 3 || res.Joint == nil {
		t.Fatalf("classifier evaluation: %v %+v", err, res)
	}
	metrics, _ := os.ReadFile(filepath.Join(cfg.RunDir(), results.MetricsFile))
	if !strings.Contains(string(metrics), `"val_groups":{"category":`) || !strings.Contains(string(metrics), `"val_ci95":{"category":`) {
		t.Errorf("metrics lack per-group validation accuracy and its CI:\n%s", metrics)
	}
	// A second load reuses the generated set instead of generating it again.
	stamp := filepath.Join(dir, "data", "tiny", "labels.csv")
	before, _ := os.Stat(stamp)
	if _, err := loadRunData(cfg); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(stamp)
	if !before.ModTime().Equal(after.ModTime()) {
		t.Error("the synthetic set was generated again")
	}
}

func TestInteractionNeedsSeenClasses(t *testing.T) {
	_, err := spec.Parse("x.toml", []byte("[dataset]\nsplit = \"class\"\n[heads]\ninteraction = 0.5\n"))
	if err == nil || !strings.Contains(err.Error(), "heads.interaction") {
		t.Errorf("want a heads.interaction error, got %v", err)
	}
}
