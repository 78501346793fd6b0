package runner

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/internal/progress"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/model/checkpoint"
	"github.com/relnet/relnet/tensors"
)

// Evaluate scores the checkpoint (best.ckpt of the run when empty) on cfg's test banks,
// writes eval.json in the run directory and returns the result.
func Evaluate(ctx context.Context, cfg spec.Config, ckpt string, log io.Writer) (res *results.EvalResult, err error) {
	err = withSession(cfg, rundata.NewLoader(log), func(s *session) error {
		res, err = s.evaluate(ctx, ckpt, results.EvalFile, log)
		return err
	})
	return res, err
}

// evaluate loads the checkpoint (best.ckpt when empty) into the learner, scores it and the
// pixel floor on every group's test bank (and the joint accuracy with several groups), and
// writes the result to file (eval.json for the run's own bank) in the run directory.
func (s *session) evaluate(ctx context.Context, ckpt, file string, log io.Writer) (*results.EvalResult, error) {
	if ckpt == "" {
		ckpt = filepath.Join(s.dir, results.BestFile)
	}
	h, err := checkpoint.Load(ckpt, s.learner.State())
	if err == checkpoint.ErrNone {
		return nil, fmt.Errorf("no checkpoint at %s: run `relnet train` with this config first", ckpt)
	}
	if err != nil {
		return nil, err
	}
	if h.Config != s.text && !s.cfg.SameModel(h.Config) {
		return nil, fmt.Errorf("%s was trained with a different [backbone]/[heads] configuration", ckpt)
	}
	e := s.cfg.Eval
	res := &results.EvalResult{Experiment: s.cfg.Experiment.Name, Checkpoint: ckpt, Split: string(s.cfg.Dataset.Split),
		Way: e.Way, Shot: e.Shot, Query: e.Query, Seed: e.Seed, BN: string(e.BN), Trained: h.Episode, Threads: tensors.Threads()}
	res.Dataset = results.CrossEvalName(file)
	start := time.Now()
	n := int64(e.Episodes)
	bar := progress.New(log, "eval", 0, n*int64(len(s.run.Groups)))
	for g := range s.run.Groups {
		r, err := s.scoreGroup(ctx, g, n, bar)
		if err != nil {
			return nil, err
		}
		res.Groups = append(res.Groups, r)
	}
	if len(s.run.Groups) > 1 {
		joint, err := s.evaluateJoint(ctx, n)
		if err != nil {
			return nil, err
		}
		res.Joint = joint
	}
	res.Seconds = time.Since(start).Seconds()
	if err := results.WriteJSON(filepath.Join(s.dir, file), res); err != nil {
		return nil, err
	}
	return res, nil
}

// scoreGroup scores group g's head and the pixel floor on n episodes of g's test bank,
// counting every query in the group's confusion matrix.
func (s *session) scoreGroup(ctx context.Context, g int, n int64, bar *progress.Bar) (results.GroupResult, error) {
	name, e := s.run.Groups[g], s.cfg.Eval
	r := results.GroupResult{Group: name}
	conf := s.testConfusion(g)
	score := func(eps []*sampling.Episode) {
		for i, pred := range s.queryPredicted(g, eps) {
			right := make([]bool, len(pred))
			for q, p := range pred {
				label := eps[i].QueryLabels[q]
				right[q] = p == label
				conf.Add(eps[i].Classes[label], eps[i].Classes[p])
			}
			r.Model.PerEpisode = append(r.Model.PerEpisode, results.Fraction(right))
			r.PixelFloor.PerEpisode = append(r.PixelFloor.PerEpisode, results.Fraction(pixelFloorCorrect(eps[i])))
		}
		bar.Update(int64(g)*n+int64(len(r.Model.PerEpisode)), name)
	}
	var batch []*sampling.Episode
	for ep := range s.run.Test[g].Stream(ctx, 0, n, s.cfg.Train.Workers, max(s.cfg.Train.Prefetch, e.Batch)) {
		if batch = append(batch, ep); len(batch) == e.Batch {
			score(batch)
			batch = nil
		}
	}
	if ctx.Err() == nil && len(batch) > 0 {
		score(batch)
	}
	if int64(len(r.Model.PerEpisode)) < n {
		return r, fmt.Errorf("%w during evaluation after %d of %d episodes of %s; nothing written", ErrInterrupted, len(r.Model.PerEpisode), n, name)
	}
	conf.Record(&r)
	return summarized(r), nil
}

// summarized fills a group result's summaries from its per-episode accuracies.
func summarized(r results.GroupResult) results.GroupResult {
	r.Model.Summary = results.Summarize(r.Model.PerEpisode)
	r.PixelFloor.Summary = results.Summarize(r.PixelFloor.PerEpisode)
	r.Gain = results.PairedDifference(r.Model.PerEpisode, r.PixelFloor.PerEpisode)
	return r
}

// evaluateJoint scores n joint test episodes (sampling.JointEpisodes): a query counts as
// right when every group's head classifies it right. Episodes without a joint query are
// skipped.
func (s *session) evaluateJoint(ctx context.Context, n int64) (*results.GroupResult, error) {
	r := results.GroupResult{Group: results.JointGroup}
	for i := int64(0); i < n; i++ {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w during the joint evaluation; nothing written", ErrInterrupted)
		}
		eps, ok := sampling.JointEpisodes(s.run.Test, i)
		if !ok {
			continue
		}
		modelRight := make([]bool, len(eps[0].QueryLabels))
		floorRight := make([]bool, len(modelRight))
		for q := range modelRight {
			modelRight[q], floorRight[q] = true, true
		}
		for g, ep := range eps {
			for q, ok := range s.queryCorrect(g, []*sampling.Episode{ep})[0] {
				modelRight[q] = modelRight[q] && ok
			}
			for q, ok := range pixelFloorCorrect(ep) {
				floorRight[q] = floorRight[q] && ok
			}
		}
		r.Model.PerEpisode = append(r.Model.PerEpisode, results.Fraction(modelRight))
		r.PixelFloor.PerEpisode = append(r.PixelFloor.PerEpisode, results.Fraction(floorRight))
	}
	r = summarized(r)
	return &r, nil
}

// accuracy summarises group g's head over episodes of that group.
func (s *session) accuracy(g int, episodes []*sampling.Episode) results.Summary {
	var accs []float64
	for batch := range slices.Chunk(episodes, s.cfg.Eval.Batch) {
		for _, right := range s.queryCorrect(g, batch) {
			accs = append(accs, results.Fraction(right))
		}
	}
	return results.Summarize(accs)
}

// testConfusion is an empty confusion matrix over group g's test classes, by name.
func (s *session) testConfusion(g int) *results.Confusion {
	p := s.run.Test[g].Pool()
	names := make([]string, len(p.Classes))
	for i, c := range p.Classes {
		names[i] = p.Images.ClassName(c)
	}
	return results.NewConfusion(p.Classes, names)
}

// queryPredicted gives the episode label group g's head gives each query of each of eps,
// computed as queryCorrect's.
func (s *session) queryPredicted(g int, eps []*sampling.Episode) [][]int {
	return s.learner.Model.PredictedQueries(s.head(g), eps, s.evalMode())
}

// evalMode is the BatchNorm mode eval.bn says.
func (s *session) evalMode() layers.Mode {
	if s.cfg.Eval.BN == arch.BNBatch {
		return layers.EvalBatch
	}
	return layers.Eval
}

// queryCorrect says which queries of each of eps group g's head classifies right, computed
// without autograd and with BatchNorm as eval.bn says (with "eval", in one backbone call).
func (s *session) queryCorrect(g int, eps []*sampling.Episode) [][]bool {
	return s.learner.Model.RightQueries(s.head(g), eps, s.evalMode())
}
