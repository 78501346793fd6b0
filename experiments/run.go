package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// PlanFile, in an experiment's results directory, lists its runs in the order of its file,
// for `relnet report`.
const PlanFile = "plan.json"

// PlannedRun is one entry of plan.json.
type PlannedRun struct {
	Run      string `json:"run"`
	Variant  string `json:"variant"`
	Point    string `json:"point,omitempty"`
	Seed     uint64 `json:"seed"`
	Baseline bool   `json:"baseline,omitempty"`
}

// writePlan writes plan.json of the experiment the runs belong to.
func writePlan(runs []Config) error {
	var plan []PlannedRun
	for _, r := range runs {
		e := r.Experiment
		plan = append(plan, PlannedRun{Run: e.Run, Variant: e.Variant, Point: e.Point, Seed: r.Train.Seed, Baseline: e.Baseline})
	}
	return writeJSON(filepath.Join(runs[0].Experiment.Results, runs[0].Experiment.Name, PlanFile), plan)
}

// FailedFile marks a run whose training stopped on a non-finite loss; reports show it as
// failed and `relnet run` does not retry it until the file is deleted.
const FailedFile = "failed.json"

// Failure is the content of failed.json.
type Failure struct {
	Run   string    `json:"run"`
	Error string    `json:"error"`
	Time  time.Time `json:"time"`
}

// Shard selects the runs with index ≡ Index (mod Count), so that Count machines (a Slurm job
// array, a Kubernetes Indexed Job) split one experiment between them.
type Shard struct{ Index, Count int }

// ParseShard reads "i/n" with 0 ≤ i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: want i/n with 0 ≤ i < n, e.g. 0/4 (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)", s)
	}
	return Shard{i, n}, nil
}

// Runs returns the runs of this shard, in plan order.
func (s Shard) Runs(runs []Config) []Config {
	var out []Config
	for i, r := range runs {
		if s.Count == 0 || i%s.Count == s.Index {
			out = append(out, r)
		}
	}
	return out
}

// runState says how far a run got.
type runState int

const (
	runNew runState = iota
	runStarted
	runFailed
	runFinished
)

// stateOf inspects a run's directory. A directory made by another configuration is an error:
// its results would be reported under a name they do not belong to.
func stateOf(cfg Config) (runState, error) {
	dir := RunDir(cfg)
	prev, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return runNew, nil
	case err != nil:
		return 0, err
	case !sameRun(string(prev), cfg):
		return 0, fmt.Errorf("%s holds a run of another configuration; rename the experiment or delete the directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, FailedFile)); err == nil {
		return runFailed, nil
	}
	if _, err := os.Stat(filepath.Join(dir, EvalFile)); err == nil {
		return runFinished, nil
	}
	return runStarted, nil
}

// RunAll trains and evaluates every run that is not finished, in order: finished runs are
// skipped, interrupted ones resume from their checkpoint. A run whose loss turns non-finite
// is marked failed and the others go on; the error lists the failed runs. A signal stops
// everything (ErrInterrupted) after the current run's checkpoint is saved.
func RunAll(ctx context.Context, plan []Config, shard Shard, log io.Writer) error {
	if err := writePlan(plan); err != nil {
		return err
	}
	runs := shard.Runs(plan)
	if shard.Count > 1 {
		fmt.Fprintf(log, "shard %d/%d: %d of %d runs\n", shard.Index, shard.Count, len(runs), len(plan))
	}
	todo := make([]runState, len(runs))
	for i, cfg := range runs {
		st, err := stateOf(cfg)
		if err != nil {
			return err
		}
		todo[i] = st
	}
	later := make([]int64, len(runs)) // training episodes of the unfinished runs after run i
	for i := len(runs) - 2; i >= 0; i-- {
		later[i] = later[i+1]
		if todo[i+1] < runFailed {
			later[i] += runs[i+1].Train.Episodes
		}
	}
	var failed []string
	for i, cfg := range runs {
		label := fmt.Sprintf("run %d/%d %s", i+1, len(runs), cfg.Experiment.Run)
		switch todo[i] {
		case runFinished:
			fmt.Fprintf(log, "%s: finished, skipped\n", label)
			continue
		case runFailed:
			fmt.Fprintf(log, "%s: failed earlier (see %s; delete it to retry), skipped\n", label, filepath.Join(RunDir(cfg), FailedFile))
			failed = append(failed, cfg.Experiment.Run)
			continue
		}
		fmt.Fprintf(log, "%s: training %d episodes in %s\n", label, cfg.Train.Episodes, RunDir(cfg))
		err := trainRun(ctx, cfg, log, stage{label: label, later: later[i]})
		if errors.Is(err, ErrRunLocked) {
			fmt.Fprintf(log, "%s: another process is training it, skipped\n", label)
			continue
		}
		if errors.Is(err, ErrNonFiniteLoss) {
			fmt.Fprintf(log, "%s: %v\n", label, err)
			if werr := writeJSON(filepath.Join(RunDir(cfg), FailedFile), Failure{Run: cfg.Experiment.Run, Error: err.Error(), Time: time.Now().UTC()}); werr != nil {
				return werr
			}
			failed = append(failed, cfg.Experiment.Run)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", cfg.Experiment.Run, err)
		}
		res, err := Evaluate(ctx, cfg, "", log)
		if err != nil {
			return fmt.Errorf("%s: %w", cfg.Experiment.Run, err)
		}
		fmt.Fprint(log, res)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d runs failed: %s", len(failed), len(runs), strings.Join(failed, ", "))
	}
	return nil
}

// sameRun reports whether a resolved configuration (config.toml, a checkpoint's header)
// describes the same run as cfg: every setting counts but those of execution (results root,
// threads, device, workers, prefetch), which may change between a run and its resumption.
func sameRun(text string, cfg Config) bool {
	prev, err := Parse(ConfigFile, []byte(text))
	return err == nil && withoutExecution(prev) == withoutExecution(cfg)
}

func withoutExecution(c Config) string {
	c.Experiment.Results = ""
	c.Train.Threads, c.Train.Device, c.Train.Workers, c.Train.Prefetch = 0, "", 0, 0
	text, _ := c.Encode()
	return string(text)
}
