package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/synth"
)

var synthCommand = &cli.Command{
	Name:      "synth",
	Usage:     "generate a synthetic multi-attribute garment set (PNGs + seed-format labels.csv) with known correlations",
	ArgsUsage: "[SYNTH.toml]",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "out", Required: true, Usage: "output directory (images/, labels.csv, synth.toml)"},
		&cli.StringFlag{Name: "fashion-mnist", EnvVars: []string{"FASHION_MNIST_DIR"}, Value: "/usr/share/datasets/fashion-mnist", Usage: "Fashion-MNIST directory (silhouettes)"},
	},
	Action: func(c *cli.Context) error {
		var cfg synth.Config
		if c.NArg() > 0 {
			path := c.Args().First()
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := spec.DecodeTOML(path, data, &cfg); err != nil {
				return err
			}
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		out := c.String("out")
		stats, err := synth.Generate(cfg, c.String("fashion-mnist"), out, 0)
		if err != nil {
			return err
		}
		fmt.Printf("wrote %d images and %s\n", stats.Images, filepath.Join(out, synth.LabelsFile))
		for _, k := range stats.Config.Correlations {
			fmt.Printf("  P(%s=%s | %s): asked %.3f, realised %.3f\n", k.Group, k.Value, k.Category, k.P,
				stats.Conditional(k.Category, k.Group, k.Value))
		}
		return nil
	},
}
