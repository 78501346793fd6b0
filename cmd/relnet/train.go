package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/runner"
)

var trainCommand = &cli.Command{
	Name:      "train",
	Usage:     "train (or resume) the model a config describes",
	ArgsUsage: "CONFIG.toml",
	Flags:     []cli.Flag{threadsFlag, resultsFlag, runFlag},
	Action: func(c *cli.Context) error {
		cfg, err := loadConfig(c)
		if err != nil {
			return err
		}
		return runner.Train(c.Context, cfg, os.Stderr)
	},
}
