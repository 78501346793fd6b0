package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments"
)

var benchCommand = &cli.Command{
	Name:  "bench",
	Usage: "measure memory during a long training run, then training and evaluation episodes/s, on synthetic episodes",
	Flags: []cli.Flag{
		&cli.IntSliceFlag{Name: "threads", Value: cli.NewIntSlice(1, 2), Usage: "libtorch thread counts to measure"},
		&cli.IntFlag{Name: "train-episodes", Value: 100, Usage: "timed training episodes per case"},
		&cli.IntFlag{Name: "eval-episodes", Value: 200, Usage: "timed evaluation episodes per case"},
		&cli.BoolFlag{Name: "memory", Value: true, Usage: "first train the 28×28 case and read RSS at the --memory-at episodes"},
		&cli.Int64SliceFlag{Name: "memory-at", Value: cli.NewInt64Slice(500, 5000), Usage: "training episodes at which to read RSS"},
	},
	Action: func(c *cli.Context) error {
		// Memory first, in a fresh process heap: RSS then reflects this run alone.
		if marks := c.Int64Slice("memory-at"); c.Bool("memory") && len(marks) > 0 {
			m, err := experiments.BenchMemory(c.Context, experiments.BenchCases[0], 0, marks, os.Stderr)
			if err != nil {
				return err
			}
			fmt.Printf("RSS while training %s:\n", m.Case.Name)
			for i, e := range m.Episodes {
				fmt.Printf("  episode %6d: %.1f MB\n", e, m.RSSMB[i])
			}
			fmt.Println()
		}
		var results []experiments.BenchResult
		for _, th := range c.IntSlice("threads") {
			r, err := experiments.Bench(c.Context, experiments.BenchCases, th, c.Int("train-episodes"), c.Int("eval-episodes"), os.Stderr)
			if err != nil {
				return err
			}
			results = append(results, r...)
		}
		fmt.Println("| episode shape | threads | train episodes/s | eval episodes/s |")
		fmt.Println("|---|---|---|---|")
		for _, r := range results {
			fmt.Printf("| %s | %d | %.2f | %.2f |\n", r.Case.Name, r.Threads, r.TrainPerSec, r.EvalPerSec)
		}
		return nil
	},
}
