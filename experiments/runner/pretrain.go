package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/internal/procstat"
	"github.com/relnet/relnet/internal/progress"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/model/checkpoint"
	"github.com/relnet/relnet/tensors"
)

// pretraining is the [pretrain] stage of one run: its batches, the classifiers and optimiser
// on the learner's backbone, and the state its checkpoint saves.
type pretraining struct {
	s       *session
	dir     string // spec.Config.PretrainDir, shared by the runs of one PretrainSpec
	batches *sampling.Batches
	pt      *model.Pretrainer
	state   checkpoint.Header // Epoch: epochs finished; BestVal, BestAt: best validation and its epoch
	metrics *results.JSONLines
	log     io.Writer
}

// pretrain runs the run's [pretrain] stage, or what is left of it, and leaves the learner's
// backbone as the epoch that validated best left it. The stage lives in the experiment's
// spec.Config.PretrainDir, under its lock, so the runs that share its PretrainSpec share one
// pretraining; its metrics records are copied into the run's metrics.jsonl. Call it before
// episodic training starts: an episodic checkpoint holds the backbone pretraining led to.
func (s *session) pretrain(ctx context.Context, log io.Writer, st stage) error {
	p := s.cfg.Pretrain
	if !p.On() {
		return nil
	}
	dir := s.cfg.PretrainDir()
	unlock, err := lockShared(ctx, dir, log)
	if err != nil {
		return err
	}
	defer unlock()
	state, err := checkpoint.ReadHeader(filepath.Join(dir, results.PretrainFile))
	if err == nil && state.Config == s.cfg.PretrainSpec() && state.Epoch >= p.Epochs {
		fmt.Fprintf(log, "%s: the pretrained backbone in %s serves this run too\n", st.label, dir)
	} else if state, err = s.runPretraining(ctx, dir, log, st); err != nil {
		return err
	}
	if _, err := checkpoint.Load(filepath.Join(dir, results.PretrainedFile), s.learner.Model.BackboneState()); err != nil {
		return err
	}
	fmt.Fprintf(log, "pretrained %d epochs; best nearest-centroid validation accuracy %.2f%% after epoch %d\n", p.Epochs, 100*state.BestVal, state.BestAt)
	return copyRecords(filepath.Join(dir, results.MetricsFile), filepath.Join(s.dir, results.MetricsFile))
}

// runPretraining trains the epochs of the pretraining in dir that its checkpoint has not
// finished (all of them without one) and returns the stage's final state.
func (s *session) runPretraining(ctx context.Context, dir string, log io.Writer, st stage) (checkpoint.Header, error) {
	pr, err := s.newPretraining(dir, log)
	if err != nil {
		return checkpoint.Header{}, err
	}
	defer pr.pt.Free()
	err = pr.run(ctx, st)
	return pr.state, err
}

// lockShared takes the lock of a directory that runs share, waiting while another process
// holds it, until ctx ends.
func lockShared(ctx context.Context, dir string, log io.Writer) (func(), error) {
	for said := false; ; said = true {
		unlock, err := results.LockRun(dir)
		if !errors.Is(err, results.ErrRunLocked) {
			return unlock, err
		}
		if !said {
			fmt.Fprintf(log, "waiting for another process to finish the pretraining in %s\n", dir)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w while waiting for the pretraining in %s", ErrInterrupted, dir)
		case <-time.After(2 * time.Second):
		}
	}
}

// copyRecords replaces every record of the run's metrics file at dst (it has none of episodic
// training yet) with those of the shared pretraining's at src.
func copyRecords(src, dst string) error {
	recs, err := results.ReadMetrics(src)
	if err != nil {
		return err
	}
	if err := results.TruncateMetrics(dst, 0, 0); err != nil {
		return err
	}
	out, err := results.OpenJSONLines(dst)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := out.Write(r); err != nil {
			out.Close()
			return err
		}
	}
	return out.Close()
}

// newPretraining deals the training pools into batches, adds the classifiers to the learner's
// backbone and resumes from the stage's checkpoint in dir, if there is one.
func (s *session) newPretraining(dir string, log io.Writer) (*pretraining, error) {
	p := s.cfg.Pretrain
	batches, err := pretrainBatches(s.cfg, s.run)
	if err != nil {
		return nil, err
	}
	pt, err := model.NewPretrainer(s.learner.Model, s.run.Classes, s.cfg.Train.Seed,
		model.PretrainOptim{Adam: p.Optimizer == arch.Adam, Momentum: p.Momentum, WeightDecay: p.WeightDecay}, p.RotationLoss)
	if err != nil {
		return nil, err
	}
	pr := &pretraining{s: s, dir: dir, batches: batches, pt: pt, log: log,
		state: checkpoint.Header{Seed: s.cfg.Train.Seed, Config: s.cfg.PretrainSpec(), BestVal: -1, Model: s.model}}
	switch h, err := checkpoint.Load(pr.path(results.PretrainFile), pt.State()); {
	case errors.Is(err, checkpoint.ErrNone):
	case err == nil && h.Config != pr.state.Config:
		err = fmt.Errorf("%s was made by another pretraining; delete %s", pr.path(results.PretrainFile), dir)
		fallthrough
	case err != nil:
		pt.Free()
		return nil, err
	default:
		pr.state, pt.Steps = h, h.AdamSteps
		fmt.Fprintf(log, "resuming the pretraining in %s after epoch %d\n", dir, h.Epoch)
	}
	return pr, nil
}

// pretrainBatches deals the training pools of run (every group's, nothing of validation or
// test) into cfg's pretraining batches, normalised as the episodes are.
func pretrainBatches(cfg spec.Config, run *rundata.Run) (*sampling.Batches, error) {
	pools := make([]*sampling.Pool, len(run.Train))
	for g, tr := range run.Train {
		pools[g] = tr.Pool()
	}
	aug := sampling.Augment{Mean: run.Mean, Std: run.Std, RotateDegrees: cfg.Dataset.RotateDeg}
	b, err := sampling.NewBatches(pools, cfg.Pretrain.Batch, aug, cfg.Pretrain.Flip, cfg.Train.Seed)
	if err != nil {
		return nil, fmt.Errorf("pretraining: %w", err)
	}
	return b, nil
}

func (pr *pretraining) path(file string) string { return filepath.Join(pr.dir, file) }

// run trains the epochs after the checkpoint's, validating every pretrain.val_every epochs and
// after the last, and saves the stage's checkpoint after each epoch; a cancelled ctx stops it
// at the next batch (the epoch restarts on resumption).
func (pr *pretraining) run(ctx context.Context, st stage) error {
	p := pr.s.cfg.Pretrain
	metricsPath := pr.path(results.MetricsFile)
	if err := results.TruncateMetrics(metricsPath, pr.state.Epoch, 0); err != nil {
		return err
	}
	var err error
	if pr.metrics, err = results.OpenJSONLines(metricsPath); err != nil {
		return err
	}
	defer pr.metrics.Close()
	per := int64(pr.batches.PerEpoch())
	bar := progress.New(pr.log, st.label+" pretrain", int64(pr.state.Epoch)*per, int64(p.Epochs)*per)
	fmt.Fprintf(pr.log, "%s: pretraining %d epochs of %d images (%d batches each) in %s\n", st.label, p.Epochs, pr.batches.Len(), per, pr.dir)
	for e := pr.state.Epoch; e < p.Epochs; e++ {
		rec, err := pr.epoch(ctx, e, func(b int) { bar.Update(int64(e)*per+int64(b)+1, fmt.Sprintf("epoch %d", e+1)) })
		if err != nil {
			return err
		}
		if err := pr.metrics.Write(rec); err != nil {
			return err
		}
		if (e+1)%p.ValEvery == 0 || e+1 == p.Epochs {
			if err := pr.validate(e + 1); err != nil {
				return err
			}
		}
		pr.state.Epoch, pr.state.AdamSteps = e+1, pr.pt.Steps
		if err := checkpoint.Save(pr.path(results.PretrainFile), pr.state, pr.pt.State()); err != nil {
			return err
		}
	}
	return nil
}

// epoch trains on every batch of epoch e and returns its metrics record: the mean loss and,
// averaged over groups, the share of labelled images classified right. done is told each
// batch finished.
func (pr *pretraining) epoch(ctx context.Context, e int, done func(b int)) (results.Record, error) {
	lr := pr.s.cfg.Pretrain.LRAt(e)
	start := time.Now()
	var loss float64
	correct, labelled := make([]int, len(pr.s.run.Groups)), make([]int, len(pr.s.run.Groups))
	order := pr.batches.Epoch(e)
	for b := range pr.batches.PerEpoch() {
		if ctx.Err() != nil {
			return results.Record{}, fmt.Errorf("%w in pretraining epoch %d; its checkpoint after epoch %d is in %s, run the same command again to resume",
				ErrInterrupted, e+1, pr.state.Epoch, pr.path(results.PretrainFile))
		}
		batch := order.Batch(b)
		var sc tensors.Scope
		l, right, of := pr.pt.Step(&sc, batch.Pixels, int64(len(batch.IDs)), batch.Labels, lr)
		sc.Drop()
		if math.IsNaN(l) || math.IsInf(l, 0) {
			pr.metrics.Write(results.Record{Stage: results.StagePretrain, Epoch: e + 1, Kind: "nan"})
			return results.Record{}, fmt.Errorf("%w: %v in pretraining epoch %d, batch %d; lower pretrain.lr or check the data", ErrNonFiniteLoss, l, e+1, b+1)
		}
		loss += l / float64(pr.batches.PerEpoch())
		for g := range right {
			correct[g], labelled[g] = correct[g]+right[g], labelled[g]+of[g]
		}
		done(b)
	}
	var acc float64
	for g := range correct {
		acc += float64(correct[g]) / float64(max(labelled[g], 1)) / float64(len(correct))
	}
	return results.Record{Stage: results.StagePretrain, Epoch: e + 1, Kind: "train", Loss: loss, TrainAcc: acc, LR: lr,
		ImagesSec: float64(pr.batches.Len()) / time.Since(start).Seconds(), RSSMB: procstat.RSSMB()}, nil
}

// validate scores every group's validation bank by nearest centroid on the backbone's
// features after epoch, records it, and saves the backbone when their mean improves.
func (pr *pretraining) validate(epoch int) error {
	s := pr.s
	rec := results.Record{Stage: results.StagePretrain, Epoch: epoch, Kind: "val", ValGroups: map[string]float64{}, ValCI95: map[string]float64{}}
	for g, bank := range s.valBanks() {
		var accs []float64
		for batch := range slices.Chunk(bank, s.cfg.Eval.Batch) {
			for _, right := range s.learner.Model.CentroidRightQueries(batch) {
				accs = append(accs, results.Fraction(right))
			}
		}
		acc := results.Summarize(accs)
		rec.ValAcc += acc.Mean / float64(len(s.run.Groups))
		rec.ValGroups[s.run.Groups[g]], rec.ValCI95[s.run.Groups[g]] = acc.Mean, acc.CI95
	}
	fmt.Fprintf(pr.log, "\npretraining epoch %d: nearest-centroid validation accuracy %.2f%%\n", epoch, 100*rec.ValAcc)
	if err := pr.metrics.Write(rec); err != nil {
		return err
	}
	if rec.ValAcc <= pr.state.BestVal {
		return nil
	}
	pr.state.BestVal, pr.state.BestAt = rec.ValAcc, int64(epoch)
	h := pr.state
	h.Epoch = epoch
	return checkpoint.Save(pr.path(results.PretrainedFile), h, s.learner.Model.BackboneState())
}
