package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/export"
)

var exportCommand = &cli.Command{
	Name:  "export",
	Usage: "write a trained run's weights for PyTorch (safetensors, with a JSON sidecar describing the architecture)",
	Description: "Every parameter and buffer goes under the state_dict names of bench/peer.py's modules:\n" +
		"encoder.* (CNNEncoder) and relation.* (RelationNetwork; relation.<group>.* with a head per group).\n" +
		"docs/predict-export.md shows the Python that loads them; bench/export_check.py checks the logits.",
	ArgsUsage: "RUN_DIR",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Value: "safetensors", Usage: "safetensors (the only one)"},
		&cli.StringFlag{Name: "out", Required: true, Usage: "the .safetensors file to write; the sidecar goes beside it as .json"},
		&cli.StringFlag{Name: "checkpoint", Usage: "checkpoint to export (default: best.ckpt of RUN_DIR)"},
	},
	Action: func(c *cli.Context) error {
		if f := c.String("format"); f != "safetensors" {
			return fmt.Errorf("--format %q: safetensors is the only export format", f)
		}
		ckpt := c.String("checkpoint")
		switch {
		case ckpt == "" && c.NArg() != 1:
			return fmt.Errorf("export needs a run directory (e.g. results/quickstart/base-seed1) or --checkpoint")
		case ckpt == "":
			ckpt = filepath.Join(c.Args().First(), results.BestFile)
		}
		sidecar, err := export.Write(ckpt, c.String("out"))
		if err != nil {
			return err
		}
		fmt.Printf("wrote %s and %s from %s\n", c.String("out"), sidecar, ckpt)
		return nil
	},
}
