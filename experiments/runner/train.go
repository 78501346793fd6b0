package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/export"
	"github.com/relnet/relnet/internal/atomicfile"
	"github.com/relnet/relnet/internal/procstat"
	"github.com/relnet/relnet/internal/progress"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/model/checkpoint"
	"github.com/relnet/relnet/tensors"
)

// ErrInterrupted is returned when a run stops on a signal; its checkpoint is saved.
var ErrInterrupted = errors.New("interrupted")

// ErrNonFiniteLoss is returned when a training loss is NaN or infinite; the last good
// checkpoint is kept.
var ErrNonFiniteLoss = errors.New("training loss is not finite")

// Train runs (or resumes) the episodic training of cfg in its run directory: it logs to log,
// writes metrics.jsonl, validates on a fixed bank, keeps best.ckpt and checkpoint.ckpt, and
// stops with ErrInterrupted (after saving) when ctx is cancelled.
func Train(ctx context.Context, cfg spec.Config, log io.Writer) error {
	unlock, err := results.LockRun(cfg.RunDir())
	if err != nil {
		return err
	}
	defer unlock()
	return withSession(cfg, rundata.NewLoader(log), func(s *session) error { return s.train(ctx, log, stage{label: "train"}) })
}

// stage places one run's progress within an experiment's.
type stage struct {
	label string // e.g. "run 2/6 multihead-seed1"
	later int64  // training episodes of the experiment's runs after this one
}

// hook is called after a training episode: every `every` episodes and after the last one.
// Its name says in an error which hook failed.
type hook struct {
	name   string
	every  int64
	onStep func(step) error
}

// step is what hooks see of one finished training episode.
type step struct {
	done     int64   // training episodes finished, this one included
	loss     float64 // the episode's training loss
	trainAcc float64 // the share of its queries classified right, averaged over groups
}

// nonFiniteLoss stops the loop before the episode's update.
type nonFiniteLoss struct {
	episode int64 // 1-based
	loss    float64
}

func (e *nonFiniteLoss) Error() string { return fmt.Sprintf("%v at episode %d", e.loss, e.episode) }

// loop trains on the episodes after the first `from`, to the end of the schedule or until
// ctx ends the streams, and calls each hook when it is due. It returns the episodes done.
func (s *session) loop(ctx context.Context, from int64, hooks []hook) (int64, error) {
	t := s.cfg.Train
	streams := make([]<-chan *sampling.Episode, len(s.run.Groups))
	for g := range streams {
		streams[g] = s.run.Train[g].Stream(ctx, from, t.Episodes-from, t.Workers, t.Prefetch)
	}
	done := from
	for {
		eps, ok := nextEpisodes(streams)
		if !ok {
			return done, nil
		}
		i := eps[0].Index
		var sc tensors.Scope
		out, loss := s.learner.Step(&sc, eps, s.cooc, i)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			sc.Drop()
			return done, &nonFiniteLoss{episode: i + 1, loss: loss}
		}
		var acc float64
		for g, ep := range eps {
			correct := model.Correct(tensors.Values(out.Logits[g]), ep.QueryLabels, ep.Spec.Way)
			acc += float64(correct) / float64(len(ep.QueryLabels)) / float64(len(eps))
		}
		sc.Drop()
		done = i + 1
		for _, h := range hooks {
			if done%h.every == 0 || done == t.Episodes {
				if err := h.onStep(step{done: done, loss: loss, trainAcc: acc}); err != nil {
					return done, fmt.Errorf("%s after episode %d: %w", h.name, done, err)
				}
			}
		}
	}
}

// nextEpisodes takes one episode from each group's stream; false when any stream has ended.
func nextEpisodes(streams []<-chan *sampling.Episode) ([]*sampling.Episode, bool) {
	eps := make([]*sampling.Episode, len(streams))
	for g, st := range streams {
		ep, ok := <-st
		if !ok {
			return nil, false
		}
		eps[g] = ep
	}
	return eps, true
}

// train resumes the run from its checkpoint, if it has one, and trains it to the end with
// the hooks that log, validate, checkpoint and show progress.
func (s *session) train(ctx context.Context, log io.Writer, st stage) error {
	tr, err := s.resume(log)
	if err != nil {
		return err
	}
	if tr.savedAt == 0 { // a fresh start: the backbone's weights from backbone.init, then [pretrain]
		if init := s.cfg.Backbone.Init; init != "" {
			if err := export.LoadBackbone(init, s.learner.Model.BackboneState()); err != nil {
				return err
			}
			fmt.Fprintf(log, "%s: the backbone starts from %s\n", st.label, init)
		}
		if err := s.pretrain(ctx, log, st); err != nil {
			return err
		}
	}
	if !s.cfg.Heads.Kind.Trains() { // the centroid baseline: the pretrained backbone is the model
		return tr.save(filepath.Join(s.dir, results.BestFile), 0)
	}
	t := s.cfg.Train
	if tr.state.Episode >= t.Episodes {
		fmt.Fprintf(log, "%s: training already finished (%d episodes)\n", s.dir, tr.state.Episode)
		return nil
	}
	if tr.metrics, err = results.OpenJSONLines(filepath.Join(s.dir, results.MetricsFile)); err != nil {
		return err
	}
	defer tr.metrics.Close()
	bar := progress.New(log, st.label, tr.state.Episode, t.Episodes)
	bar.Later = st.later
	hooks := append(tr.logHooks(), tr.validateHook(), tr.checkpointHook(),
		hook{name: "progress", every: 1, onStep: func(x step) error { bar.Update(x.done, fmt.Sprintf("loss %.4f", x.loss)); return nil }})
	done, err := s.loop(ctx, tr.state.Episode, hooks)
	var nan *nonFiniteLoss
	switch {
	case errors.As(err, &nan):
		tr.metrics.Write(results.Record{Stage: results.StageEpisodic, Episode: nan.episode, Kind: "nan"})
		return fmt.Errorf("%w: %v; %s: lower train.lr or check the data", ErrNonFiniteLoss, nan, tr.kept())
	case err != nil:
		return err
	case done < t.Episodes:
		if err := tr.save(tr.checkpoint(), done); err != nil {
			return err
		}
		return fmt.Errorf("%w at episode %d of %d; checkpoint saved in %s, run the same command again to resume", ErrInterrupted, done, t.Episodes, tr.checkpoint())
	}
	fmt.Fprintf(log, "trained %d episodes; best validation accuracy %.2f%% at episode %d\n", t.Episodes, 100*tr.state.BestVal, tr.state.BestAt)
	return nil
}

// trainer is what the hooks of one training share: the state a checkpoint saves, the
// metrics file and the log.
type trainer struct {
	s       *session
	state   checkpoint.Header
	savedAt int64 // episode of the checkpoint on disk; 0 = none
	metrics *results.JSONLines
	log     io.Writer
}

// resume reads the run's checkpoint, if any (refusing one of another configuration), then
// writes config.toml and drops metrics past the checkpoint.
func (s *session) resume(log io.Writer) (*trainer, error) {
	tr := &trainer{s: s, log: log, state: checkpoint.Header{Seed: s.cfg.Train.Seed, Config: s.text, BestVal: -1}}
	switch h, err := checkpoint.Load(tr.checkpoint(), s.learner.State()); {
	case errors.Is(err, checkpoint.ErrNone):
	case err != nil:
		return nil, err
	default:
		if !s.cfg.SameRun(h.Config) {
			return nil, fmt.Errorf("%s was made with another configuration; use a new experiment name or delete %s", tr.checkpoint(), s.dir)
		}
		tr.state, tr.savedAt = h, h.Episode
		s.learner.Adam.Steps = h.AdamSteps
		fmt.Fprintf(log, "resuming %s from episode %d\n", s.dir, h.Episode)
	}
	tr.state.Model = s.model
	// Only now, with the checkpoint (if any) known to be this run's, is anything written.
	if err := atomicfile.Write(filepath.Join(s.dir, results.ConfigFile), []byte(s.text)); err != nil {
		return nil, err
	}
	if err := s.writeDataReport(); err != nil {
		return nil, err
	}
	return tr, results.TruncateMetrics(filepath.Join(s.dir, results.MetricsFile), s.cfg.Pretrain.Epochs, tr.state.Episode)
}

// writeDataReport writes the load report of a multi-attribute data set into the run
// directory: images per group and value, every line the load skipped with its reason, and in
// a class split of several groups the images kept out of training.
func (s *session) writeDataReport() error {
	if s.set.Attrs == nil {
		return nil
	}
	var b bytes.Buffer
	if err := datasets.WriteInspection(&b, s.set.Attrs, s.set.Report, nil, "", ""); err != nil {
		return err
	}
	if s.run.KeptOut > 0 {
		fmt.Fprintf(&b, "\nclass split: %d images kept out of training, as another group holds one of their values out\n", s.run.KeptOut)
	}
	for _, g := range slices.Sorted(maps.Keys(s.run.LabelsKept)) {
		fmt.Fprintf(&b, "\nlabel_fraction: group %s trains on the labels of %d of its %d training images\n", g, s.run.LabelsKept[g], s.run.LabelsOf[g])
	}
	return atomicfile.Write(filepath.Join(s.dir, results.DataFile), b.Bytes())
}

func (tr *trainer) checkpoint() string { return filepath.Join(tr.s.dir, results.CheckpointFile) }

// save writes the learner's state after `episode` training episodes to path.
func (tr *trainer) save(path string, episode int64) error {
	tr.state.Episode, tr.state.AdamSteps = episode, tr.s.learner.Adam.Steps
	return checkpoint.Save(path, tr.state, tr.s.learner.State())
}

// kept says which checkpoint survives a failure.
func (tr *trainer) kept() string {
	if tr.savedAt == 0 {
		return fmt.Sprintf("no checkpoint was written before it (train.checkpoint_every = %d)", tr.s.cfg.Train.CheckpointEvery)
	}
	return fmt.Sprintf("the last good checkpoint (episode %d) is kept in %s", tr.savedAt, tr.checkpoint())
}

// writeFailed explains a result file that could not be written (a full disk, say).
func (tr *trainer) writeFailed(err error) error {
	return fmt.Errorf("%w; %s: make room and run the same command again to resume", err, tr.kept())
}

// logHooks add up each episode's loss and accuracy, and write their means and the speed of
// each logging window to metrics.jsonl.
func (tr *trainer) logHooks() []hook {
	var loss, acc float64
	var n int64
	start := time.Now()
	add := func(x step) error {
		loss, acc, n = loss+x.loss, acc+x.trainAcc, n+1
		return nil
	}
	write := func(x step) error {
		rec := results.Record{Stage: results.StageEpisodic, Episode: x.done, Kind: "train", Loss: loss / float64(n), TrainAcc: acc / float64(n),
			LR: tr.s.learner.Adam.Config.LRAt(x.done - 1), EpisodesSec: float64(n) / time.Since(start).Seconds(), RSSMB: procstat.RSSMB()}
		loss, acc, n, start = 0, 0, 0, time.Now()
		if err := tr.metrics.Write(rec); err != nil {
			return tr.writeFailed(err)
		}
		return nil
	}
	return []hook{{name: "metrics", every: 1, onStep: add}, {name: "log", every: tr.s.cfg.Train.LogEvery, onStep: write}}
}

// validateHook scores every group's head on its fixed validation bank, logs and records the
// accuracies, and saves best.ckpt when their mean improves.
func (tr *trainer) validateHook() hook {
	s := tr.s
	banks := s.valBanks()
	return hook{name: "validation", every: s.cfg.Train.ValEvery, onStep: func(x step) error {
		rec := results.Record{Stage: results.StageEpisodic, Episode: x.done, Kind: "val", ValGroups: map[string]float64{}, ValCI95: map[string]float64{}}
		for g, bank := range banks {
			acc := s.accuracy(g, bank)
			rec.ValAcc += acc.Mean / float64(len(banks))
			rec.ValGroups[s.run.Groups[g]] = acc.Mean
			rec.ValCI95[s.run.Groups[g]] = acc.CI95
			name := ""
			if len(banks) > 1 {
				name = s.run.Groups[g] + " "
			}
			fmt.Fprintf(tr.log, "\nepisode %d: validation accuracy %s%.2f ± %.2f%% (%d episodes, BN %s)", x.done, name, 100*acc.Mean, 100*acc.CI95, acc.Episodes, s.cfg.Eval.BN)
		}
		fmt.Fprintln(tr.log)
		if err := tr.metrics.Write(rec); err != nil {
			return tr.writeFailed(err)
		}
		if rec.ValAcc > tr.state.BestVal {
			tr.state.BestVal, tr.state.BestAt = rec.ValAcc, x.done
			if err := tr.save(filepath.Join(s.dir, results.BestFile), x.done); err != nil {
				return tr.writeFailed(err)
			}
		}
		return nil
	}}
}

// valBanks is every group's fixed validation bank: its first train.val_episodes episodes.
func (s *session) valBanks() [][]*sampling.Episode {
	banks := make([][]*sampling.Episode, len(s.run.Groups))
	for g := range banks {
		for i := range s.cfg.Train.ValEpisodes {
			banks[g] = append(banks[g], s.run.Val[g].Episode(int64(i)))
		}
	}
	return banks
}

// checkpointHook saves checkpoint.ckpt.
func (tr *trainer) checkpointHook() hook {
	return hook{name: "checkpoint", every: tr.s.cfg.Train.CheckpointEvery, onStep: func(x step) error {
		if err := tr.save(tr.checkpoint(), x.done); err != nil {
			return tr.writeFailed(err)
		}
		tr.savedAt = x.done
		return nil
	}}
}
