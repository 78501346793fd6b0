package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments"
)

// Flags shared by the commands that take a config: defaults → TOML file → flags.
var (
	threadsFlag = &cli.IntFlag{Name: "threads", Usage: "libtorch intra-op threads (0 = all cores); overrides train.threads", EnvVars: []string{"RELNET_THREADS"}}
	resultsFlag = &cli.StringFlag{Name: "results", Usage: "results root directory; overrides experiment.results", EnvVars: []string{"RELNET_RESULTS"}}
)

// loadConfig reads the config file named by the first argument and applies the flags.
func loadConfig(c *cli.Context) (experiments.Config, error) {
	if c.NArg() != 1 {
		return experiments.Config{}, fmt.Errorf("%s needs one config file, e.g. `relnet %s experiments/quickstart.toml`", c.Command.Name, c.Command.Name)
	}
	cfg, err := experiments.Load(c.Args().First())
	if err != nil {
		return cfg, err
	}
	if c.IsSet(threadsFlag.Name) {
		cfg.Train.Threads = c.Int(threadsFlag.Name)
	}
	if c.IsSet(resultsFlag.Name) {
		cfg.Experiment.Results = c.String(resultsFlag.Name)
	}
	return cfg, cfg.Validate()
}
