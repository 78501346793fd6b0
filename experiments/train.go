package experiments

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/internal/atomicfile"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/losses"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// Files of a run directory.
const (
	ConfigFile     = "config.toml"     // resolved configuration
	MetricsFile    = "metrics.jsonl"   // one JSON record per log or validation point
	CheckpointFile = "checkpoint.ckpt" // latest state, for resuming
	BestFile       = "best.ckpt"       // state with the best validation accuracy
	EvalFile       = "eval.json"       // final test evaluation
)

// Record is one line of metrics.jsonl.
type Record struct {
	Episode     int64              `json:"episode"`
	Kind        string             `json:"kind"` // "train", "val" or "nan"
	Loss        float64            `json:"loss,omitempty"`
	TrainAcc    float64            `json:"train_acc,omitempty"`
	LR          float64            `json:"lr,omitempty"`
	EpisodesSec float64            `json:"episodes_per_sec,omitempty"`
	ValAcc      float64            `json:"val_acc,omitempty"`
	ValGroups   map[string]float64 `json:"val_groups,omitempty"` // per attribute group; ValAcc is their mean
	RSSMB       float64            `json:"rss_mb,omitempty"`
}

// ErrInterrupted is returned when a run stops on a signal; its checkpoint is saved.
var ErrInterrupted = errors.New("interrupted")

// ErrNonFiniteLoss is returned when a training loss is NaN or infinite; the last good
// checkpoint is kept.
var ErrNonFiniteLoss = errors.New("training loss is not finite")

// RunDir is where a configuration's run writes its files.
func RunDir(cfg Config) string {
	return filepath.Join(cfg.Experiment.Results, cfg.Experiment.Name, cfg.Experiment.Run)
}

// learner is a model with its optimiser, on the tensor thread.
type learner struct {
	model *model.Model
	adam  *model.Adam
}

func newLearner(cfg Config, d *data) (*learner, error) {
	mc := cfg.modelConfig()
	mc.Groups, mc.Classes = d.groups, d.classes
	m, err := model.New(mc, d.shape, cfg.Train.Seed)
	if err != nil {
		return nil, err
	}
	adam, err := model.NewAdam(m.Params.TrainableTensors(), cfg.optim())
	if err != nil {
		m.Free()
		return nil, err
	}
	return &learner{model: m, adam: adam}, nil
}

// tensors lists every tensor a checkpoint holds: parameters, buffers and Adam moments.
func (l *learner) tensors() []namedTensor {
	var out []namedTensor
	p := l.model.Params
	for i, name := range p.Names {
		out = append(out, namedTensor{name, p.Tensors[i]})
	}
	trainable := 0
	for i, name := range p.Names {
		if p.Trainable[i] {
			out = append(out, namedTensor{"adam.m." + name, l.adam.M[trainable]}, namedTensor{"adam.v." + name, l.adam.V[trainable]})
			trainable++
		}
	}
	return out
}

// step trains on one episode per group (training episode i) and returns the forward pass
// and the loss. A non-finite loss is returned before backward, leaving the weights as they
// were.
func (l *learner) step(s *tensors.Scope, eps []*datasets.Episode, cooc *losses.Cooccurrence, i int64) (model.Output, float64) {
	tensors.ZeroGrad(l.adam.Params)
	out := l.model.Forward(s, eps, layers.Train)
	loss, _ := l.model.Objective(s, eps, out, cooc)
	lossV := float64(tensors.Values(loss)[0])
	if math.IsNaN(lossV) || math.IsInf(lossV, 0) {
		return out, lossV
	}
	tensors.Check("backward", loss.Backward())
	l.adam.Step(i)
	return out, lossV
}

func (l *learner) free() {
	l.adam.Free()
	l.model.Free()
}

// setupTorch applies the run's thread, seed and allocator settings on the tensor thread.
func setupTorch(t TrainConfig) error {
	if _, err := tensors.Device(t.Device); err != nil {
		return fmt.Errorf("train.device: %w", err)
	}
	return tensors.Setup(tensors.Options{Threads: t.Threads, Seed: t.Seed})
}

// Train runs (or resumes) the episodic training of cfg in RunDir(cfg): it logs to log, writes
// metrics.jsonl, validates on a fixed bank, keeps best.ckpt and checkpoint.ckpt, and stops
// with ErrInterrupted (after saving) when ctx is cancelled.
func Train(ctx context.Context, cfg Config, log io.Writer) error {
	return trainRun(ctx, cfg, log, stage{label: "train"})
}

// stage places one run's progress within an experiment's.
type stage struct {
	label string // e.g. "run 2/6 multihead-seed1"
	later int64  // training episodes of the experiment's runs after this one
}

func trainRun(ctx context.Context, cfg Config, log io.Writer, st stage) error {
	dir := RunDir(cfg)
	unlock, err := lockRun(dir)
	if err != nil {
		return err
	}
	defer unlock()
	text, err := cfg.Encode()
	if err != nil {
		return err
	}
	d, err := loadData(cfg)
	if err != nil {
		return err
	}
	return tensors.Run(func() error {
		if err := setupTorch(cfg.Train); err != nil {
			return err
		}
		l, err := newLearner(cfg, d)
		if err != nil {
			return err
		}
		defer l.free()
		return train(ctx, cfg, string(text), d, l, dir, log, st)
	})
}

func train(ctx context.Context, cfg Config, text string, d *data, l *learner, dir string, log io.Writer, st stage) error {
	t := cfg.Train
	state := checkpointHeader{Seed: t.Seed, Config: text, BestVal: -1}
	ckpt := filepath.Join(dir, CheckpointFile)
	switch h, err := loadCheckpoint(ckpt, l.tensors()); {
	case errors.Is(err, errNoCheckpoint):
	case err != nil:
		return err
	default:
		if !sameRun(h.Config, cfg) {
			return fmt.Errorf("%s was made with another configuration; use a new experiment name or delete %s", ckpt, dir)
		}
		state = h
		l.adam.Steps = h.AdamSteps
		fmt.Fprintf(log, "resuming %s from episode %d\n", dir, h.Episode)
	}
	// Only now, with the checkpoint (if any) known to be this run's, is anything written.
	if err := atomicfile.Write(filepath.Join(dir, ConfigFile), []byte(text)); err != nil {
		return err
	}
	if err := truncateMetrics(filepath.Join(dir, MetricsFile), state.Episode); err != nil {
		return err
	}
	if state.Episode >= t.Episodes {
		fmt.Fprintf(log, "%s: training already finished (%d episodes)\n", dir, state.Episode)
		return nil
	}
	metrics, err := openJSONLines(filepath.Join(dir, MetricsFile))
	if err != nil {
		return err
	}
	defer metrics.close()

	valBanks := make([][]*datasets.Episode, len(d.groups))
	for g := range valBanks {
		for i := 0; i < t.ValEpisodes; i++ {
			valBanks[g] = append(valBanks[g], d.val[g].Episode(int64(i)))
		}
	}
	save := func(path string) error {
		state.AdamSteps = l.adam.Steps
		return saveCheckpoint(path, state, l.tensors())
	}
	savedAt := state.Episode // episode of the checkpoint on disk; 0 = none
	kept := func() string {
		if savedAt == 0 {
			return fmt.Sprintf("no checkpoint was written before it (train.checkpoint_every = %d)", t.CheckpointEvery)
		}
		return fmt.Sprintf("the last good checkpoint (episode %d) is kept in %s", savedAt, ckpt)
	}
	// writeFailed explains a result file that could not be written (a full disk, say).
	writeFailed := func(err error) error {
		return fmt.Errorf("%w; %s: make room and run the same command again to resume", err, kept())
	}
	bar := newProgress(log, st.label, state.Episode, t.Episodes)
	bar.later = st.later
	var winLoss, winAcc float64
	var winN int64
	winStart := time.Now()
	streams := make([]<-chan *datasets.Episode, len(d.groups))
	for g := range streams {
		streams[g] = d.train[g].Stream(ctx, state.Episode, t.Episodes-state.Episode, t.Workers, t.Prefetch)
	}
	for {
		eps, ok := nextEpisodes(streams)
		if !ok {
			break
		}
		i := eps[0].Index
		var s tensors.Scope
		out, lossV := l.step(&s, eps, d.cooc, i)
		if math.IsNaN(lossV) || math.IsInf(lossV, 0) {
			s.Drop()
			metrics.write(Record{Episode: i + 1, Kind: "nan"})
			return fmt.Errorf("%w: %v at episode %d; %s: lower train.lr or check the data", ErrNonFiniteLoss, lossV, i+1, kept())
		}
		for g, ep := range eps {
			correct := model.Correct(tensors.Values(out.Logits[g]), ep.QueryLabels, ep.Spec.Way)
			winAcc += float64(correct) / float64(len(ep.QueryLabels)) / float64(len(eps))
		}
		s.Drop()
		state.Episode = i + 1
		winLoss += lossV
		winN++
		done := state.Episode
		if done%t.LogEvery == 0 || done == t.Episodes {
			rate := float64(winN) / time.Since(winStart).Seconds()
			rec := Record{Episode: done, Kind: "train", Loss: winLoss / float64(winN), TrainAcc: winAcc / float64(winN),
				LR: l.adam.Config.LRAt(i), EpisodesSec: rate, RSSMB: rssMB()}
			if err := metrics.write(rec); err != nil {
				return writeFailed(err)
			}
			winLoss, winAcc, winN, winStart = 0, 0, 0, time.Now()
		}
		if done%t.ValEvery == 0 || done == t.Episodes {
			rec := Record{Episode: done, Kind: "val", ValGroups: map[string]float64{}}
			for g, bank := range valBanks {
				acc := evaluate(l.model, g, bank, bnMode(cfg.Eval.BN))
				rec.ValAcc += acc.Mean / float64(len(valBanks))
				rec.ValGroups[d.groups[g]] = acc.Mean
				name := ""
				if len(d.groups) > 1 {
					name = d.groups[g] + " "
				}
				fmt.Fprintf(log, "\nepisode %d: validation accuracy %s%.2f ± %.2f%% (%d episodes, BN %s)", done, name, 100*acc.Mean, 100*acc.CI95, acc.Episodes, cfg.Eval.BN)
			}
			fmt.Fprintln(log)
			if err := metrics.write(rec); err != nil {
				return writeFailed(err)
			}
			if rec.ValAcc > state.BestVal {
				state.BestVal, state.BestAt = rec.ValAcc, done
				if err := save(filepath.Join(dir, BestFile)); err != nil {
					return writeFailed(err)
				}
			}
		}
		if done%t.CheckpointEvery == 0 || done == t.Episodes {
			if err := save(ckpt); err != nil {
				return writeFailed(err)
			}
			savedAt = done
		}
		bar.update(done, fmt.Sprintf("loss %.4f", lossV))
	}
	if state.Episode < t.Episodes {
		if err := save(ckpt); err != nil {
			return err
		}
		return fmt.Errorf("%w at episode %d of %d; checkpoint saved in %s, run the same command again to resume", ErrInterrupted, state.Episode, t.Episodes, ckpt)
	}
	fmt.Fprintf(log, "trained %d episodes; best validation accuracy %.2f%% at episode %d\n", t.Episodes, 100*state.BestVal, state.BestAt)
	return nil
}

// nextEpisodes takes one episode from each group's stream; false when any stream has ended.
func nextEpisodes(streams []<-chan *datasets.Episode) ([]*datasets.Episode, bool) {
	eps := make([]*datasets.Episode, len(streams))
	for g, st := range streams {
		ep, ok := <-st
		if !ok {
			return nil, false
		}
		eps[g] = ep
	}
	return eps, true
}

// truncateMetrics drops records past episode (written after the checkpoint a resumed run
// starts from), so the file reads as one uninterrupted run.
func truncateMetrics(path string, episode int64) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var kept bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Episode > episode {
			continue
		}
		kept.Write(sc.Bytes())
		kept.WriteByte('\n')
	}
	if bytes.Equal(kept.Bytes(), data) {
		return nil
	}
	return atomicfile.Write(path, kept.Bytes())
}

func bnMode(bn string) layers.Mode {
	if bn == "batch" {
		return layers.EvalBatch
	}
	return layers.Eval
}

// evaluate returns the accuracy of group g's head over episodes of that group.
func evaluate(m *model.Model, g int, episodes []*datasets.Episode, mode layers.Mode) Summary {
	accs := make([]float64, len(episodes))
	for i, ep := range episodes {
		accs[i] = episodeAccuracy(m, g, ep, mode)
	}
	return Summarize(accs)
}

// episodeAccuracy is the fraction of ep's queries that group g's head classifies right,
// computed without autograd.
func episodeAccuracy(m *model.Model, g int, ep *datasets.Episode, mode layers.Mode) float64 {
	return fraction(queryCorrect(m, g, ep, mode))
}

// queryCorrect says which of ep's queries group g's head classifies right.
func queryCorrect(m *model.Model, g int, ep *datasets.Episode, mode layers.Mode) []bool {
	prev := tensors.SetGrad(false)
	defer tensors.SetGrad(prev)
	var s tensors.Scope
	defer s.Drop()
	logits := tensors.Values(m.GroupLogits(&s, g, ep, mode))
	way := ep.Spec.Way
	correct := make([]bool, len(ep.QueryLabels))
	for q, label := range ep.QueryLabels {
		correct[q] = model.Correct(logits[q*way:(q+1)*way], []int{label}, way) == 1
	}
	return correct
}
