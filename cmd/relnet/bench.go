package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/bench"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/internal/procstat"
)

var benchCommand = &cli.Command{
	Name:        "bench",
	Usage:       "measure memory during a long training run, then training and evaluation episodes/s, on synthetic episodes",
	Subcommands: []*cli.Command{benchPredictCommand},
	Flags: []cli.Flag{
		&cli.IntSliceFlag{Name: "threads", Value: cli.NewIntSlice(1, 2), Usage: "libtorch thread counts to measure"},
		&cli.IntSliceFlag{Name: "case", Usage: "cases to time (default all): 1 = " + bench.BenchCases[0].Name + ", 2 = " + bench.BenchCases[1].Name},
		&cli.IntFlag{Name: "train-episodes", Value: 100, Usage: "timed training episodes per case"},
		&cli.IntFlag{Name: "eval-episodes", Value: 200, Usage: "timed evaluation episodes per case"},
		&cli.IntFlag{Name: "eval-batch", Value: spec.Default().Eval.Batch, Usage: "evaluation episodes per backbone call (eval.batch); 1 scores them one at a time"},
		&cli.BoolFlag{Name: "memory", Value: true, Usage: "first train the 28×28 case and read RSS at the --memory-at episodes"},
		&cli.Int64SliceFlag{Name: "memory-at", Value: cli.NewInt64Slice(1000, 5000), Usage: "training episodes at which to read RSS (increasing)"},
		&cli.StringSliceFlag{Name: "precision", Value: cli.NewStringSlice("fp32"), Usage: "fp32 and/or bf16 (train.precision); with both, the table gives bf16's speed-up"},
		&cli.StringSliceFlag{Name: "memory-format", Value: cli.NewStringSlice(string(spec.Default().Train.MemoryFormat)), Usage: "channels_last and/or nchw (train.memory_format); with both, the table gives channels_last's speed-up"},
		&cli.IntFlag{Name: "repeats", Value: 1, Usage: "times to measure each case, settings alternating; the table gives medians and ranges"},
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object per line instead of the table, with the process's peak RSS after each case"},
	},
	Action: func(c *cli.Context) error {
		cases := slices.Clone(bench.BenchCases)
		if picks := c.IntSlice("case"); len(picks) > 0 {
			cases = nil
			for _, i := range picks {
				if i < 1 || i > len(bench.BenchCases) {
					return fmt.Errorf("bench --case %d: want 1 to %d", i, len(bench.BenchCases))
				}
				cases = append(cases, bench.BenchCases[i-1])
			}
		}
		if c.Int("eval-batch") < 1 {
			return fmt.Errorf("bench --eval-batch %d: want at least 1", c.Int("eval-batch"))
		}
		var variants []bench.BenchCase // each case in each precision and memory format
		for _, bc := range cases {
			for _, p := range c.StringSlice("precision") {
				if p != "fp32" && p != "bf16" {
					return fmt.Errorf("bench --precision %q: want fp32 or bf16", p)
				}
				for _, f := range c.StringSlice("memory-format") {
					if f != string(spec.ChannelsLast) && f != string(spec.NCHW) {
						return fmt.Errorf("bench --memory-format %q: want %s or %s", f, spec.ChannelsLast, spec.NCHW)
					}
					bc.BF16, bc.NCHW = p == "bf16", f == string(spec.NCHW)
					variants = append(variants, bc)
				}
			}
		}
		if c.Int("repeats") < 1 {
			return fmt.Errorf("bench --repeats %d: want at least 1", c.Int("repeats"))
		}
		asJSON := c.Bool("json")
		out := json.NewEncoder(os.Stdout)
		out.SetEscapeHTML(false)
		// Memory first, in a fresh process heap: RSS then reflects this run alone.
		if marks := c.Int64Slice("memory-at"); c.Bool("memory") && len(marks) > 0 {
			m, err := bench.BenchMemory(c.Context, bench.BenchCases[0], 0, marks, os.Stderr)
			if err != nil {
				return err
			}
			if asJSON {
				if err := out.Encode(map[string]any{"impl": "relnet", "memory": m.Case.Name, "episodes": m.Episodes,
					"rss_mb": m.RSSMB, "rss_low_mb": m.LowMB, "rss_high_mb": m.HighMB, "heap_mb": m.HeapMB, "growth": m.Growth()}); err != nil {
					return err
				}
			} else {
				fmt.Printf("RSS while training %s (median of the %d episodes up to each, and their range):\n", m.Case.Name, bench.MemoryWindow)
				for i, e := range m.Episodes {
					fmt.Printf("  episode %6d: %.1f MB (%.1f–%.1f); C heap in use %.2f MB\n", e, m.RSSMB[i], m.LowMB[i], m.HighMB[i], m.HeapMB[i])
				}
				fmt.Printf("  growth from episode %d to %d: %+.2f%%\n\n", m.Episodes[0], m.Episodes[len(m.Episodes)-1], 100*m.Growth())
			}
		}
		type key struct {
			name       string
			bf16, nchw bool
			threads    int
		}
		runs := map[key][]bench.BenchResult{}
		var order []key
		for rep := range c.Int("repeats") {
			for _, th := range c.IntSlice("threads") {
				for i := range variants { // one at a time, so that each JSON line has its peak RSS
					bc := variants[i]
					if rep%2 == 1 { // alternate the order of the settings between repeats
						bc = variants[len(variants)-1-i]
					}
					r, err := bench.Bench(c.Context, []bench.BenchCase{bc}, th, c.Int("train-episodes"), c.Int("eval-episodes"), c.Int("eval-batch"), os.Stderr)
					if err != nil {
						return err
					}
					if asJSON {
						if err := out.Encode(benchLine{Impl: "relnet", Case: bc.Label(), Threads: r[0].Threads,
							TrainEpisodes: c.Int("train-episodes"), EvalEpisodes: c.Int("eval-episodes"),
							TrainPerSec: r[0].TrainPerSec, EvalPerSec: r[0].EvalPerSec, PeakRSSMB: procstat.PeakRSSMB()}); err != nil {
							return err
						}
					}
					k := key{bc.Name, bc.BF16, bc.NCHW, th}
					if runs[k] == nil {
						order = append(order, k)
					}
					runs[k] = append(runs[k], r[0])
				}
			}
		}
		if asJSON {
			return nil
		}
		macs := map[string]int64{}
		var concat []int64
		for _, bc := range cases {
			asRun, cat, err := bench.ForwardMACs(bc)
			if err != nil {
				return err
			}
			macs[bc.Name], concat = asRun, append(concat, cat)
		}
		peak := map[int]float64{}
		for _, th := range c.IntSlice("threads") {
			p, err := bench.PeakGFLOPS(th)
			if err != nil {
				return err
			}
			peak[th] = p
		}
		fmt.Printf("medians of %d measurements (their range)\n\n", c.Int("repeats"))
		fmt.Println("| episode shape | threads | train episodes/s | eval episodes/s | train GFLOP/s | eval GFLOP/s |")
		fmt.Println("|---|---|---|---|---|---|")
		median := map[key][2]float64{}
		for _, k := range order {
			rs := runs[k]
			train, trainLo, trainHi := spread(rs, func(r bench.BenchResult) float64 { return r.TrainPerSec })
			eval, evalLo, evalHi := spread(rs, func(r bench.BenchResult) float64 { return r.EvalPerSec })
			median[k] = [2]float64{train, eval}
			// An episode's forward pass is macs multiply-accumulates, 2 FLOP each; training adds
			// the backward pass, counted as twice the forward (input and weight gradients).
			fwd := 2 * float64(macs[rs[0].Case.Name]) / 1e9
			p := peak[k.threads]
			fmt.Printf("| %s | %d | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.1f (%.0f%%) | %.1f (%.0f%%) |\n", rs[0].Case.Label(), rs[0].Threads,
				train, trainLo, trainHi, eval, evalLo, evalHi, 3*fwd*train, 100*3*fwd*train/p, fwd*eval, 100*fwd*eval/p)
		}
		for _, k := range order {
			if fp32, ok := median[key{k.name, false, k.nchw, k.threads}]; ok && k.bf16 {
				fmt.Printf("bf16/fp32, %s, %d threads: training %.2f×, evaluation %.2f× (ratio of medians)\n",
					bench.BenchCase{Name: k.name, NCHW: k.nchw}.Label(), k.threads, median[k][0]/fp32[0], median[k][1]/fp32[1])
			}
			if nchw, ok := median[key{k.name, k.bf16, true, k.threads}]; ok && !k.nchw {
				fmt.Printf("channels_last/nchw, %s, %d threads: training %.2f×, evaluation %.2f× (ratio of medians)\n",
					bench.BenchCase{Name: k.name, BF16: k.bf16}.Label(), k.threads, median[k][0]/nchw[0], median[k][1]/nchw[1])
			}
		}
		fmt.Printf("\n(%%) is the share of the measured fp32 peak: the best 2048×2048 fp32 matrix product,")
		for _, th := range c.IntSlice("threads") {
			fmt.Printf(" %.0f GFLOP/s on %d threads", peak[th], th)
		}
		fmt.Println(".")
		fmt.Println("\n| episode shape | forward multiply-accumulates | with concatenated pairs | ratio |")
		fmt.Println("|---|---|---|---|")
		for i, bc := range cases {
			fmt.Printf("| %s | %.0f M | %.0f M | %.2f× |\n", bc.Name, float64(macs[bc.Name])/1e6, float64(concat[i])/1e6, float64(concat[i])/float64(macs[bc.Name]))
		}
		return nil
	},
}

// benchLine is one case of `relnet bench --json`; bench/peer.py prints the same keys.
type benchLine struct {
	Impl          string  `json:"impl"`
	Case          string  `json:"case"`
	Threads       int     `json:"threads"`
	TrainEpisodes int     `json:"train_episodes"`
	EvalEpisodes  int     `json:"eval_episodes"`
	TrainPerSec   float64 `json:"train_eps"`
	EvalPerSec    float64 `json:"eval_eps"`
	PeakRSSMB     float64 `json:"peak_rss_mb"` // the process's high-water mark so far (VmHWM)
}

var benchPredictCommand = &cli.Command{
	Name:  "predict",
	Usage: "images/s of `relnet predict` against a 5-way 5-shot support, decoding included, at 28×28×1 and 84×84×3",
	Flags: []cli.Flag{
		&cli.IntSliceFlag{Name: "threads", Value: cli.NewIntSlice(1, 2), Usage: "cores for libtorch and the decoders"},
		&cli.IntFlag{Name: "queries", Value: 1000, Usage: "query images (PNGs of random pixels)"},
		&cli.IntFlag{Name: "repeats", Value: 3, Usage: "timed passes over the queries per case"},
	},
	Action: func(c *cli.Context) error {
		dir, err := os.MkdirTemp("", "relnet-bench-predict")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		var rows []bench.PredictResult
		for _, th := range c.IntSlice("threads") {
			for i, bc := range bench.PredictCases {
				r, err := bench.Predict(c.Context, bc, th, c.Int("queries"), c.Int("repeats"), fmt.Sprintf("%s/%d-%d", dir, th, i), os.Stderr)
				if err != nil {
					return err
				}
				rows = append(rows, r)
			}
		}
		fmt.Printf("| images | threads | queries | images/s, median of %d | range | decoding alone, 1 goroutine |\n", c.Int("repeats"))
		fmt.Println("|---|---|---|---|---|---|")
		for _, r := range rows {
			sorted := slices.Sorted(slices.Values(r.PerSec))
			fmt.Printf("| %s | %d | %d | %.0f | %.0f–%.0f | %.0f |\n", r.Case.Name, r.Threads, r.Queries,
				sorted[len(sorted)/2], sorted[0], sorted[len(sorted)-1], r.DecodeOnly)
		}
		return nil
	},
}

// spread is the median, smallest and largest of f over rs.
func spread(rs []bench.BenchResult, f func(bench.BenchResult) float64) (median, lo, hi float64) {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	n := len(v)
	return (v[(n-1)/2] + v[n/2]) / 2, v[0], v[n-1]
}
