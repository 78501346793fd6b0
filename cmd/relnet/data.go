package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/fashionmnist"
	"github.com/relnet/relnet/datasets/folder"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
)

var dataCommand = &cli.Command{
	Name:  "data",
	Usage: "look at a dataset before training on it, or write Fashion-MNIST images as files",
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
	}, {
		Name:  "folder",
		Usage: "write Fashion-MNIST images as an image folder, OUT/<class>/<index>.png (a support set or queries for `relnet predict`)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Required: true, Usage: "output directory"},
			&cli.StringFlag{Name: "split", Value: "test", Usage: "train or test: Fashion-MNIST's own split"},
			&cli.IntFlag{Name: "from", Usage: "skip this many images of each class (in file order)"},
			&cli.IntFlag{Name: "per-class", Value: 5, Usage: "images of each class to write"},
			&cli.StringFlag{Name: "fashion-mnist", EnvVars: []string{"FASHION_MNIST_DIR"}, Value: "/usr/share/datasets/fashion-mnist", Usage: "Fashion-MNIST directory"},
		},
		Action: func(c *cli.Context) error {
			train, test, err := fashionmnist.Load(c.String("fashion-mnist"))
			if err != nil {
				return err
			}
			im := map[string]*datasets.Images{"train": train, "test": test}[c.String("split")]
			if im == nil {
				return fmt.Errorf("--split %q: want train or test", c.String("split"))
			}
			from, per := c.Int("from"), c.Int("per-class")
			seen := make([]int, len(im.ClassNames))
			var ids []int
			for i, label := range im.Labels {
				if seen[label]++; seen[label] > from && seen[label] <= from+per {
					ids = append(ids, i)
				}
			}
			n, err := folder.Write(im, c.String("out"), ids)
			if err != nil {
				return err
			}
			fmt.Printf("wrote %d images of the %s split (%d classes, images %d–%d of each) to %s\n",
				n, c.String("split"), len(im.ClassNames), from, from+per-1, c.String("out"))
			return nil
		},
	}},
}
