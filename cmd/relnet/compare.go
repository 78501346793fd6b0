package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/results"
)

var compareCommand = &cli.Command{
	Name:      "compare",
	Usage:     "paired difference A − B per group, on the identical test episodes of two eval.json files",
	ArgsUsage: "A/eval.json B/eval.json",
	Action: func(c *cli.Context) error {
		if c.NArg() != 2 {
			return fmt.Errorf("compare needs two eval.json files")
		}
		a, err := results.ReadEvalResult(c.Args().Get(0))
		if err != nil {
			return err
		}
		b, err := results.ReadEvalResult(c.Args().Get(1))
		if err != nil {
			return err
		}
		diffs, err := results.Paired(a, b)
		if err != nil {
			return err
		}
		fmt.Printf("%s − %s, paired over the same %d-way %d-shot test episodes (seed %d):\n", c.Args().Get(0), c.Args().Get(1), a.Way, a.Shot, a.Seed)
		for _, g := range a.Scored() {
			d := diffs[g.Group]
			fmt.Printf("  %-12s %+6.2f ± %.2f points (%d episodes)\n", g.Group, 100*d.Mean, 100*d.CI95, d.Episodes)
		}
		return nil
	},
}
