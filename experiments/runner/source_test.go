package runner

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets/replica"
	"github.com/relnet/relnet/experiments/report"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
)

// imageFolder writes root/<class>/<i>.png for classes × perClass 8×8 grey images, class c a
// plain level with noise, and returns root.
func imageFolder(t *testing.T, classes, perClass int) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "folder")
	rng := rand.New(rand.NewPCG(1, 2))
	for c := range classes {
		for i := range perClass {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			for p := range img.Pix {
				img.Pix[p] = uint8(40*c + rng.IntN(30))
			}
			path := filepath.Join(root, fmt.Sprintf("class%d", c), fmt.Sprintf("%02d.png", i))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := png.Encode(&b, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// TestFolderSourceAndBadLines trains on an image folder with one corrupt image: by default
// the run stops before training and the experiment's bad-lines.txt names the image; with
// dataset.bad_lines = "skip" the run trains and its data.txt lists the skipped image.
func TestFolderSourceAndBadLines(t *testing.T) {
	root := imageFolder(t, 5, 20)
	if err := os.WriteFile(filepath.Join(root, "class3", "broken.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := tinyFolderConfig(t, root)
	err := RunAll(context.Background(), []spec.Config{cfg}, spec.Shard{}, logTo(t))
	list := filepath.Join(cfg.ExperimentDir(), rundata.BadLinesFile)
	if err == nil || !strings.Contains(err.Error(), "1 bad line") || !strings.Contains(err.Error(), list) {
		t.Fatalf("RunAll: %v, want a bad-line error naming %s", err, list)
	}
	if data, _ := os.ReadFile(list); !strings.Contains(string(data), filepath.Join(root, "class3", "broken.png")) {
		t.Errorf("%s:\n%s", list, data)
	}
	cfg.Dataset.BadLines = spec.BadLinesSkip
	if err := Train(context.Background(), cfg, logTo(t)); err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile(filepath.Join(cfg.RunDir(), results.DataFile))
	if err != nil || !strings.Contains(string(report), "class3/broken.png") || !strings.Contains(string(report), "100 images kept") {
		t.Errorf("data report (%v):\n%s", err, report)
	}
}

// TestSeedNotebookRecipeRuns runs experiments/seed-notebook.toml, the seed notebook's recipe
// (one declared group of seven values out of twelve prefixes, image split, random rotation),
// for two training episodes, and checks that the other prefixes were ignored and counted.
func TestSeedNotebookRecipeRuns(t *testing.T) {
	cfg, err := spec.Load(filepath.Join("..", "seed-notebook.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = t.TempDir()
	cfg.Train.Episodes, cfg.Train.ValEpisodes, cfg.Eval.Way, cfg.Eval.Query = 2, 2, 2, 1 // quick, not a result
	if err := RunAll(context.Background(), []spec.Config{cfg}, spec.Shard{}, logTo(t)); err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile(filepath.Join(cfg.RunDir(), results.DataFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"group clothing_category: 7 values", "colour_ on", "wearing_hat_ on"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("data report lacks %q:\n%s", want, report)
		}
	}
	if _, err := results.ReadEvalResult(filepath.Join(cfg.RunDir(), results.EvalFile)); err != nil {
		t.Error(err)
	}
}

// TestCUBExampleRunsOnTheReplica runs experiments/cub.toml on the miniature CUB-200-2011 for
// a few episodes: the species split by closer-look, the attribute heads following it, and
// the report has a column per head, where the species head alone is compared with the
// species and attribute heads on the same species episodes.
func TestCUBExampleRunsOnTheReplica(t *testing.T) {
	runs, err := spec.LoadPlan(filepath.Join("..", "cub.toml"))
	if err != nil {
		t.Fatal(err)
	}
	root, out := t.TempDir(), t.TempDir()
	if err := replica.CUB(root, 6); err != nil {
		t.Fatal(err)
	}
	for i := range runs {
		cfg := &runs[i]
		cfg.Dataset.Path, cfg.Dataset.Height, cfg.Dataset.Width = root, 28, 28
		cfg.Experiment.Results = out
		cfg.Train.Way, cfg.Train.Query, cfg.Eval.Way, cfg.Eval.Query = 2, 1, 2, 1 // the replica's 2 test species; quick, not a result
		cfg.Train.Episodes, cfg.Train.ValEvery, cfg.Train.ValEpisodes = 3, 3, 2
	}
	if err := RunAll(context.Background(), runs, spec.Shard{}, logTo(t)); err != nil {
		t.Fatal(err)
	}
	alone, cfg := runs[0], runs[1]
	if alone.Experiment.Variant != "species-alone" || len(alone.Dataset.Groups) != 1 || len(cfg.Dataset.Groups) != 3 {
		t.Fatalf("runs %s with %d groups, %s with %d", alone.Experiment.Run, len(alone.Dataset.Groups), cfg.Experiment.Run, len(cfg.Dataset.Groups))
	}
	a, err := results.ReadEvalResult(filepath.Join(alone.RunDir(), results.EvalFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := results.ReadEvalResult(filepath.Join(cfg.RunDir(), results.EvalFile))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Groups[0].PixelFloor.PerEpisode, b.Groups[0].PixelFloor.PerEpisode) {
		t.Error("the species head alone was scored on other species episodes than the species head beside the attribute heads")
	}
	r, err := report.Load(cfg.ExperimentDir())
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, head := range []string{"species", "has_bill_shape", "has_wing_color"} {
		if !slices.Contains(r.Groups, head) || !strings.Contains(text.String(), head) {
			t.Errorf("the report has no column %s (groups %v):\n%s", head, r.Groups, text.String())
		}
	}
	if _, deltas := r.DeltaTable(); len(deltas) != 1 || deltas[0][0] != "species+attributes" || deltas[0][3] != "–" {
		t.Errorf("differences to the species head alone: %q", deltas)
	}
	data, err := os.ReadFile(filepath.Join(cfg.RunDir(), results.DataFile))
	if err != nil || !strings.Contains(string(data), "group has_bill_shape: 3 values, 40 images labelled, 8 unlabelled") {
		t.Errorf("data report (%v):\n%s", err, data)
	}
}
