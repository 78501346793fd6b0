package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
)

// writePlan writes plan.json of the experiment the runs belong to.
func writePlan(runs []spec.Config) error {
	var plan []results.PlannedRun
	for _, r := range runs {
		e := r.Experiment
		plan = append(plan, results.PlannedRun{Run: e.Run, Variant: e.Variant, Point: e.Point, Seed: r.Train.Seed, Baseline: e.Baseline})
	}
	return results.WriteJSON(filepath.Join(runs[0].ExperimentDir(), results.PlanFile), plan)
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
func stateOf(cfg spec.Config) (runState, error) {
	dir := cfg.RunDir()
	prev, err := os.ReadFile(filepath.Join(dir, results.ConfigFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return runNew, nil
	case err != nil:
		return 0, err
	case !cfg.SameRun(string(prev)):
		return 0, fmt.Errorf("%s holds a run of another configuration; rename the experiment or delete the directory", dir)
	}
	if results.Failed(dir) {
		return runFailed, nil
	}
	if _, err := os.Stat(filepath.Join(dir, results.EvalFile)); err == nil {
		return runFinished, nil
	}
	return runStarted, nil
}

// RunAll trains and evaluates every run of the shard that is not finished, in plan order:
// finished runs are skipped, interrupted ones resume from their checkpoint. Each data set is
// decoded once for all the runs that use it. A run whose loss turns non-finite is marked
// failed and the others go on; the error lists the failed runs. A signal stops everything
// (ErrInterrupted) after the current run's checkpoint is saved.
func RunAll(ctx context.Context, plan []spec.Config, shard spec.Shard, log io.Writer) error {
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
	loader := rundata.NewLoader(log)
	var failed []string
	for i, cfg := range runs {
		label := fmt.Sprintf("run %d/%d %s", i+1, len(runs), cfg.Experiment.Run)
		switch todo[i] {
		case runFinished:
			fmt.Fprintf(log, "%s: finished, skipped\n", label)
			continue
		case runFailed:
			fmt.Fprintf(log, "%s: failed earlier (see %s; delete it to retry), skipped\n", label, filepath.Join(cfg.RunDir(), results.FailedFile))
			failed = append(failed, cfg.Experiment.Run)
			continue
		}
		err := runOne(ctx, cfg, loader, log, stage{label: label, later: later[i]})
		switch {
		case errors.Is(err, results.ErrRunLocked):
			fmt.Fprintf(log, "%s: another process is training it, skipped\n", label)
		case errors.Is(err, errFinishedElsewhere):
			fmt.Fprintf(log, "%s: finished by another process, skipped\n", label)
		case errors.Is(err, ErrNonFiniteLoss):
			fmt.Fprintf(log, "%s: %v\n", label, err)
			f := results.Failure{Run: cfg.Experiment.Run, Error: err.Error(), Time: time.Now().UTC()}
			if werr := results.WriteJSON(filepath.Join(cfg.RunDir(), results.FailedFile), f); werr != nil {
				return werr
			}
			failed = append(failed, cfg.Experiment.Run)
		case err != nil:
			return fmt.Errorf("%s: %w", cfg.Experiment.Run, err)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d runs failed: %s", len(failed), len(runs), strings.Join(failed, ", "))
	}
	return nil
}

// errFinishedElsewhere is a run that another process finished after this one planned it.
var errFinishedElsewhere = errors.New("finished by another process")

// runOne trains one run under its lock and evaluates its best checkpoint, in one session:
// on [eval.dataset]'s test bank first, if the run has one, then on its own, whose eval.json
// marks the run finished.
func runOne(ctx context.Context, cfg spec.Config, loader *rundata.Loader, log io.Writer, st stage) error {
	unlock, err := results.LockRun(cfg.RunDir())
	if err != nil {
		return err
	}
	defer unlock()
	if st, err := stateOf(cfg); err != nil || st == runFinished { // while this process waited
		return cmp.Or(err, errFinishedElsewhere)
	}
	fmt.Fprintf(log, "%s: training %d episodes in %s\n", st.label, cfg.Train.Episodes, cfg.RunDir())
	return withSession(cfg, loader, func(s *session) error {
		if err := s.train(ctx, log, st); err != nil {
			return err
		}
		if other := cfg.Eval.Dataset; other != nil {
			res, err := evaluateOn(ctx, cfg, *other, other.Name(), loader, log)
			if err != nil {
				return fmt.Errorf("[eval.dataset] %s: %w", other.Name(), err)
			}
			fmt.Fprint(log, res)
		}
		res, err := s.evaluate(ctx, "", results.EvalFile, log)
		if err != nil {
			return err
		}
		fmt.Fprint(log, res)
		return nil
	})
}
