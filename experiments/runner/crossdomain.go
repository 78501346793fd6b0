package runner

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/model/checkpoint"
)

// EvaluateOn scores the finished run of cfg (its best.ckpt) on the test bank of another data
// set, other, without retraining (Chen et al. 2019's cross-domain protocol), and writes the
// result to results.CrossEvalFile(name) beside the run's eval.json. other's images are
// decoded at the run's channels, height and width and normalised with the run's training
// statistics; its train and validation splits are built (and checked) but never used. Each
// of other's attribute groups is scored by the model's head of the same name, or, when both
// have a single group, by that head; a group the model lacks is an error naming both.
func EvaluateOn(ctx context.Context, cfg spec.Config, other spec.DatasetConfig, name string, log io.Writer) (*results.EvalResult, error) {
	return evaluateOn(ctx, cfg, other, name, rundata.NewLoader(log), log)
}

// evaluateOn is EvaluateOn with other's images decoded by loader, which keeps them for the
// next run that asks.
func evaluateOn(ctx context.Context, cfg spec.Config, other spec.DatasetConfig, name string, loader *rundata.Loader, log io.Writer) (*results.EvalResult, error) {
	ckpt := filepath.Join(cfg.RunDir(), results.BestFile)
	h, err := checkpoint.ReadHeader(ckpt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (train the run first)", ckpt, err)
	}
	m := h.Model
	other.Channels, other.Height, other.Width = m.Channels, m.Height, m.Width
	ocfg := cfg
	ocfg.Dataset = other
	set, err := loader.Load(ocfg)
	if err != nil {
		return nil, err
	}
	run, err := rundata.New(ocfg, set)
	if err != nil {
		return nil, err
	}
	heads, err := matchHeads(m.Groups, run.Groups, cfg.RunDir(), name)
	if err != nil {
		return nil, err
	}
	if err := run.Renormalized(cfg, m.Mean, m.Std); err != nil {
		return nil, err
	}
	s := &session{cfg: cfg, text: h.Config, dir: cfg.RunDir(), set: set, run: run, model: m, heads: heads}
	var res *results.EvalResult
	err = withLearner(s, func(s *session) error {
		res, err = s.evaluate(ctx, ckpt, results.CrossEvalFile(name), log)
		return err
	})
	return res, err
}

// matchHeads gives, per attribute group of the other set, the index of the model's head that
// scores it: the head of the same name, or the only head for the only group.
func matchHeads(model, other []string, run, name string) ([]int, error) {
	if len(model) == 1 && len(other) == 1 {
		return []int{0}, nil
	}
	heads := make([]int, len(other))
	for g, grp := range other {
		if heads[g] = slices.Index(model, grp); heads[g] < 0 {
			return nil, fmt.Errorf("data set %s has attribute group %q, which the model of %s lacks (its heads: %s; %s's groups: %s)",
				name, grp, run, strings.Join(model, ", "), name, strings.Join(other, ", "))
		}
	}
	return heads, nil
}
