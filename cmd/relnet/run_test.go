package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/folder"
	"github.com/relnet/relnet/experiments/report"
	"github.com/relnet/relnet/experiments/results"
)

// tinyAblation is a two-variant Fashion-MNIST experiment small enough for a test.
const tinyAblation = `[experiment]
name = "tiny"
[train]
way = 3
query = 5
episodes = 40
log_every = 5
val_every = 20
val_episodes = 5
checkpoint_every = 5
threads = 1
[eval]
query = 2
[[variant]]
name = "relation"
baseline = true
[[variant]]
name = "prototype"
heads.kind = "prototype"
loss.kind = "ce"
`

// killedUntilDone starts `relnet run` and kills it with SIGKILL after a random delay, again
// and again, until a run is left to finish on its own; it returns the number of kills.
func killedUntilDone(t *testing.T, env []string, config string, rng *rand.Rand, maxKills int) int {
	t.Helper()
	for kills := 0; ; kills++ {
		cmd := exec.Command(relnetBin, "run", config)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kills == maxKills {
			if err := <-done; err != nil {
				t.Fatalf("final run: %v\n%s", err, stderr.String())
			}
			return kills
		}
		delay := time.Duration(300+rng.IntN(2500)) * time.Millisecond
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			return kills
		case <-time.After(delay):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			t.Logf("killed after %v", delay)
		}
	}
}

// TestRunSurvivesRandomKills kills `relnet run` at random moments, re-runs it, and checks
// that every run's final weights and test accuracies equal an uninterrupted experiment's,
// and that `relnet report` then reads a complete experiment.
func TestRunSurvivesRandomKills(t *testing.T) {
	config := writeFile(t, filepath.Join(t.TempDir(), "tiny.toml"), tinyAblation)
	killed := survivesRandomKills(t, config, "tiny", "relation-seed1", "prototype-seed1")
	code, stderr := run(t, nil, relnetBin, "report", filepath.Join(killed, "tiny"))
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	md, err := os.ReadFile(filepath.Join(killed, "tiny", report.ReportFile))
	if err != nil || !strings.Contains(string(md), "| prototype") || strings.Contains(string(md), "Not finished") {
		t.Errorf("report.md (%v):\n%s", err, md)
	}
}

// survivesRandomKills runs the experiment file config once uninterrupted and once killed at
// random moments until done, and checks that each of runs (of experiment) ends with the same
// final weights, test accuracies and metrics both times; it returns the killed results root.
func survivesRandomKills(t *testing.T, config, experiment string, runs ...string) string {
	t.Helper()
	whole, killed := t.TempDir(), t.TempDir()
	if code, stderr := run(t, []string{"RELNET_RESULTS=" + whole}, relnetBin, "run", config); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, stderr)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill schedule seed %d", seed)
	kills := killedUntilDone(t, []string{"RELNET_RESULTS=" + killed}, config, rand.New(rand.NewPCG(seed, 1)), 4)
	t.Logf("%d kills", kills)
	for _, runName := range runs {
		a := readRun(t, filepath.Join(whole, experiment, runName))
		b := readRun(t, filepath.Join(killed, experiment, runName))
		if !bytes.Equal(a.weights, b.weights) {
			t.Errorf("%s: final checkpoint differs after kills", runName)
		}
		if a.accuracies != b.accuracies {
			t.Errorf("%s: test accuracies differ after kills:\n%s\n%s", runName, a.accuracies, b.accuracies)
		}
		if a.metrics != b.metrics {
			t.Errorf("%s: metrics.jsonl differs after kills:\n%s\n---\n%s", runName, a.metrics, b.metrics)
		}
	}
	return killed
}

// TestRunSurvivesRandomKillsInPretraining kills `relnet run` of an experiment with a
// [pretrain] stage shared by two variants (frozen and fine-tuned backbones) at random moments,
// most of them in pretraining (400 training images × 15 epochs on one thread take longer
// than the longest delay before a kill), and checks that each run's final weights, test accuracies and
// metrics (pretraining epochs included) equal an uninterrupted experiment's.
func TestRunSurvivesRandomKillsInPretraining(t *testing.T) {
	dir := t.TempDir()
	if _, err := folder.Write(datasets.RandomImages(10, 100, 1, 28, 28, 3), filepath.Join(dir, "set"), nil); err != nil {
		t.Fatal(err)
	}
	config := writeFile(t, filepath.Join(dir, "pretrain.toml"), `[experiment]
name = "pretrain"
[dataset]
source = "folder"
path = "set"
channels = 1
height = 28
width = 28
split = "class"
class_split = [0.4, 0.3, 0.3]
[loss]
kind = "ce"
[pretrain]
epochs = 15
batch = 16
flip = true
[train]
way = 3
query = 3
episodes = 20
log_every = 5
val_every = 10
val_episodes = 5
checkpoint_every = 5
threads = 1
[eval]
query = 2
[[variant]]
name = "finetune"
train.backbone_lr = 0.5
[[variant]]
name = "frozen"
train.backbone_lr = 0.0
`)
	killed := survivesRandomKills(t, config, "pretrain", "finetune-seed1", "frozen-seed1")
	for _, runName := range []string{"finetune-seed1", "frozen-seed1"} {
		b := readRun(t, filepath.Join(killed, "pretrain", runName))
		if !strings.Contains(b.metrics, "pretrain 15 val") {
			t.Errorf("%s: metrics.jsonl lacks the pretraining's last validation:\n%s", runName, b.metrics)
		}
	}
}

// runFiles is what must not depend on interruptions: the final checkpoint, the per-episode
// test accuracies, and the episodes, losses and validation accuracies of metrics.jsonl (not
// their timings).
type runFiles struct {
	weights             []byte
	accuracies, metrics string
}

func readRun(t *testing.T, dir string) runFiles {
	t.Helper()
	ckpt, err := os.ReadFile(filepath.Join(dir, results.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	// The tensors follow the magic, the format version and the header (its length first);
	// the header holds the results path, which differs between the two experiments.
	headerLen := binary.LittleEndian.Uint32(ckpt[12:])
	weights := ckpt[16+headerLen : len(ckpt)-32] // then a SHA-256 of everything before
	res, err := results.ReadEvalResult(filepath.Join(dir, results.EvalFile))
	if err != nil {
		t.Fatal(err)
	}
	var acc, m strings.Builder
	for _, g := range res.Groups {
		fmt.Fprintln(&acc, g.Group, g.Model.PerEpisode)
	}
	recs, err := os.ReadFile(filepath.Join(dir, results.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(recs)), "\n") {
		var r results.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		fmt.Fprintln(&m, r.Stage, r.Epoch, r.Kind, r.Episode, r.Loss, r.ValAcc)
	}
	return runFiles{weights: weights, accuracies: acc.String(), metrics: m.String()}
}

// TestSlurmArrayShardsMergeInOneReport runs the Slurm array script as two array tasks of a
// four-run experiment (one after the other, as a real array might), checks that each task
// did only its own runs, and that the report merges them.
func TestSlurmArrayShardsMergeInOneReport(t *testing.T) {
	config := writeFile(t, filepath.Join(t.TempDir(), "tiny.toml"),
		strings.Replace(tinyAblation, "episodes = 40\n", "episodes = 10\n", 1)+"[grid]\ntrain.shot = [1, 2]\n")
	root := t.TempDir()
	for task := range 2 {
		env := []string{"RELNET=" + relnetBin, "RELNET_RESULTS=" + root, "SLURM_CPUS_PER_TASK=1",
			fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", task), "SLURM_ARRAY_TASK_COUNT=2", "SLURM_ARRAY_TASK_MIN=0"}
		if code, stderr := run(t, env, "bash", "../../scripts/slurm-array.sh", config); code != 0 {
			t.Fatalf("task %d: exit %d\n%s", task, code, stderr)
		}
		var done []string
		for _, r := range []string{"relation-shot1-seed1", "relation-shot2-seed1", "prototype-shot1-seed1", "prototype-shot2-seed1"} {
			if _, err := os.Stat(filepath.Join(root, "tiny", r, results.EvalFile)); err == nil {
				done = append(done, r)
			}
		}
		want := map[int]string{0: "relation-shot1-seed1 prototype-shot1-seed1", 1: "relation-shot1-seed1 relation-shot2-seed1 prototype-shot1-seed1 prototype-shot2-seed1"}[task]
		if strings.Join(done, " ") != want {
			t.Errorf("after task %d: finished %v, want %s", task, done, want)
		}
	}
	out, err := exec.Command(relnetBin, "report", filepath.Join(root, "tiny")).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"relation shot=1 (baseline)", "prototype shot=2", "paired difference"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("report lacks %q:\n%s", w, out)
		}
	}
}

// TestSIGTERMSavesAndExitsNonZero stops `relnet run` with SIGTERM once it has checkpointed:
// it must save, say how to resume, exit non-zero, and the same command must then finish.
func TestSIGTERMSavesAndExitsNonZero(t *testing.T) {
	config := writeFile(t, filepath.Join(t.TempDir(), "tiny.toml"), strings.Replace(tinyAblation, "episodes = 40\n", "episodes = 80\n", 1))
	root := t.TempDir()
	cmd := exec.Command(relnetBin, "run", config)
	cmd.Env = append(os.Environ(), "RELNET_RESULTS="+root)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(root, "tiny", "relation-seed1", results.CheckpointFile)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(ckpt); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no checkpoint after 2 minutes:\n%s", stderr.String())
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Fatalf("exit %v after SIGTERM, want a non-zero exit code", err)
	}
	if !strings.Contains(stderr.String(), "interrupted at episode") || !strings.Contains(stderr.String(), "run the same command again") {
		t.Errorf("stderr does not say how to resume:\n%s", stderr.String())
	}
	code, out := run(t, []string{"RELNET_RESULTS=" + root}, relnetBin, "run", config)
	if code != 0 || !strings.Contains(out, "resuming") {
		t.Errorf("re-run: exit %d\n%s", code, out)
	}
}

// fullDiskScript runs in its own mount namespace (unshare): it mounts a 64 MB tmpfs as the
// results root, starts `relnet run`, fills the disk with a file once the first checkpoint is
// there, and records the run's exit code and stderr; then it removes the filler and runs the
// same command again, which must resume and finish.
const fullDiskScript = `set -u
mount -t tmpfs -o size=64m tmpfs "$RESULTS"
export RELNET_RESULTS="$RESULTS"
"$RELNET" run "$CONFIG" 2>"$OUT/full.err" & pid=$!
while [ ! -f "$RESULTS/tiny/relation-seed1/checkpoint.ckpt" ]; do
  kill -0 $pid 2>/dev/null || break
  sleep 0.02
done
dd if=/dev/zero of="$RESULTS/filler" bs=64k 2>/dev/null
wait $pid; echo $? >"$OUT/full.code"
ls -a "$RESULTS/tiny/relation-seed1" >"$OUT/full.ls"
rm "$RESULTS/filler"
"$RELNET" run "$CONFIG" 2>"$OUT/again.err"; echo $? >"$OUT/again.code"
cd "$RESULTS/tiny/relation-seed1" && cp checkpoint.ckpt eval.json metrics.jsonl "$OUT/"
`

// TestFullDiskKeepsCheckpointAndResumes fills the results file system during a run: the run
// must stop with an error naming the file it could not write, leave no temporary file and an
// intact checkpoint, and the same command must then resume and end with the weights, test
// accuracies and metrics of an uninterrupted run.
func TestFullDiskKeepsCheckpointAndResumes(t *testing.T) {
	if err := exec.Command("unshare", "-rm", "true").Run(); err != nil {
		t.Skipf("needs a private mount namespace (unshare -rm) for a small tmpfs: %v", err)
	}
	config := writeFile(t, filepath.Join(t.TempDir(), "tiny.toml"), strings.Replace(tinyAblation, "episodes = 40\n", "episodes = 80\n", 1))
	whole, root, out := t.TempDir(), t.TempDir(), t.TempDir()
	if code, stderr := run(t, []string{"RELNET_RESULTS=" + whole}, relnetBin, "run", config); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, stderr)
	}
	cmd := exec.Command("unshare", "-rm", "sh", "-c", fullDiskScript)
	cmd.Env = append(os.Environ(), "RELNET="+relnetBin, "CONFIG="+config, "RESULTS="+root, "OUT="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("full-disk script: %v\n%s", err, msg)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	stderr := read("full.err")
	if read("full.code") == "0" {
		t.Fatalf("the run on a full disk exited 0:\n%s", stderr)
	}
	for _, want := range []string{"no space left on device", "relation-seed1/", "the last good checkpoint (episode ", "run the same command again"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the full-disk error lacks %q:\n%s", want, stderr)
		}
	}
	t.Logf("on a full disk: %s", stderr[strings.LastIndex(stderr, "\n")+1:])
	if ls := read("full.ls"); strings.Contains(ls, ".tmp") {
		t.Errorf("a temporary file was left behind:\n%s", ls)
	}
	if again := read("again.err"); read("again.code") != "0" || !strings.Contains(again, "resuming") {
		t.Fatalf("the run after freeing space: exit %s\n%s", read("again.code"), again)
	}
	a := readRun(t, filepath.Join(whole, "tiny", "relation-seed1"))
	b := readRun(t, out)
	if !bytes.Equal(a.weights, b.weights) {
		t.Error("final checkpoint differs from the uninterrupted run's")
	}
	if a.accuracies != b.accuracies {
		t.Errorf("test accuracies differ from the uninterrupted run's:\n%s\n%s", a.accuracies, b.accuracies)
	}
	if a.metrics != b.metrics {
		t.Errorf("metrics.jsonl episodes differ from the uninterrupted run's:\n%s\n---\n%s", a.metrics, b.metrics)
	}
}

// TestJobsShareTheRuns runs a four-run experiment as two processes (--jobs 2): every run is
// trained once, by one job or the other, both jobs train, each with its share of the cores,
// and the lines say which job printed them.
func TestJobsShareTheRuns(t *testing.T) {
	config := writeFile(t, filepath.Join(t.TempDir(), "tiny.toml"),
		strings.Replace(tinyAblation, "episodes = 40\n", "episodes = 10\n", 1)+"[grid]\ntrain.shot = [1, 2]\n")
	root := t.TempDir()
	code, stderr := run(t, []string{"RELNET_RESULTS=" + root}, relnetBin, "run", "--jobs", "2", config)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	trainedBy := map[string][]string{}
	for _, line := range strings.Split(stderr, "\n") {
		job, rest, ok := strings.Cut(line, ": run ")
		if ok && strings.Contains(rest, ": training ") {
			run := strings.Fields(rest)[1]
			trainedBy[strings.TrimSuffix(run, ":")] = append(trainedBy[strings.TrimSuffix(run, ":")], job)
		}
	}
	jobs := map[string]bool{}
	for _, r := range []string{"relation-shot1-seed1", "relation-shot2-seed1", "prototype-shot1-seed1", "prototype-shot2-seed1"} {
		if len(trainedBy[r]) != 1 {
			t.Errorf("%s trained by %v, want one job", r, trainedBy[r])
			continue
		}
		jobs[trainedBy[r][0]] = true
		if _, err := os.Stat(filepath.Join(root, "tiny", r, results.EvalFile)); err != nil {
			t.Errorf("%s: %v", r, err)
		}
	}
	if !jobs["job 1"] || !jobs["job 2"] {
		t.Errorf("runs trained by %v, want both jobs\n%s", jobs, stderr)
	}
	if want := fmt.Sprintf("2 jobs of %d libtorch threads each", max(1, runtime.NumCPU()/2)); !strings.Contains(stderr, want) {
		t.Errorf("no word of the jobs' threads:\n%s", stderr)
	}
}
