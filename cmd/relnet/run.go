package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/runner"
	"github.com/relnet/relnet/experiments/spec"
)

var runCommand = &cli.Command{
	Name:  "run",
	Usage: "train and evaluate every run of an experiment file (variants × grid × seeds); finished runs are skipped, interrupted ones resumed",
	Description: "Each run writes results/<experiment>/<run>/: config.toml, metrics.jsonl, checkpoints and eval.json.\n" +
		"With --shard i/n only runs i, i+n, i+2n, ... are done, so n machines share one experiment\n" +
		"(e.g. a Slurm array: --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT); `relnet report` merges them.",
	ArgsUsage: "EXPERIMENT.toml",
	Flags: []cli.Flag{threadsFlag, resultsFlag,
		&cli.StringFlag{Name: "shard", Usage: "i/n: do only this machine's share of the runs (0 ≤ i < n)"},
		&cli.IntFlag{Name: "jobs", Value: 1, Usage: "runs trained at once, as that many processes sharing the cores (--threads each, default cores/jobs)"}},
	Action: func(c *cli.Context) error {
		runs, err := loadPlan(c)
		if err != nil {
			return err
		}
		if jobs := c.Int("jobs"); jobs != 1 {
			if jobs < 1 {
				return fmt.Errorf("--jobs %d: want at least 1", jobs)
			}
			return runJobs(c, jobs, c.Args().First())
		}
		var shard spec.Shard
		if s := c.String("shard"); s != "" {
			if shard, err = spec.ParseShard(s); err != nil {
				return err
			}
		}
		return runner.RunAll(c.Context, runs, shard, os.Stderr)
	},
}
