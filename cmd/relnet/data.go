package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
)

var dataCommand = &cli.Command{
	Name:  "data",
	Usage: "look at a dataset before training on it",
	Subcommands: []*cli.Command{{
		Name:      "inspect",
		Usage:     "images per attribute group and value, unlabelled counts, skipped lines, co-occurrence of two groups",
		ArgsUsage: "CONFIG.toml",
		Flags: []cli.Flag{runFlag, resultsFlag,
			&cli.StringFlag{Name: "cooccurrence", Usage: "two groups, GROUP1,GROUP2, whose co-occurrence table to print"}},
		Action: func(c *cli.Context) error {
			runs, err := loadPlan(c)
			if err != nil {
				return err
			}
			cfg := runs[0] // the base dataset, unless --run names a variant
			if c.IsSet(runFlag.Name) {
				if cfg, err = spec.SelectRun(c.Args().First(), runs, c.String(runFlag.Name)); err != nil {
					return err
				}
			}
			var g1, g2 string
			if pair := c.String("cooccurrence"); pair != "" {
				var ok bool
				if g1, g2, ok = strings.Cut(pair, ","); !ok {
					return fmt.Errorf("--cooccurrence %q: want GROUP1,GROUP2", pair)
				}
			}
			return rundata.Inspect(cfg, g1, g2, os.Stdout, os.Stderr)
		},
	}},
}
