package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/runner"
	"github.com/relnet/relnet/experiments/spec"
)

var evalCommand = &cli.Command{
	Name:      "eval",
	Usage:     "score a trained model on the config's fixed bank of test episodes, or a finished run on another data set's (--dataset)",
	ArgsUsage: "CONFIG.toml | RUN_DIR --dataset OTHER.toml",
	Flags: []cli.Flag{threadsFlag, resultsFlag, runFlag,
		&cli.StringFlag{Name: "checkpoint", Usage: "checkpoint to evaluate (default: best.ckpt of the run)"},
		&cli.StringFlag{Name: "dataset", Usage: "score the run in RUN_DIR on the test bank of the [dataset] of this file, writing eval-<its name>.json"}},
	Action: func(c *cli.Context) error {
		if dir, other, ok := crossDomainArgs(c); ok {
			return evalCrossDomain(c, dir, other)
		}
		cfg, err := loadConfig(c)
		if err != nil {
			return err
		}
		res, err := runner.Evaluate(c.Context, cfg, c.String("checkpoint"), os.Stderr)
		if err != nil {
			return err
		}
		fmt.Print(res)
		fmt.Printf("  written to %s\n", filepath.Join(cfg.RunDir(), results.EvalFile))
		return nil
	},
}

// crossDomainArgs finds the run directory and the --dataset file of `relnet eval --dataset
// OTHER.toml RUN_DIR`, or of `relnet eval RUN_DIR --dataset OTHER.toml`, where the flag
// reaches the command as arguments (flags stop at the first argument).
func crossDomainArgs(c *cli.Context) (dir, other string, ok bool) {
	args := c.Args().Slice()
	if len(args) == 3 && (args[1] == "--dataset" || args[1] == "-dataset") {
		return args[0], args[2], true
	}
	if len(args) == 2 {
		if v, found := strings.CutPrefix(args[1], "--dataset="); found {
			return args[0], v, true
		}
	}
	return c.Args().First(), c.String("dataset"), c.String("dataset") != ""
}

// evalCrossDomain scores the finished run in dir on the test bank of the [dataset] of the file
// other, as runner.EvaluateOn does.
func evalCrossDomain(c *cli.Context, dir, path string) error {
	dir = filepath.Clean(dir)
	if c.NArg() == 0 || (c.NArg() > 1 && c.String("dataset") != "") || c.String("checkpoint") != "" {
		return fmt.Errorf("relnet eval --dataset OTHER.toml takes one run directory (RUN_DIR, scored with its best.ckpt)")
	}
	cfg, err := spec.Load(filepath.Join(dir, results.ConfigFile))
	if err != nil {
		return fmt.Errorf("%s is not a run directory: %w", dir, err)
	}
	cfg.Experiment.Results, cfg.Experiment.Name, cfg.Experiment.Run = filepath.Dir(filepath.Dir(dir)), filepath.Base(filepath.Dir(dir)), filepath.Base(dir)
	if c.IsSet(threadsFlag.Name) {
		cfg.Train.Threads = c.Int(threadsFlag.Name)
	}
	other, err := spec.Load(path)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	res, err := runner.EvaluateOn(c.Context, cfg, other.Dataset, name, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Print(res)
	fmt.Printf("  written to %s\n", filepath.Join(dir, results.CrossEvalFile(name)))
	return nil
}
