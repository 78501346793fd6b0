package runner

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/folder"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/model/checkpoint"
)

// pretrainExperiment writes a folder set of 10 classes of 12 noise images (28×28 grey) and
// an experiment over it with a [pretrain] stage and a class split, then parses it with the
// variants given (TOML [[variant]] tables).
func pretrainExperiment(t *testing.T, variants string) []spec.Config {
	t.Helper()
	dir := t.TempDir()
	if _, err := folder.Write(datasets.RandomImages(10, 12, 1, 28, 28, 5), filepath.Join(dir, "set"), nil); err != nil {
		t.Fatal(err)
	}
	runs, err := spec.ParsePlan(filepath.Join(dir, "pretrain.toml"), []byte(fmt.Sprintf(`
[experiment]
name = "pretrain"
results = %q
[dataset]
source = "folder"
path = "set"
channels = 1
height = 28
width = 28
split = "class"
train_classes = ["class[0-4]"]
val_classes = ["class5", "class6"]
test_classes = ["class[7-9]"]
[backbone]
filters = 8
[loss]
kind = "ce"
[pretrain]
epochs = 3
batch = 16
flip = true
[train]
way = 2
query = 3
episodes = 6
log_every = 2
val_every = 3
val_episodes = 4
checkpoint_every = 2
[eval]
way = 2
query = 2
%s`, filepath.Join(dir, "results"), variants)))
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// TestPretrainingSeesOnlyTrainingClasses is the leak test: every image the pretraining
// stage deals, over every epoch, is of a training class; no image of a validation or test
// class ever is.
func TestPretrainingSeesOnlyTrainingClasses(t *testing.T) {
	cfg := pretrainExperiment(t, "")[0]
	run, err := loadRunData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pretrainBatches(cfg, run)
	if err != nil {
		t.Fatal(err)
	}
	im := run.Train[0].Pool().Images
	heldOut := map[int]bool{}
	for _, sm := range append(slices.Clone(run.Val), run.Test...) {
		for _, idx := range sm.Pool().ByClass {
			for _, i := range idx {
				heldOut[i] = true
			}
		}
	}
	train := []string{"class0", "class1", "class2", "class3", "class4"}
	dealt := 0
	for epoch := range cfg.Pretrain.Epochs {
		order := b.Epoch(epoch)
		for i := range b.PerEpoch() {
			for _, id := range order.Batch(i).IDs {
				if name := im.ClassName(im.Labels[id]); heldOut[id] || !slices.Contains(train, name) {
					t.Fatalf("epoch %d deals image %d of class %q, which is not a training class", epoch, id, name)
				}
				dealt++
			}
		}
	}
	if want := cfg.Pretrain.Epochs * 5 * 12; dealt != want {
		t.Fatalf("dealt %d images over %d epochs, want %d (each training image once an epoch)", dealt, cfg.Pretrain.Epochs, want)
	}
}

// TestPretrainResumeMatchesUninterruptedRun kills a run in its pretraining stage (after an
// epoch's checkpoint), resumes it, and checks that the pretrained backbone and the final
// state equal an uninterrupted run's bit for bit, and that metrics.jsonl reads as one run with
// the stage on every line.
func TestPretrainResumeMatchesUninterruptedRun(t *testing.T) {
	whole := pretrainExperiment(t, "")[0]
	if err := Train(context.Background(), whole, logTo(t)); err != nil {
		t.Fatal(err)
	}
	cut := pretrainExperiment(t, "")[0]
	trainUntilWritten(t, cut, filepath.Join(cut.PretrainDir(), results.PretrainFile)) // the first epoch checkpointed
	if h, err := checkpoint.ReadHeader(filepath.Join(cut.PretrainDir(), results.PretrainFile)); err != nil || h.Epoch >= whole.Pretrain.Epochs {
		t.Fatalf("the cut run's pretraining checkpoint: %v, epoch %d: want one cut before the last epoch", err, h.Epoch)
	}
	if err := Train(context.Background(), cut, logTo(t)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(spec.Config) string{
		func(c spec.Config) string { return filepath.Join(c.PretrainDir(), results.PretrainedFile) },
		func(c spec.Config) string { return filepath.Join(c.RunDir(), results.CheckpointFile) },
	} {
		if !bytes.Equal(checkpointPayload(t, f(whole)), checkpointPayload(t, f(cut))) {
			t.Fatalf("%s of the resumed run differs from the uninterrupted run's", filepath.Base(f(cut)))
		}
	}
	recs, err := results.ReadMetrics(filepath.Join(cut.RunDir(), results.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var epochs []int
	for _, r := range recs {
		if r.Stage == "" {
			t.Fatalf("a metrics record has no stage: %+v", r)
		}
		if r.Pretraining() && r.Kind == "train" {
			epochs = append(epochs, r.Epoch)
		}
	}
	if !slices.Equal(epochs, []int{1, 2, 3}) {
		t.Fatalf("metrics.jsonl has pretraining epochs %v, want [1 2 3] once each", epochs)
	}
}

// TestPretrainingIsSharedAndFrozenStaysFrozen runs four variants that share one pretraining:
// it is done once; the frozen variant's backbone (weights and BatchNorm statistics) is the
// pretrained one after episodic training, the fine-tuned one's is not; the centroid baseline
// trains no episode and is evaluated on the pretrained backbone.
func TestPretrainingIsSharedAndFrozenStaysFrozen(t *testing.T) {
	plan := pretrainExperiment(t, `
[[variant]]
name = "finetune"
[[variant]]
name = "frozen"
train.backbone_lr = 0
[[variant]]
name = "centroid"
heads.kind = "centroid"
[[variant]]
name = "scratch"
pretrain.epochs = 0
`)
	var log strings.Builder
	if err := RunAll(context.Background(), plan, spec.Shard{}, &log); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "pretraining 3 epochs"); n != 1 {
		t.Fatalf("pretrained %d times, want once for the three variants that share it:\n%s", n, log.String())
	}
	pretrained := backboneTensors(t, filepath.Join(plan[0].PretrainDir(), results.PretrainedFile))
	for _, c := range []struct {
		run  spec.Config
		same bool
	}{{plan[0], false}, {plan[1], true}, {plan[2], true}, {plan[3], false}} {
		got := backboneTensors(t, filepath.Join(c.run.RunDir(), results.BestFile))
		if same := slices.EqualFunc(got, pretrained, func(a, b checkpoint.Tensor) bool { return slices.Equal(a.Values, b.Values) }); same != c.same {
			t.Errorf("%s: backbone equals the pretrained one: %v, want %v", c.run.Experiment.Run, same, c.same)
		}
	}
	res, err := results.ReadEvalResult(filepath.Join(plan[2].RunDir(), results.EvalFile))
	if err != nil || res.Trained != 0 {
		t.Fatalf("centroid evaluation: %v, trained %d episodes, want 0", err, res.Trained)
	}
}

// backboneTensors reads the "backbone." tensors of a checkpoint file, in file order.
func backboneTensors(t *testing.T, path string) []checkpoint.Tensor {
	t.Helper()
	_, all, err := checkpoint.ReadTensors(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []checkpoint.Tensor
	for _, x := range all {
		if strings.HasPrefix(x.Name, "backbone.") {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s holds no backbone tensors", path)
	}
	return out
}
