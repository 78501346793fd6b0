package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/spec"
)

// Flags shared by the commands that take an experiment file: defaults → TOML file → flags.
var (
	threadsFlag = &cli.IntFlag{Name: "threads", Usage: "libtorch intra-op threads (0 = all cores); overrides train.threads", EnvVars: []string{"RELNET_THREADS"}}
	resultsFlag = &cli.StringFlag{Name: "results", Usage: "results root directory; overrides experiment.results", EnvVars: []string{"RELNET_RESULTS"}}
	runFlag     = &cli.StringFlag{Name: "run", Usage: "the run to use when the file describes several (see `relnet config dump`)"}
)

// loadPlan reads the experiment file named by the first argument and applies the flags to
// every run.
func loadPlan(c *cli.Context) ([]spec.Config, error) {
	if c.NArg() != 1 {
		return nil, fmt.Errorf("%s needs one experiment file, e.g. `relnet %s experiments/quickstart.toml`", c.Command.Name, c.Command.Name)
	}
	runs, err := spec.LoadPlan(c.Args().First())
	if err != nil {
		return nil, err
	}
	for i := range runs {
		if c.IsSet(threadsFlag.Name) {
			runs[i].Train.Threads = c.Int(threadsFlag.Name)
		}
		if c.IsSet(resultsFlag.Name) {
			runs[i].Experiment.Results = c.String(resultsFlag.Name)
		}
		if err := runs[i].Validate(); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// loadConfig is loadPlan for commands that act on one run: the only one, or --run's.
func loadConfig(c *cli.Context) (spec.Config, error) {
	runs, err := loadPlan(c)
	if err != nil {
		return spec.Config{}, err
	}
	return spec.SelectRun(c.Args().First(), runs, c.String(runFlag.Name))
}

var configCommand = &cli.Command{
	Name:  "config",
	Usage: "inspect experiment files",
	Subcommands: []*cli.Command{{
		Name:      "dump",
		Usage:     "print the fully resolved configuration of every run an experiment file describes",
		ArgsUsage: "EXPERIMENT.toml",
		Flags:     []cli.Flag{threadsFlag, resultsFlag},
		Action: func(c *cli.Context) error {
			runs, err := loadPlan(c)
			if err != nil {
				return err
			}
			for i, r := range runs {
				text, err := r.Encode()
				if err != nil {
					return err
				}
				fmt.Printf("# run %d/%d: %s\n%s\n", i+1, len(runs), r.RunDir(), text)
			}
			return nil
		},
	}},
}
