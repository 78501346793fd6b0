package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/synth"
	"github.com/relnet/relnet/synth/glyphs"
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

var glyphsCommand = &cli.Command{
	Name:  "glyphs",
	Usage: "generate an Omniglot-like many-class set: OUT/<alphabet>/<character>/<drawer>.png (a depth-2 image folder)",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "out", Required: true, Usage: "output directory"},
		&cli.IntFlag{Name: "alphabets", Value: 20, Usage: "invented alphabets"},
		&cli.IntFlag{Name: "characters", Value: 15, Usage: "characters per alphabet"},
		&cli.IntFlag{Name: "drawers", Value: 20, Usage: "images per character"},
		&cli.IntFlag{Name: "size", Value: 28, Usage: "image side in pixels"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of every random draw"},
	},
	Action: func(c *cli.Context) error {
		cfg := glyphs.Config{Alphabets: c.Int("alphabets"), Characters: c.Int("characters"), Drawers: c.Int("drawers"),
			Size: c.Int("size"), Seed: c.Uint64("seed")}
		n, err := glyphs.Generate(cfg, c.String("out"))
		if err != nil {
			return err
		}
		fmt.Printf("%d images of %d classes in %s\n", n, cfg.Alphabets*cfg.Characters, c.String("out"))
		return nil
	},
}
