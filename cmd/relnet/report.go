package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/report"
)

var reportCommand = &cli.Command{
	Name:      "report",
	Usage:     "tables (terminal and report.md) and plots (PNG, SVG, PDF) of an experiment's runs, seeds pooled, against its baseline",
	ArgsUsage: "results/EXPERIMENT",
	Action: func(c *cli.Context) error {
		if c.NArg() != 1 {
			return fmt.Errorf("report needs the experiment's results directory, e.g. `relnet report results/quickstart`")
		}
		r, err := report.Load(c.Args().First())
		if err != nil {
			return err
		}
		if err := r.WriteText(os.Stdout); err != nil {
			return err
		}
		if err := r.Write(); err != nil {
			return err
		}
		fmt.Printf("written: %s and %s/\n", filepath.Join(r.Dir, report.ReportFile), filepath.Join(r.Dir, report.PlotsDir))
		return nil
	},
}
