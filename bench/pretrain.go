package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/internal/procstat"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// PretrainCases are the shapes of the pretraining benchmark: Omniglot-like images with a
// 10-class classifier and miniImageNet-like images with one over its 64 base classes. Way is
// the classifier's class count (one attribute group); Shot and Query are unused.
var PretrainCases = []Case{
	{Name: "28×28×1 10 classes", C: 1, H: 28, W: 28, Way: 10},
	{Name: "84×84×3 64 classes", C: 3, H: 84, W: 84, Way: 64},
}

// PretrainResult is the measured rate of one pretraining case.
type PretrainResult struct {
	Case         Case
	Threads      int
	Batch, Steps int     // images per step; timed steps
	ImagesPerSec float64 // training images (forward, backward, optimiser step) per second
}

// TimePretrain times steps of model.Pretrainer.Step on case c at the given thread count,
// after warmupSteps untimed ones, and logs a line. The pretrainer is the one a run with
// c's configuration builds (spec.Default's [pretrain]: batch, optimiser, learning rate,
// momentum, weight decay) on the default Conv-4 backbone; the batches cycle through a bank of
// Gaussian images with uniformly drawn labels.
func TimePretrain(ctx context.Context, c Case, threads, steps int, log io.Writer) (r PretrainResult, err error) {
	p := c.config().Pretrain
	r = PretrainResult{Case: c, Batch: p.Batch, Steps: steps}
	err = withLearner(c, threads, func(l *model.Learner) error {
		pt, err := model.NewPretrainer(l.Model, []int{c.Way}, c.config().Train.Seed,
			model.PretrainOptim{Adam: p.Optimizer == arch.Adam, Momentum: p.Momentum, WeightDecay: p.WeightDecay}, p.RotationLoss)
		if err != nil {
			return err
		}
		defer pt.Free()
		bank := randomBatches(c, p.Batch, bankSize)
		step := func(i int) error {
			var s tensors.Scope
			defer s.Drop()
			b := bank[i%len(bank)]
			if loss, _, _ := pt.Step(&s, b.Pixels, int64(p.Batch), b.Labels, p.LR); math.IsNaN(loss) || math.IsInf(loss, 0) {
				return fmt.Errorf("bench pretrain %s: loss %v at step %d, so no backward pass was timed", c.Label(), loss, i+1)
			}
			return nil
		}
		for i := range warmupSteps {
			if err := step(i); err != nil {
				return err
			}
		}
		start := time.Now()
		for i := 0; i < steps && ctx.Err() == nil; i++ {
			if err := step(i); err != nil {
				return err
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.ImagesPerSec, r.Threads = float64(steps*p.Batch)/time.Since(start).Seconds(), tensors.Threads()
		fmt.Fprintf(log, "pretrain %-24s %d threads: %.1f images/s\n", c.Label(), r.Threads, r.ImagesPerSec)
		return nil
	})
	return r, err
}

// randomBatches makes n supervised batches of size images of case c's shape (Gaussian
// pixels) with labels drawn uniformly from c.Way classes, in one group.
func randomBatches(c Case, size, n int) []*sampling.Batch {
	rng := rand.New(rand.NewPCG(1, 2))
	bank := make([]*sampling.Batch, n)
	for b := range bank {
		batch := &sampling.Batch{Pixels: make([]float32, size*c.C*c.H*c.W), Labels: [][]int{make([]int, size)}}
		normals(rng, batch.Pixels)
		for i := range batch.Labels[0] {
			batch.Labels[0][i] = rng.IntN(c.Way)
		}
		bank[b] = batch
	}
	return bank
}

// PretrainOptions are the settings of RunPretrain, one field per flag of
// `relnet bench pretrain`; its errors name those flags.
type PretrainOptions struct {
	Cases         []int // 1-based indices into PretrainCases; none: all of them
	Threads       []int // libtorch thread counts to measure each case at
	Steps         int   // timed steps per measurement
	MemoryFormats []arch.MemoryFormat
	Repeats       int  // measurements of each setting, the order alternating between repeats
	JSON          bool // one JSON object per measurement instead of the table
}

// RunPretrain is `relnet bench pretrain`: opts.Repeats measurements (TimePretrain) of every
// selected case in every memory format at every thread count, in an order that alternates
// between repeats (fp32 only). It prints to stdout the table of medians and ranges of
// images/s, stamped with the CPU and date, or with opts.JSON a line per measurement with the
// process's peak RSS after it. Progress goes to log.
func RunPretrain(ctx context.Context, opts PretrainOptions, stdout, log io.Writer) error {
	cases, err := pick(PretrainCases, opts.Cases, "bench pretrain")
	if err != nil {
		return err
	}
	if opts.Steps < 1 || opts.Repeats < 1 {
		return fmt.Errorf("bench pretrain --steps %d --repeats %d: want at least 1 of each", opts.Steps, opts.Repeats)
	}
	out := json.NewEncoder(stdout)
	out.SetEscapeHTML(false)
	ms := &measurements[PretrainResult]{}
	err = alternate(opts.Repeats, opts.Threads, variantsOf(cases, []arch.Precision{arch.FP32}, opts.MemoryFormats), func(c Case, th int) error {
		r, err := TimePretrain(ctx, c, th, opts.Steps, log)
		if err != nil {
			return err
		}
		ms.add(c.setting(th), r)
		if !opts.JSON {
			return nil
		}
		return out.Encode(pretrainLine{Impl: "relnet", Case: c.Label(), Threads: r.Threads, Batch: r.Batch, Steps: r.Steps,
			ImagesPerSec: r.ImagesPerSec, PeakRSSMB: procstat.PeakRSSMB()})
	})
	if err != nil || opts.JSON {
		return err
	}
	writePretrainTable(stdout, opts, ms)
	return nil
}

// pretrainLine is one measurement of `relnet bench pretrain --json`; `bench/peer.py
// --pretrain` prints the same keys, and `bench/compare.py --pretrain` reads images_per_sec
// and peak_rss_mb.
type pretrainLine struct {
	Impl         string  `json:"impl"`
	Case         string  `json:"case"`
	Threads      int     `json:"threads"`
	Batch        int     `json:"batch"`
	Steps        int     `json:"steps"`
	ImagesPerSec float64 `json:"images_per_sec"`
	PeakRSSMB    float64 `json:"peak_rss_mb"` // the process's high-water mark so far (VmHWM)
}

// writePretrainTable prints the stamp and a row per setting: the median and range of its
// images/s.
func writePretrainTable(w io.Writer, opts PretrainOptions, ms *measurements[PretrainResult]) {
	p := spec.Default().Pretrain
	fmt.Fprintln(w, Stamp())
	fmt.Fprintf(w, "medians of %d measurements (their range); batches of %d, %d timed steps after %d untimed, optimiser %s\n\n",
		opts.Repeats, p.Batch, opts.Steps, warmupSteps, p.Optimizer)
	fmt.Fprintln(w, "| case | threads | images/s |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, k := range ms.order {
		rs := ms.runs[k]
		med, lo, hi := spread(rs, func(r PretrainResult) float64 { return r.ImagesPerSec })
		fmt.Fprintf(w, "| %s | %d | %.1f (%.1f–%.1f) |\n", rs[0].Case.Label(), rs[0].Threads, med, lo, hi)
	}
}
