package experiments

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/relnet/relnet/tensors"
)

// EvalResult is the content of eval.json: the model and the pixel nearest-centroid floor on
// the same fixed bank of test episodes, with per-episode accuracies for paired comparisons.
type EvalResult struct {
	Experiment string   `json:"experiment"`
	Checkpoint string   `json:"checkpoint"`
	Split      string   `json:"split"`
	Way        int      `json:"way"`
	Shot       int      `json:"shot"`
	Query      int      `json:"query"`
	Seed       uint64   `json:"seed"` // test-episode bank
	BN         string   `json:"bn"`
	Model      Accuracy `json:"model"`
	PixelFloor Accuracy `json:"pixel_floor"`
	Gain       Summary  `json:"gain_over_floor"` // paired: model − floor, episode by episode
	Seconds    float64  `json:"seconds"`
	Trained    int64    `json:"trained_episodes"`
	Threads    int      `json:"threads"`
}

// Accuracy is a summary plus the per-episode values it came from.
type Accuracy struct {
	Summary
	PerEpisode []float64 `json:"per_episode"`
}

// Evaluate scores the checkpoint (best.ckpt of the run when empty) on cfg's test bank,
// writes eval.json in the run directory and returns the result.
func Evaluate(ctx context.Context, cfg Config, checkpoint string, log io.Writer) (*EvalResult, error) {
	dir := RunDir(cfg)
	if checkpoint == "" {
		checkpoint = filepath.Join(dir, BestFile)
	}
	d, err := loadData(cfg)
	if err != nil {
		return nil, err
	}
	text, err := cfg.Encode()
	if err != nil {
		return nil, err
	}
	res := &EvalResult{Experiment: cfg.Experiment.Name, Checkpoint: checkpoint, Split: cfg.Dataset.Split,
		Way: cfg.Eval.Way, Shot: cfg.Eval.Shot, Query: cfg.Eval.Query, Seed: cfg.Eval.Seed, BN: cfg.Eval.BN}
	err = tensors.Run(func() error {
		if err := setupTorch(cfg.Train); err != nil {
			return err
		}
		l, err := newLearner(cfg, d.shape)
		if err != nil {
			return err
		}
		defer l.free()
		h, err := loadCheckpoint(checkpoint, l.tensors())
		if err != nil {
			if err == errNoCheckpoint {
				return fmt.Errorf("no checkpoint at %s: run `relnet train` with this config first", checkpoint)
			}
			return err
		}
		if h.Config != string(text) && !sameModel(h.Config, string(text)) {
			return fmt.Errorf("%s was trained with a different [backbone]/[heads] configuration", checkpoint)
		}
		res.Trained, res.Threads = h.Episode, tensors.Threads()
		start := time.Now()
		n := int64(cfg.Eval.Episodes)
		bar := newProgress(log, "eval", 0, n)
		mode := bnMode(cfg.Eval.BN)
		for ep := range d.test.Stream(ctx, 0, n, cfg.Train.Workers, cfg.Train.Prefetch) {
			res.Model.PerEpisode = append(res.Model.PerEpisode, episodeAccuracy(l.model, ep, mode))
			res.PixelFloor.PerEpisode = append(res.PixelFloor.PerEpisode, pixelFloor(ep))
			bar.update(int64(len(res.Model.PerEpisode)), "")
		}
		if int64(len(res.Model.PerEpisode)) < n {
			return fmt.Errorf("%w during evaluation after %d of %d episodes; nothing written", ErrInterrupted, len(res.Model.PerEpisode), n)
		}
		res.Seconds = time.Since(start).Seconds()
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Model.Summary = Summarize(res.Model.PerEpisode)
	res.PixelFloor.Summary = Summarize(res.PixelFloor.PerEpisode)
	gain := make([]float64, len(res.Model.PerEpisode))
	for i, m := range res.Model.PerEpisode {
		gain[i] = m - res.PixelFloor.PerEpisode[i]
	}
	res.Gain = Summarize(gain)
	if err := writeJSON(filepath.Join(dir, EvalFile), res); err != nil {
		return nil, err
	}
	return res, nil
}

// sameModel reports whether two resolved configs build the same network (so a checkpoint of
// one loads into the other even if, say, the evaluation settings differ).
func sameModel(a, b string) bool {
	ca, err1 := Parse("checkpoint", []byte(a))
	cb, err2 := Parse("config", []byte(b))
	return err1 == nil && err2 == nil && ca.Backbone == cb.Backbone && ca.Heads == cb.Heads
}

// String is the one-paragraph report printed after evaluation.
func (r *EvalResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d-way %d-shot, %d test episodes × %d queries/class (seed %d), %s split, BN %s, model trained %d episodes\n",
		r.Way, r.Shot, r.Model.Episodes, r.Query, r.Seed, r.Split, r.BN, r.Trained)
	fmt.Fprintf(&b, "  relation network          %6.2f ± %.2f%%\n", 100*r.Model.Mean, 100*r.Model.CI95)
	fmt.Fprintf(&b, "  pixel nearest-centroid    %6.2f ± %.2f%%  (no learning: the floor)\n", 100*r.PixelFloor.Mean, 100*r.PixelFloor.CI95)
	fmt.Fprintf(&b, "  gain over the floor       %+6.2f ± %.2f points (paired, same episodes)\n", 100*r.Gain.Mean, 100*r.Gain.CI95)
	fmt.Fprintf(&b, "  %.1f s, %.1f episodes/s on %d threads\n", r.Seconds, float64(r.Model.Episodes)/r.Seconds, r.Threads)
	return b.String()
}
