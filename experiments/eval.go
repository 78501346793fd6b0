package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// EvalResult is the content of eval.json: per attribute group, the model and the pixel
// nearest-centroid floor on the same fixed bank of test episodes, with per-episode accuracies
// for paired comparisons.
type EvalResult struct {
	Experiment string        `json:"experiment"`
	Checkpoint string        `json:"checkpoint"`
	Split      string        `json:"split"`
	Way        int           `json:"way"`
	Shot       int           `json:"shot"`
	Query      int           `json:"query"`
	Seed       uint64        `json:"seed"` // test-episode bank
	BN         string        `json:"bn"`
	Groups     []GroupResult `json:"groups"`
	Joint      *GroupResult  `json:"joint,omitempty"` // with several groups: all of them right, on shared queries
	Seconds    float64       `json:"seconds"`
	Trained    int64         `json:"trained_episodes"`
	Threads    int           `json:"threads"`
}

// GroupResult is one attribute group's test evaluation.
type GroupResult struct {
	Group      string   `json:"group"`
	Model      Accuracy `json:"model"`
	PixelFloor Accuracy `json:"pixel_floor"`
	Gain       Summary  `json:"gain_over_floor"` // paired: model − floor, episode by episode
}

// Accuracy is a summary plus the per-episode values it came from.
type Accuracy struct {
	Summary
	PerEpisode []float64 `json:"per_episode"`
}

// Evaluate scores the checkpoint (best.ckpt of the run when empty) on cfg's test banks,
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
		l, err := newLearner(cfg, d)
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
		bar := newProgress(log, "eval", 0, n*int64(len(d.groups)))
		mode := bnMode(cfg.Eval.BN)
		for g, name := range d.groups {
			r := GroupResult{Group: name}
			for ep := range d.test[g].Stream(ctx, 0, n, cfg.Train.Workers, cfg.Train.Prefetch) {
				r.Model.PerEpisode = append(r.Model.PerEpisode, episodeAccuracy(l.model, g, ep, mode))
				r.PixelFloor.PerEpisode = append(r.PixelFloor.PerEpisode, pixelFloor(ep))
				bar.update(int64(g)*n+int64(len(r.Model.PerEpisode)), name)
			}
			if int64(len(r.Model.PerEpisode)) < n {
				return fmt.Errorf("%w during evaluation after %d of %d episodes of %s; nothing written", ErrInterrupted, len(r.Model.PerEpisode), n, name)
			}
			r.Model.Summary = Summarize(r.Model.PerEpisode)
			r.PixelFloor.Summary = Summarize(r.PixelFloor.PerEpisode)
			r.Gain = pairedDifference(r.Model.PerEpisode, r.PixelFloor.PerEpisode)
			res.Groups = append(res.Groups, r)
		}
		if len(d.groups) > 1 {
			joint, err := evaluateJoint(ctx, l.model, d, n, mode)
			if err != nil {
				return err
			}
			res.Joint = joint
		}
		res.Seconds = time.Since(start).Seconds()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, EvalFile), res); err != nil {
		return nil, err
	}
	return res, nil
}

// evaluateJoint scores n joint test episodes (datasets.JointEpisodes): a query counts as
// right when every group's head classifies it right. Episodes without a joint query are
// skipped.
func evaluateJoint(ctx context.Context, m *model.Model, d *data, n int64, mode layers.Mode) (*GroupResult, error) {
	r := &GroupResult{Group: JointGroup}
	for i := int64(0); i < n; i++ {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w during the joint evaluation; nothing written", ErrInterrupted)
		}
		eps, ok := datasets.JointEpisodes(d.test, i)
		if !ok {
			continue
		}
		modelRight := make([]bool, len(eps[0].QueryLabels))
		floorRight := make([]bool, len(modelRight))
		for q := range modelRight {
			modelRight[q], floorRight[q] = true, true
		}
		for g, ep := range eps {
			for q, ok := range queryCorrect(m, g, ep, mode) {
				modelRight[q] = modelRight[q] && ok
			}
			for q, ok := range pixelFloorCorrect(ep) {
				floorRight[q] = floorRight[q] && ok
			}
		}
		r.Model.PerEpisode = append(r.Model.PerEpisode, fraction(modelRight))
		r.PixelFloor.PerEpisode = append(r.PixelFloor.PerEpisode, fraction(floorRight))
	}
	r.Model.Summary = Summarize(r.Model.PerEpisode)
	r.PixelFloor.Summary = Summarize(r.PixelFloor.PerEpisode)
	r.Gain = pairedDifference(r.Model.PerEpisode, r.PixelFloor.PerEpisode)
	return r, nil
}

// JointGroup names the joint accuracy (every group right) in results and reports.
const JointGroup = "joint"

// Scored lists a result's groups, then its joint accuracy when it has one.
func (r *EvalResult) Scored() []GroupResult {
	if r.Joint == nil {
		return r.Groups
	}
	return append(slices.Clone(r.Groups), *r.Joint)
}

// sameModel reports whether two resolved configs build the same network (so a checkpoint of
// one loads into the other even if, say, the evaluation settings differ).
func sameModel(a, b string) bool {
	ca, err1 := Parse("checkpoint", []byte(a))
	cb, err2 := Parse("config", []byte(b))
	return err1 == nil && err2 == nil && ca.Backbone == cb.Backbone && ca.Heads == cb.Heads
}

// String is the report printed after evaluation.
func (r *EvalResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d-way %d-shot, %d test episodes × %d queries/class (seed %d), %s split, BN %s, model trained %d episodes\n",
		r.Way, r.Shot, len(r.Groups[0].Model.PerEpisode), r.Query, r.Seed, r.Split, r.BN, r.Trained)
	for _, g := range r.Scored() {
		if len(r.Groups) > 1 {
			fmt.Fprintf(&b, " %s:\n", g.Group)
		}
		fmt.Fprintf(&b, "  model                     %6.2f ± %.2f%%\n", 100*g.Model.Mean, 100*g.Model.CI95)
		fmt.Fprintf(&b, "  pixel nearest-centroid    %6.2f ± %.2f%%  (no learning: the floor)\n", 100*g.PixelFloor.Mean, 100*g.PixelFloor.CI95)
		fmt.Fprintf(&b, "  gain over the floor       %+6.2f ± %.2f points (paired, same episodes)\n", 100*g.Gain.Mean, 100*g.Gain.CI95)
	}
	episodes := 0
	for _, g := range r.Groups {
		episodes += g.Model.Episodes
	}
	fmt.Fprintf(&b, "  %.1f s, %.1f episodes/s on %d threads\n", r.Seconds, float64(episodes)/r.Seconds, r.Threads)
	return b.String()
}

// ReadEvalResult reads an eval.json.
func ReadEvalResult(path string) (*EvalResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r EvalResult
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// Paired compares two evaluations on the same test bank, group by group: the summary of the
// per-episode differences a − b. It refuses banks that differ.
func Paired(a, b *EvalResult) (map[string]Summary, error) {
	if a.Seed != b.Seed || a.Way != b.Way || a.Shot != b.Shot || a.Query != b.Query || len(a.Groups) != len(b.Groups) {
		return nil, fmt.Errorf("%s and %s were not evaluated on the same test episodes", a.Experiment, b.Experiment)
	}
	out := map[string]Summary{}
	sa, sb := a.Scored(), b.Scored()
	if len(sa) != len(sb) {
		return nil, fmt.Errorf("%s and %s differ in their joint accuracy; re-run `relnet eval` on the older one", a.Experiment, b.Experiment)
	}
	for i, ga := range sa {
		gb := sb[i]
		if ga.Group != gb.Group || len(ga.Model.PerEpisode) != len(gb.Model.PerEpisode) {
			return nil, fmt.Errorf("%s and %s differ in group %d (%s vs %s)", a.Experiment, b.Experiment, i, ga.Group, gb.Group)
		}
		out[ga.Group] = pairedDifference(ga.Model.PerEpisode, gb.Model.PerEpisode)
	}
	return out, nil
}

// pairedDifference summarises a[i] − b[i] over episodes scored on the same bank.
func pairedDifference(a, b []float64) Summary {
	diff := make([]float64, len(a))
	for i := range diff {
		diff[i] = a[i] - b[i]
	}
	return Summarize(diff)
}
