package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/runner"
)

var evalCommand = &cli.Command{
	Name:      "eval",
	Usage:     "score a trained model on the config's fixed bank of test episodes",
	ArgsUsage: "CONFIG.toml",
	Flags: []cli.Flag{threadsFlag, resultsFlag, runFlag,
		&cli.StringFlag{Name: "checkpoint", Usage: "checkpoint to evaluate (default: best.ckpt of the run)"}},
	Action: func(c *cli.Context) error {
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
