package runner

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relnet/relnet/experiments/report"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/model/checkpoint"
)

// smallConfig is a short, seeded Fashion-MNIST run (image split) writing under dir.
func smallConfig(t *testing.T, dir string, episodes int64) spec.Config {
	t.Helper()
	cfg, err := spec.Parse("small.toml", []byte(`
[experiment]
name = "small"
[train]
query = 10
log_every = 10
val_every = 50
val_episodes = 10
checkpoint_every = 5
workers = 2
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = dir
	cfg.Train.Episodes = episodes
	if _, err := os.Stat(rundata.FashionMNISTDir(cfg.Dataset)); err != nil {
		t.Fatalf("Fashion-MNIST is missing (%v): run `make setup` or set FASHION_MNIST_DIR", err)
	}
	return cfg
}

// trainUntilWritten trains cfg and interrupts it once the file at path exists; the training
// must return ErrInterrupted.
func trainUntilWritten(t *testing.T, cfg spec.Config, path string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			if _, err := os.Stat(path); err == nil {
				cancel()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	err := Train(ctx, cfg, logTo(t))
	cancel()
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run returned %v, want ErrInterrupted", err)
	}
}

// checkpointPayload returns the tensor bytes of a checkpoint (everything after the header).
func checkpointPayload(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint32(data[len(checkpoint.Magic)+4:])
	return data[len(checkpoint.Magic)+8+int(n) : len(data)-32]
}

// TestResumeMatchesUninterruptedRun interrupts a run at an arbitrary episode, resumes it, and
// checks that the final weights and optimiser state equal an uninterrupted run's bit for bit.
func TestResumeMatchesUninterruptedRun(t *testing.T) {
	const episodes = 40
	whole := smallConfig(t, t.TempDir(), episodes)
	if err := Train(context.Background(), whole, logTo(t)); err != nil {
		t.Fatal(err)
	}

	cut := smallConfig(t, t.TempDir(), episodes)
	trainUntilWritten(t, cut, filepath.Join(cut.RunDir(), results.CheckpointFile)) // checkpointed at least once
	if err := Train(context.Background(), cut, logTo(t)); err != nil {
		t.Fatal(err)
	}
	a := checkpointPayload(t, filepath.Join(whole.RunDir(), results.CheckpointFile))
	b := checkpointPayload(t, filepath.Join(cut.RunDir(), results.CheckpointFile))
	if !bytes.Equal(a, b) {
		t.Fatal("resumed run's final state differs from the uninterrupted run's")
	}
	// The checkpoint carries what applying the model needs without the training data.
	h, err := checkpoint.ReadHeader(filepath.Join(cut.RunDir(), results.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if m := h.Model; m.Channels != 1 || m.Height != 28 || m.Width != 28 || len(m.Mean) != 1 || len(m.Std) != 1 || m.Std[0] <= 0 ||
		len(m.Groups) != 1 || m.Groups[0] != "class" || len(m.Classes) != 1 {
		t.Errorf("checkpoint model %+v: want 1×28×28, one channel's normalisation, group \"class\"", m)
	}
	// metrics.jsonl reads as one run: every training log point exactly once.
	m, _ := os.ReadFile(filepath.Join(cut.RunDir(), results.MetricsFile))
	if got := strings.Count(string(m), `"kind":"train"`); got != episodes/10 {
		t.Errorf("metrics has %d training records, want %d:\n%s", got, episodes/10, m)
	}
}

func TestCorruptCheckpointIsReported(t *testing.T) {
	cfg := smallConfig(t, t.TempDir(), 5)
	if err := Train(context.Background(), cfg, logTo(t)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cfg.RunDir(), results.CheckpointFile)
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Train.Episodes = 5
	err := Train(context.Background(), cfg, logTo(t))
	if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), path) {
		t.Fatalf("want a corrupt-checkpoint error naming %s, got %v", path, err)
	}
}

// TestTrainingBeatsPixelFloor trains briefly on Fashion-MNIST (image split) and checks that
// accuracy on held-out images is clearly above the pixel nearest-centroid floor on the same
// 600 test episodes.
func TestTrainingBeatsPixelFloor(t *testing.T) {
	cfg := smallConfig(t, t.TempDir(), 300)
	cfg.Eval.Query = 5
	if err := Train(context.Background(), cfg, logTo(t)); err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), cfg, "", logTo(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", res)
	m, f := res.Groups[0].Model, res.Groups[0].PixelFloor
	if m.Episodes != 600 || f.Episodes != 600 {
		t.Fatalf("evaluated %d/%d episodes, want 600", m.Episodes, f.Episodes)
	}
	if m.Mean-m.CI95 <= f.Mean+f.CI95+0.05 {
		t.Errorf("relation net %.3f ± %.3f is not clearly above the pixel floor %.3f ± %.3f", m.Mean, m.CI95, f.Mean, f.CI95)
	}
	if _, err := os.Stat(filepath.Join(cfg.RunDir(), results.EvalFile)); err != nil {
		t.Error(err)
	}
}

// logTo sends a run's progress to the test log.
func logTo(t *testing.T) *testWriter { return &testWriter{t} }

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestClassSplitWithRotationsAndResNet12 trains a narrow ResNet-12 relation network on
// Fashion-MNIST's training classes turned into 20 rotation classes, and scores it on the
// unseen classes.
func TestClassSplitWithRotationsAndResNet12(t *testing.T) {
	cfg, err := spec.Parse("rot.toml", []byte(`
[dataset]
split = "class"
rotation_classes = true
[backbone]
name = "resnet12"
widths = [4, 4, 4, 4]
[train]
query = 3
episodes = 4
log_every = 2
val_every = 2
val_episodes = 2
[eval]
query = 1
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = t.TempDir()
	d, err := loadRunData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(d.Train[0].Pool().Classes); got != 20 {
		t.Errorf("%d training classes, want 5 × 4 rotations = 20", got)
	}
	if err := Train(context.Background(), cfg, logTo(t)); err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), cfg, "", logTo(t))
	if err != nil || res.Groups[0].Model.Episodes != 600 {
		t.Fatalf("evaluation: %v %+v", err, res)
	}
}

// TestNonFiniteLossMarksTheRunFailed runs an experiment whose second variant explodes
// (learning rate 1e30): its run stops at the first non-finite loss with failed.json and a
// "nan" metrics record, keeps its checkpoint, the first run is evaluated as usual, and the
// report shows the failed run instead of dropping it.
func TestNonFiniteLossMarksTheRunFailed(t *testing.T) {
	runs, err := spec.ParsePlan("nan.toml", []byte(`
[train]
threads = 1
way = 3
query = 3
episodes = 12
checkpoint_every = 1
log_every = 2
val_every = 6
val_episodes = 2
[eval]
query = 1
[[variant]]
name = "good"
[[variant]]
name = "exploding"
train.lr = 1e30
train.clip_norm = -1.0
`))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for i := range runs {
		runs[i].Experiment.Results = root
	}
	err = RunAll(context.Background(), runs, spec.Shard{}, logTo(t))
	if err == nil || !strings.Contains(err.Error(), "1 of 2 runs failed: exploding-seed1") {
		t.Fatalf("RunAll: %v", err)
	}
	bad := runs[1].RunDir()
	for _, f := range []string{results.FailedFile, results.CheckpointFile} {
		if _, err := os.Stat(filepath.Join(bad, f)); err != nil {
			t.Errorf("failed run lacks %s: %v", f, err)
		}
	}
	if metrics, _ := os.ReadFile(filepath.Join(bad, results.MetricsFile)); !strings.Contains(string(metrics), `"kind":"nan"`) {
		t.Errorf("metrics lack the nan record:\n%s", metrics)
	}
	// Running again does not retry the failed run.
	if err := RunAll(context.Background(), runs, spec.Shard{}, logTo(t)); err == nil || !strings.Contains(err.Error(), "exploding") {
		t.Errorf("second RunAll: %v", err)
	}
	r, err := report.Load(runs[0].ExperimentDir())
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "failed") || !strings.Contains(text.String(), "good") {
		t.Errorf("report:\n%s", text.String())
	}
}

// TestChangedConfigIsRefusedAndNothingWritten trains a run, changes its learning rate and
// trains again: the second attempt must be refused without touching the run's files.
func TestChangedConfigIsRefusedAndNothingWritten(t *testing.T) {
	cfg := smallConfig(t, t.TempDir(), 5)
	cfg.Train.Threads = 1
	if err := Train(context.Background(), cfg, logTo(t)); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		var all strings.Builder
		for _, f := range []string{results.ConfigFile, results.MetricsFile, results.CheckpointFile} {
			data, _ := os.ReadFile(filepath.Join(cfg.RunDir(), f))
			all.Write(data)
		}
		return all.String()
	}
	before := read()
	changed := cfg
	changed.Train.LR = 0.5
	changed.Train.Episodes = 10
	if err := Train(context.Background(), changed, logTo(t)); err == nil || !strings.Contains(err.Error(), "another configuration") {
		t.Fatalf("changed config: %v", err)
	}
	if read() != before {
		t.Error("the refused run rewrote the run's files")
	}
}

// TestLockedRunIsNotTrainedTwice holds a run's lock as another process would and checks
// that training it is refused without touching its files, and that RunAll skips it.
func TestLockedRunIsNotTrainedTwice(t *testing.T) {
	cfg := smallConfig(t, t.TempDir(), 5)
	unlock, err := results.LockRun(cfg.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := Train(context.Background(), cfg, logTo(t)); !errors.Is(err, results.ErrRunLocked) {
		t.Fatalf("training a locked run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.RunDir(), results.ConfigFile)); err == nil {
		t.Error("the refused run wrote its config")
	}
	var log strings.Builder
	if err := RunAll(context.Background(), []spec.Config{cfg}, spec.Shard{}, &log); err != nil || !strings.Contains(log.String(), "another process is training it") {
		t.Errorf("RunAll: %v\n%s", err, log.String())
	}
}

// loadRunData decodes cfg's data set (no cache shared with other tests) and builds the run's
// samplers.
func loadRunData(cfg spec.Config) (*rundata.Run, error) {
	set, err := rundata.NewLoader(nil).Load(cfg)
	if err != nil {
		return nil, err
	}
	return rundata.New(cfg, set)
}

// TestHookErrorNamesTheHook: a hook that fails stops the loop with an error naming the hook
// and the episode, wrapping the hook's own error.
func TestHookErrorNamesTheHook(t *testing.T) {
	cfg := smallConfig(t, t.TempDir(), 4)
	boom := errors.New("disk full")
	err := withSession(cfg, rundata.NewLoader(io.Discard), func(s *session) error {
		done, err := s.loop(context.Background(), 0, []hook{
			{name: "counting", every: 1, onStep: func(step) error { return nil }},
			{name: "failing", every: 2, onStep: func(step) error { return boom }},
		})
		if done != 2 {
			t.Errorf("the loop stopped after %d episodes, want 2", done)
		}
		return err
	})
	if !errors.Is(err, boom) || err.Error() != "failing after episode 2: disk full" {
		t.Fatalf("error %q, want %q wrapping the hook's", err, "failing after episode 2: disk full")
	}
}
