// Package bench measures relnet's speed and memory on synthetic episodes, apart from any
// data set: training and evaluation episodes per second, resident memory and the C heap over
// a long training run, and the multiply-accumulates of one forward pass. `relnet bench` prints
// them; compare.py beside this file times the same network in PyTorch.
package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sugarme/gotch"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/build"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/heads"
	"github.com/relnet/relnet/internal/procstat"
	"github.com/relnet/relnet/internal/progress"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/model/checkpoint"
	"github.com/relnet/relnet/tensors"
)

// Case is one episode shape to time, in one precision and memory format (train.precision and
// train.memory_format); their zero values mean arch.FP32 and arch.ChannelsLast, the defaults.
type Case struct {
	Name             string
	C, H, W          int
	Way, Shot, Query int
	Precision        arch.Precision
	MemoryFormat     arch.MemoryFormat
}

// Label is the case's name followed by its precision when bf16 and its memory format when
// nchw, e.g. "28×28×1 5-way 1-shot 19 queries bf16 nchw".
func (c Case) Label() string {
	label := c.Name
	if c.Precision == arch.BF16 {
		label += " " + string(arch.BF16)
	}
	if c.MemoryFormat == arch.NCHW {
		label += " " + string(arch.NCHW)
	}
	return label
}

// Cases are the shapes docs/speed.md reports: Omniglot-like and miniImageNet-like.
var Cases = []Case{
	{Name: "28×28×1 5-way 1-shot 19 queries", C: 1, H: 28, W: 28, Way: 5, Shot: 1, Query: 19},
	{Name: "84×84×3 5-way 5-shot 10 queries", C: 3, H: 84, W: 84, Way: 5, Shot: 5, Query: 10},
}

// Result is the measured throughput of one case.
type Result struct {
	Case        Case
	Threads     int
	TrainPerSec float64 // training episodes (forward, backward, clipped Adam step) per second
	EvalPerSec  float64 // evaluation episodes (no-grad forward) per second
}

// MemoryResult is the resident set size during a long training run. RSS is read after every
// episode; the value at a mark is the median of the MemoryWindow readings up to it, because
// single readings jitter by about ±1% from one episode to the next.
type MemoryResult struct {
	Case          Case
	Episodes      []int64
	RSSMB         []float64 // median over the window ending at each mark
	LowMB, HighMB []float64 // the window's smallest and largest reading
	HeapMB        []float64 // C heap in use at each mark (tensors.HeapInUseMB)
}

// MemoryWindow is the number of per-episode RSS readings summarised at each mark.
const MemoryWindow = 100

// Growth is the relative change of the median RSS from the first mark to the last.
func (m *MemoryResult) Growth() float64 {
	if len(m.RSSMB) < 2 {
		return 0
	}
	return m.RSSMB[len(m.RSSMB)-1]/m.RSSMB[0] - 1
}

// randomEpisodes makes a bank of n synthetic episodes (Gaussian pixels) of one case's shape,
// so that the benchmark times the network, not a dataset.
func randomEpisodes(c Case, n int) []*sampling.Episode {
	rng := rand.New(rand.NewPCG(1, 2))
	size := c.C * c.H * c.W
	bank := make([]*sampling.Episode, n)
	for e := range bank {
		ep := &sampling.Episode{Spec: sampling.EpisodeSpec{Way: c.Way, Shot: c.Shot, Query: c.Query},
			Channels: c.C, Height: c.H, Width: c.W,
			Support: make([]float32, c.Way*c.Shot*size), Query: make([]float32, c.Way*c.Query*size),
			QueryLabels: make([]int, c.Way*c.Query)}
		normals(rng, ep.Support)
		normals(rng, ep.Query)
		for i := range ep.QueryLabels {
			ep.QueryLabels[i] = i / c.Query
		}
		bank[e] = ep
	}
	return bank
}

// normals fills dst with standard Gaussian numbers from rng.
func normals(rng *rand.Rand, dst []float32) {
	for i := range dst {
		dst[i] = float32(rng.NormFloat64())
	}
}

// warmupSteps are the untimed training steps before the timed ones, of every timing here and
// of bench/peer.py.
const warmupSteps = 5

// bankSize is the number of synthetic episodes or batches a timing cycles through.
const bankSize = 8

// trainStep runs one training episode of a single-group learner.
func trainStep(l *model.Learner, ep *sampling.Episode, i int64) {
	var s tensors.Scope
	defer s.Drop()
	l.Step(&s, []*sampling.Episode{ep}, nil, i)
}

// config is the run configuration case c stands for: the defaults (train.seed 1), evaluated
// at c.Shot shots, in c's precision and memory format when it names them.
func (c Case) config() spec.Config {
	cfg := spec.Default()
	cfg.Eval.Shot = c.Shot
	cfg.Train.Precision = cmp.Or(c.Precision, cfg.Train.Precision)
	cfg.Train.MemoryFormat = cmp.Or(c.MemoryFormat, cfg.Train.MemoryFormat)
	return cfg
}

// record is what a checkpoint of case c records of its data: the image shape and one group
// of c.Way classes (no normalisation).
func (c Case) record() checkpoint.Model {
	return checkpoint.Model{Channels: c.C, Height: c.H, Width: c.W, Groups: []string{"class"}, Classes: []int{c.Way}}
}

// newLearner is the learner of case c's configuration, built as a run's is.
func newLearner(c Case) (*model.Learner, error) { return build.Learner(c.config(), c.record()) }

func (c Case) shape() layers.Shape {
	return layers.Shape{C: int64(c.C), H: int64(c.H), W: int64(c.W)}
}

// withLearner runs fn on the tensor goroutine, with libtorch on threads intra-op threads
// (0 = all cores) in case c's memory format and a fresh newLearner for c that is freed
// afterwards.
func withLearner(c Case, threads int, fn func(l *model.Learner) error) error {
	return tensors.Run(func() error {
		opts := build.Tensors(c.config())
		opts.Threads = threads
		if err := tensors.Setup(opts); err != nil {
			return err
		}
		l, err := newLearner(c)
		if err != nil {
			return err
		}
		defer l.Free()
		return fn(l)
	})
}

// ForwardMACs counts the multiply-accumulates of the convolutions and linear layers in one
// forward pass over an episode of case c, as relnet runs it, and with the relation module's
// first convolution on the concatenated (class, query) pairs instead, as in the paper's code.
func ForwardMACs(c Case) (asRun, concatenated int64, err error) {
	err = withLearner(c, 0, func(l *model.Learner) error {
		defer tensors.SetGrad(tensors.SetGrad(false))
		var s tensors.Scope
		defer s.Drop()
		ep := randomEpisodes(c, 1)
		asRun = layers.CountMACs(func() { l.Model.Forward(&s, ep, layers.Eval) })
		split, concat := l.Model.Heads[0].(*heads.Relation).FirstConvMACs(int64(c.Way), int64(c.Way*c.Query))
		concatenated = asRun - split + concat
		return nil
	})
	return asRun, concatenated, err
}

// Time times training and evaluation episodes for each case at the given thread count
// (after warm-up episodes that are not timed), logging a line per case. Evaluation scores
// evalBatch episodes per backbone call, as runs do with eval.batch.
func Time(ctx context.Context, cases []Case, threads, trainEpisodes, evalEpisodes, evalBatch int, log io.Writer) ([]Result, error) {
	var out []Result
	for _, c := range cases {
		err := withLearner(c, threads, func(l *model.Learner) error {
			bank := randomEpisodes(c, max(bankSize, evalBatch))
			for i := 0; i < warmupSteps; i++ {
				trainStep(l, bank[i%len(bank)], int64(i))
			}
			l.Model.RightQueries(0, bank[:evalBatch], layers.Eval)
			start := time.Now()
			for i := 0; i < trainEpisodes && ctx.Err() == nil; i++ {
				trainStep(l, bank[i%len(bank)], int64(i))
			}
			train := float64(trainEpisodes) / time.Since(start).Seconds()
			start = time.Now()
			scored := 0
			for scored < evalEpisodes && ctx.Err() == nil {
				n := min(evalBatch, evalEpisodes-scored)
				l.Model.RightQueries(0, bank[:n], layers.Eval)
				scored += n
			}
			eval := float64(evalEpisodes) / time.Since(start).Seconds()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r := Result{Case: c, Threads: tensors.Threads(), TrainPerSec: train, EvalPerSec: eval}
			fmt.Fprintf(log, "%-39s %d threads: train %.2f episodes/s, eval %.2f episodes/s\n", c.Label(), r.Threads, train, eval)
			out = append(out, r)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Memory trains one case for the last of marks episodes and records RSS at each mark.
func Memory(ctx context.Context, c Case, threads int, marks []int64, log io.Writer) (*MemoryResult, error) {
	for i, m := range marks {
		if m < 1 || i > 0 && m <= marks[i-1] {
			return nil, fmt.Errorf("memory marks %v: want increasing episode numbers ≥ 1", marks)
		}
	}
	res := &MemoryResult{Case: c}
	err := withLearner(c, threads, func(l *model.Learner) error {
		bank := randomEpisodes(c, bankSize)
		last := marks[len(marks)-1]
		bar := progress.New(log, "memory", 0, last)
		next := 0
		window := make([]float64, 0, MemoryWindow)
		for i := int64(0); i < last; i++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			trainStep(l, bank[i%int64(len(bank))], i)
			rss, heap := procstat.RSSMB(), tensors.HeapInUseMB()
			if len(window) == MemoryWindow {
				window = window[1:]
			}
			window = append(window, rss)
			if i+1 == marks[next] {
				sorted := slices.Sorted(slices.Values(window))
				res.Episodes = append(res.Episodes, i+1)
				res.RSSMB = append(res.RSSMB, sorted[len(sorted)/2])
				res.LowMB = append(res.LowMB, sorted[0])
				res.HighMB = append(res.HighMB, sorted[len(sorted)-1])
				res.HeapMB = append(res.HeapMB, heap)
				next++
			}
			bar.Update(i+1, fmt.Sprintf("RSS %.1f MB, C heap %.2f MB", rss, heap))
		}
		return nil
	})
	return res, err
}

// PeakGFLOPS measures the machine's attainable fp32 rate on threads libtorch threads: the
// best of five 2048×2048 matrix products, 2·2048³ floating-point operations each.
func PeakGFLOPS(threads int) (gflops float64, err error) {
	err = tensors.Run(func() error {
		if err := tensors.Setup(tensors.Options{Threads: threads}); err != nil {
			return err
		}
		defer tensors.SetGrad(tensors.SetGrad(false))
		const n = 2048
		rng := rand.New(rand.NewPCG(1, 2))
		data := make([]float32, n*n)
		for i := range data {
			data[i] = float32(rng.NormFloat64())
		}
		var s tensors.Scope
		defer s.Drop()
		a := s.Float32(data, n, n)
		best := math.Inf(1)
		for range 6 { // the first is a warm-up
			start := time.Now()
			var p tensors.Scope
			tensors.Values(p.T(p.T(a.Matmul(a, false)).Sum(gotch.Float, false)))
			p.Drop()
			best = math.Min(best, time.Since(start).Seconds())
		}
		gflops = 2 * n * n * n / best / 1e9
		return nil
	})
	return gflops, err
}
