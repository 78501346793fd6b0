package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/internal/cpu"
	"github.com/relnet/relnet/internal/procstat"
)

// Options are the settings of a Run, one field per flag of `relnet bench`; the errors of a
// Run about them name those flags.
type Options struct {
	Cases         []int // 1-based indices into Cases to time; none: all of them
	Threads       []int // libtorch thread counts to measure each case at
	TrainEpisodes int   // timed training episodes per case
	EvalEpisodes  int   // timed evaluation episodes per case
	EvalBatch     int   // evaluation episodes per backbone call (eval.batch), at least 1

	Memory   bool    // first train Cases[0] and read RSS at the MemoryAt episodes
	MemoryAt []int64 // increasing episode numbers; none: no memory run

	Precisions    []arch.Precision    // each case is timed in each of them...
	MemoryFormats []arch.MemoryFormat // ... and each of these
	Repeats       int                 // measurements of each setting, the order alternating between repeats
	JSON          bool                // one JSON object per line instead of the tables
}

// Run is `relnet bench`: the memory run first (when asked for, in a fresh process heap, so
// RSS reflects it alone), then opts.Repeats measurements of every case in every precision
// and memory format at every thread count, one case at a time, in an order that alternates
// between repeats. It prints to stdout either the tables (medians and ranges, GFLOP/s against
// the measured peak, the bf16/fp32 and channels_last/nchw ratios, multiply-accumulates per
// forward pass) or, with opts.JSON, a JSON object per memory run and per measurement, with the
// process's peak RSS after it. Progress and a line per measurement go to log.
func Run(ctx context.Context, opts Options, stdout, log io.Writer) error {
	cases, variants, err := opts.plan()
	if err != nil {
		return err
	}
	out := json.NewEncoder(stdout)
	out.SetEscapeHTML(false)
	if !opts.JSON {
		fmt.Fprintln(stdout, Stamp())
	}
	if opts.Memory && len(opts.MemoryAt) > 0 {
		if err := opts.memory(ctx, stdout, out, log); err != nil {
			return err
		}
	}
	ms, err := opts.measure(ctx, variants, out, log)
	if err != nil || opts.JSON {
		return err
	}
	return opts.writeTables(stdout, cases, ms)
}

// plan checks opts and returns the cases it selects and their variants: each case in each
// precision and memory format, precisions outermost.
func (opts Options) plan() (cases, variants []Case, err error) {
	if cases, err = pick(Cases, opts.Cases, "bench"); err != nil {
		return nil, nil, err
	}
	if opts.EvalBatch < 1 {
		return nil, nil, fmt.Errorf("bench --eval-batch %d: want at least 1", opts.EvalBatch)
	}
	if opts.Repeats < 1 {
		return nil, nil, fmt.Errorf("bench --repeats %d: want at least 1", opts.Repeats)
	}
	return cases, variantsOf(cases, opts.Precisions, opts.MemoryFormats), nil
}

// pick returns the cases of all at the 1-based indices (none: all of them); its error names
// the --case flag of command.
func pick(all []Case, indices []int, command string) ([]Case, error) {
	if len(indices) == 0 {
		return slices.Clone(all), nil
	}
	var cases []Case
	for _, i := range indices {
		if i < 1 || i > len(all) {
			return nil, fmt.Errorf("%s --case %d: want 1 to %d", command, i, len(all))
		}
		cases = append(cases, all[i-1])
	}
	return cases, nil
}

// variantsOf is each of cases in each of precisions and memory formats, precisions outermost.
func variantsOf(cases []Case, precisions []arch.Precision, formats []arch.MemoryFormat) (variants []Case) {
	for _, c := range cases {
		for _, p := range precisions {
			for _, f := range formats {
				c.Precision, c.MemoryFormat = p, f
				variants = append(variants, c)
			}
		}
	}
	return variants
}

// memory runs Memory on Cases[0] with all cores and prints its result: a JSON object on out,
// or lines on stdout.
func (opts Options) memory(ctx context.Context, stdout io.Writer, out *json.Encoder, log io.Writer) error {
	m, err := Memory(ctx, Cases[0], 0, opts.MemoryAt, log)
	if err != nil {
		return err
	}
	if opts.JSON {
		return out.Encode(map[string]any{"impl": "relnet", "memory": m.Case.Name, "episodes": m.Episodes,
			"rss_mb": m.RSSMB, "rss_low_mb": m.LowMB, "rss_high_mb": m.HighMB, "heap_mb": m.HeapMB, "growth": m.Growth()})
	}
	fmt.Fprintf(stdout, "RSS while training %s (median of the %d episodes up to each, and their range):\n", m.Case.Name, MemoryWindow)
	for i, e := range m.Episodes {
		fmt.Fprintf(stdout, "  episode %6d: %.1f MB (%.1f–%.1f); C heap in use %.2f MB\n", e, m.RSSMB[i], m.LowMB[i], m.HighMB[i], m.HeapMB[i])
	}
	fmt.Fprintf(stdout, "  growth from episode %d to %d: %+.2f%%\n\n", m.Episodes[0], m.Episodes[len(m.Episodes)-1], 100*m.Growth())
	return nil
}

// setting identifies the measurements of one variant at one thread count.
type setting struct {
	name      string
	precision arch.Precision
	format    arch.MemoryFormat
	threads   int
}

// measurements are a Run's results per setting, the settings in the order first measured.
type measurements[R any] struct {
	order []setting
	runs  map[setting][]R
}

func (ms *measurements[R]) add(k setting, r R) {
	if ms.runs == nil {
		ms.runs = map[setting][]R{}
	}
	if ms.runs[k] == nil {
		ms.order = append(ms.order, k)
	}
	ms.runs[k] = append(ms.runs[k], r)
}

// alternate calls measure for every variant at every thread count, repeats times, one variant
// at a time, the variants' order reversed in every second repeat so that slow drift of the
// machine's load hits them alike.
func alternate(repeats int, threads []int, variants []Case, measure func(c Case, threads int) error) error {
	for rep := range repeats {
		for _, th := range threads {
			for i := range variants {
				c := variants[i]
				if rep%2 == 1 {
					c = variants[len(variants)-1-i]
				}
				if err := measure(c, th); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// measure times every variant at every thread count, opts.Repeats times (alternate), one
// variant at a time so that each JSON line (written to out with opts.JSON) has its own peak RSS.
func (opts Options) measure(ctx context.Context, variants []Case, out *json.Encoder, log io.Writer) (*measurements[Result], error) {
	ms := &measurements[Result]{}
	err := alternate(opts.Repeats, opts.Threads, variants, func(c Case, th int) error {
		r, err := Time(ctx, []Case{c}, th, opts.TrainEpisodes, opts.EvalEpisodes, opts.EvalBatch, log)
		if err != nil {
			return err
		}
		if opts.JSON {
			if err := out.Encode(opts.line(r[0])); err != nil {
				return err
			}
		}
		ms.add(c.setting(th), r[0])
		return nil
	})
	return ms, err
}

// setting is the key of c's measurements at threads.
func (c Case) setting(threads int) setting {
	return setting{c.Name, c.Precision, c.MemoryFormat, threads}
}

// timeLine is one measurement of `relnet bench --json`; bench/peer.py prints the same keys,
// and bench/compare.py reads train_eps, eval_eps and peak_rss_mb.
type timeLine struct {
	Impl          string  `json:"impl"`
	Case          string  `json:"case"`
	Threads       int     `json:"threads"`
	TrainEpisodes int     `json:"train_episodes"`
	EvalEpisodes  int     `json:"eval_episodes"`
	TrainPerSec   float64 `json:"train_eps"`
	EvalPerSec    float64 `json:"eval_eps"`
	PeakRSSMB     float64 `json:"peak_rss_mb"` // the process's high-water mark so far (VmHWM)
}

func (opts Options) line(r Result) timeLine {
	return timeLine{Impl: "relnet", Case: r.Case.Label(), Threads: r.Threads,
		TrainEpisodes: opts.TrainEpisodes, EvalEpisodes: opts.EvalEpisodes,
		TrainPerSec: r.TrainPerSec, EvalPerSec: r.EvalPerSec, PeakRSSMB: procstat.PeakRSSMB()}
}

// writeTables prints the speed table with its ratio lines, the peak rates and the table of
// multiply-accumulates of the cases.
func (opts Options) writeTables(w io.Writer, cases []Case, ms *measurements[Result]) error {
	macs, concat := map[string]int64{}, make([]int64, len(cases))
	for i, c := range cases {
		asRun, cat, err := ForwardMACs(c)
		if err != nil {
			return err
		}
		macs[c.Name], concat[i] = asRun, cat
	}
	peak := map[int]float64{}
	for _, th := range opts.Threads {
		p, err := PeakGFLOPS(th)
		if err != nil {
			return err
		}
		peak[th] = p
	}
	fmt.Fprintf(w, "medians of %d measurements (their range)\n\n", opts.Repeats)
	writeRatios(w, ms, writeSpeeds(w, ms, macs, peak))
	fmt.Fprintf(w, "\n(%%) is the share of the measured fp32 peak: the best 2048×2048 fp32 matrix product,")
	for _, th := range opts.Threads {
		fmt.Fprintf(w, " %.0f GFLOP/s on %d threads", peak[th], th)
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintln(w, "\n| episode shape | forward multiply-accumulates | with concatenated pairs | ratio |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for i, c := range cases {
		fmt.Fprintf(w, "| %s | %.0f M | %.0f M | %.2f× |\n", c.Name, float64(macs[c.Name])/1e6, float64(concat[i])/1e6, float64(concat[i])/float64(macs[c.Name]))
	}
	return nil
}

// writeSpeeds prints a row per setting: the median and range of its rates, and its GFLOP/s as
// a share of peak. It returns the medians of the training and evaluation rates.
func writeSpeeds(w io.Writer, ms *measurements[Result], macs map[string]int64, peak map[int]float64) map[setting][2]float64 {
	fmt.Fprintln(w, "| episode shape | threads | train episodes/s | eval episodes/s | train GFLOP/s | eval GFLOP/s |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	median := map[setting][2]float64{}
	for _, k := range ms.order {
		rs := ms.runs[k]
		train, trainLo, trainHi := spread(rs, func(r Result) float64 { return r.TrainPerSec })
		eval, evalLo, evalHi := spread(rs, func(r Result) float64 { return r.EvalPerSec })
		median[k] = [2]float64{train, eval}
		// An episode's forward pass is macs multiply-accumulates, 2 FLOP each; training adds
		// the backward pass, counted as twice the forward (input and weight gradients).
		fwd := 2 * float64(macs[rs[0].Case.Name]) / 1e9
		p := peak[k.threads]
		fmt.Fprintf(w, "| %s | %d | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.1f (%.0f%%) | %.1f (%.0f%%) |\n", rs[0].Case.Label(), rs[0].Threads,
			train, trainLo, trainHi, eval, evalLo, evalHi, 3*fwd*train, 100*3*fwd*train/p, fwd*eval, 100*fwd*eval/p)
	}
	return median
}

// ratioLine is the line of a speed-up: the kind measured, the one it is measured against, what
// the two settings share, the thread count and the ratios of the training and evaluation medians.
const ratioLine = "%s/%s, %s, %d threads: training %.2f×, evaluation %.2f× (ratio of medians)\n"

// writeRatios prints, for each bf16 setting measured in fp32 too, its speed-up over fp32, and
// for each channels_last setting measured in nchw too, its speed-up over nchw.
func writeRatios(w io.Writer, ms *measurements[Result], median map[setting][2]float64) {
	for _, k := range ms.order {
		m, fp32, nchw := median[k], k, k
		fp32.precision, nchw.format = arch.FP32, arch.NCHW
		if b, ok := median[fp32]; ok && k.precision == arch.BF16 {
			shared := Case{Name: k.name, MemoryFormat: k.format}
			fmt.Fprintf(w, ratioLine, k.precision, fp32.precision, shared.Label(), k.threads, m[0]/b[0], m[1]/b[1])
		}
		if b, ok := median[nchw]; ok && k.format == arch.ChannelsLast {
			shared := Case{Name: k.name, Precision: k.precision}
			fmt.Fprintf(w, ratioLine, k.format, nchw.format, shared.Label(), k.threads, m[0]/b[0], m[1]/b[1])
		}
	}
}

// spread is the median, smallest and largest of f over rs.
func spread[R any](rs []R, f func(R) float64) (median, lo, hi float64) {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	n := len(v)
	return (v[(n-1)/2] + v[n/2]) / 2, v[0], v[n-1]
}

// Stamp names the machine and the day of a measurement, for the tables' first line: the
// CPU's model and the flags that decide relnet's speed, and the date.
func Stamp() string {
	return fmt.Sprintf("measured on %s, %s", cpu.This().Summary(), time.Now().Format(time.DateOnly))
}
