package main

import (
	"encoding"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/bench"
	"github.com/relnet/relnet/experiments/spec"
)

var benchCommand = &cli.Command{
	Name:        "bench",
	Usage:       "measure memory during a long training run, then training and evaluation episodes/s, on synthetic episodes",
	Subcommands: []*cli.Command{benchPredictCommand, benchPretrainCommand},
	Flags: append(timingFlags(bench.Cases),
		&cli.IntFlag{Name: "train-episodes", Value: 100, Usage: "timed training episodes per case"},
		&cli.IntFlag{Name: "eval-episodes", Value: 200, Usage: "timed evaluation episodes per case"},
		&cli.IntFlag{Name: "eval-batch", Value: spec.Default().Eval.Batch, Usage: "evaluation episodes per backbone call (eval.batch); 1 scores them one at a time"},
		&cli.BoolFlag{Name: "memory", Value: true, Usage: "first train the 28×28 case and read RSS at the --memory-at episodes"},
		&cli.Int64SliceFlag{Name: "memory-at", Value: cli.NewInt64Slice(1000, 5000), Usage: "training episodes at which to read RSS (increasing)"},
		&cli.StringSliceFlag{Name: "precision", Value: cli.NewStringSlice("fp32"), Usage: "fp32 and/or bf16 (train.precision); with both, the table gives bf16's speed-up"},
		&cli.StringSliceFlag{Name: "memory-format", Value: cli.NewStringSlice(string(spec.Default().Train.MemoryFormat)), Usage: "channels_last and/or nchw (train.memory_format); with both, the table gives channels_last's speed-up"},
	),
	Action: benchAction,
}

// timingFlags are the flags `relnet bench` and `relnet bench pretrain` share: thread counts,
// which of cases to time (1-based), repeats and JSON output.
func timingFlags(cases []bench.Case) []cli.Flag {
	var names []string
	for i, c := range cases {
		names = append(names, fmt.Sprintf("%d = %s", i+1, c.Name))
	}
	return []cli.Flag{
		&cli.IntSliceFlag{Name: "threads", Value: cli.NewIntSlice(1, 2), Usage: "libtorch thread counts to measure"},
		&cli.IntSliceFlag{Name: "case", Usage: "cases to time (default all): " + strings.Join(names, ", ")},
		&cli.IntFlag{Name: "repeats", Value: 1, Usage: "times to measure each case, settings alternating; the table gives medians and ranges"},
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object per measurement instead of the table, with the process's peak RSS after it"},
	}
}

// benchAction turns the flags of `relnet bench` into bench.Options and runs it.
func benchAction(c *cli.Context) error {
	precisions, err := kindFlag[arch.Precision](c, "precision")
	if err != nil {
		return err
	}
	formats, err := kindFlag[arch.MemoryFormat](c, "memory-format")
	if err != nil {
		return err
	}
	return bench.Run(c.Context, bench.Options{
		Cases: c.IntSlice("case"), Threads: c.IntSlice("threads"),
		TrainEpisodes: c.Int("train-episodes"), EvalEpisodes: c.Int("eval-episodes"), EvalBatch: c.Int("eval-batch"),
		Memory: c.Bool("memory"), MemoryAt: c.Int64Slice("memory-at"),
		Precisions: precisions, MemoryFormats: formats,
		Repeats: c.Int("repeats"), JSON: c.Bool("json"),
	}, os.Stdout, os.Stderr)
}

// kindFlag decodes every value of the string-slice flag name with T's UnmarshalText, the
// decoder of the same setting in an experiment file, so that a bad value gets the error a
// TOML file gets, with the flag in place of the key.
func kindFlag[T any, PT interface {
	*T
	encoding.TextUnmarshaler
}](c *cli.Context, name string) ([]T, error) {
	var kinds []T
	for _, text := range c.StringSlice(name) {
		var k T
		if err := PT(&k).UnmarshalText([]byte(text)); err != nil {
			return nil, fmt.Errorf("%s --%s: %w", c.Command.Name, name, err)
		}
		kinds = append(kinds, k)
	}
	return kinds, nil
}

var benchPretrainCommand = &cli.Command{
	Name:  "pretrain",
	Usage: "images/s of the [pretrain] stage's supervised step (Conv-4, linear classifier, SGD) on synthetic batches, at 28×28×1 and 84×84×3",
	Flags: append(timingFlags(bench.PretrainCases),
		&cli.IntFlag{Name: "steps", Value: 20, Usage: "timed steps per measurement (after untimed warm-up steps)"},
		&cli.StringSliceFlag{Name: "memory-format", Value: cli.NewStringSlice(string(spec.Default().Train.MemoryFormat)), Usage: "channels_last and/or nchw (train.memory_format)"},
	),
	Action: benchPretrainAction,
}

// benchPretrainAction turns the flags of `relnet bench pretrain` into bench.PretrainOptions
// and runs it.
func benchPretrainAction(c *cli.Context) error {
	formats, err := kindFlag[arch.MemoryFormat](c, "memory-format")
	if err != nil {
		return err
	}
	return bench.RunPretrain(c.Context, bench.PretrainOptions{
		Cases: c.IntSlice("case"), Threads: c.IntSlice("threads"), Steps: c.Int("steps"),
		MemoryFormats: formats, Repeats: c.Int("repeats"), JSON: c.Bool("json"),
	}, os.Stdout, os.Stderr)
}

var benchPredictCommand = &cli.Command{
	Name:  "predict",
	Usage: "images/s of `relnet predict` against a 5-way 5-shot support, decoding included, at 28×28×1 and 84×84×3",
	Flags: []cli.Flag{
		&cli.IntSliceFlag{Name: "threads", Value: cli.NewIntSlice(1, 2), Usage: "cores for libtorch and the decoders"},
		&cli.IntFlag{Name: "queries", Value: 1000, Usage: "query images (PNGs of random pixels)"},
		&cli.IntFlag{Name: "repeats", Value: 3, Usage: "timed passes over the queries per case"},
	},
	Action: benchPredictAction,
}

// benchPredictAction times `relnet predict` on bench.PredictCases at each --threads and
// prints the table.
func benchPredictAction(c *cli.Context) error {
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
	fmt.Println(bench.Stamp())
	fmt.Printf("| images | threads | queries | images/s, median of %d | range | decoding alone, 1 goroutine |\n", c.Int("repeats"))
	fmt.Println("|---|---|---|---|---|---|")
	for _, r := range rows {
		sorted := slices.Sorted(slices.Values(r.PerSec))
		fmt.Printf("| %s | %d | %d | %.0f | %.0f–%.0f | %.0f |\n", r.Case.Name, r.Threads, r.Queries,
			sorted[len(sorted)/2], sorted[0], sorted[len(sorted)-1], r.DecodeOnly)
	}
	return nil
}
