package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relnet/relnet/experiments/results"
)

// TestEvalOnAnotherDataSet trains on Fashion-MNIST images as a class folder and scores the run
// on another folder set's test bank (other images, their classes renamed; decoded at the
// run's size and channels) both ways: by the
// experiment's [eval.dataset] table during `relnet run`, and afterwards by `relnet eval RUN_DIR
// --dataset OTHER.toml`. Each writes its own eval-<name>.json beside eval.json, and the report
// has a column per data set.
func TestEvalOnAnotherDataSet(t *testing.T) {
	dir := t.TempDir()
	own, other := filepath.Join(dir, "own"), filepath.Join(dir, "shops")
	for _, args := range [][]string{{"--out", own, "--per-class", "20"}, {"--out", other, "--from", "20", "--per-class", "20"}} {
		if code, stderr := run(t, nil, relnetBin, append([]string{"data", "folder"}, args...)...); code != 0 {
			t.Fatalf("data folder %v: exit %d\n%s", args, code, stderr)
		}
	}
	classes, err := os.ReadDir(other)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range classes {
		if err := os.Rename(filepath.Join(other, c.Name()), filepath.Join(other, "shop-"+c.Name())); err != nil {
			t.Fatal(err)
		}
	}
	const model = `val_fraction = 0.2
[backbone]
filters = 4
[heads]
filters = 4
padding = "1"
[train]
way = 3
query = 2
episodes = 4
val_every = 4
val_episodes = 2
threads = 1
[eval]
query = 2
batch = 50
`
	exp := writeFile(t, filepath.Join(dir, "cross.toml"), `[experiment]
name = "cross"
[dataset]
source = "folder"
path = "own"
channels = 1
height = 28
width = 28
[eval.dataset]
source = "folder"
path = "shops"
height = 40   # brought to the run's 28×28
width = 40
`+model)
	writeFile(t, filepath.Join(dir, "rgb.toml"), "[dataset]\nsource = \"folder\"\npath = \"shops\"\nchannels = 3\n"+model)
	env := []string{"RELNET_RESULTS=" + filepath.Join(dir, "results")}
	if code, stderr := run(t, env, relnetBin, "run", exp); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	runDir := filepath.Join(dir, "results", "cross", "base-seed1")
	r := execute(t, nil, relnetBin, "eval", "--threads", "1", runDir, "--dataset", filepath.Join(dir, "rgb.toml"))
	if r.code != 0 || !strings.Contains(r.stdout, "written to "+filepath.Join(runDir, "eval-rgb.json")) {
		t.Fatalf("eval --dataset: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, name := range []string{"shops", "rgb"} {
		ev, err := results.ReadEvalResult(filepath.Join(runDir, results.CrossEvalFile(name)))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Dataset != name || len(ev.Groups[0].Classes) != 10 || !strings.HasPrefix(ev.Groups[0].Classes[0], "shop-") {
			t.Errorf("%s: data set %q, classes %v", results.CrossEvalFile(name), ev.Dataset, ev.Groups[0].Classes)
		}
	}
	r = execute(t, nil, relnetBin, "report", filepath.Join(dir, "results", "cross"))
	for _, col := range []string{"class on shops", "class on rgb"} {
		if r.code != 0 || !strings.Contains(r.stdout, col) {
			t.Errorf("report lacks the column %q (exit %d):\n%s\n%s", col, r.code, r.stdout, r.stderr)
		}
	}
}
