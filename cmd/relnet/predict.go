package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/predict"
	"github.com/relnet/relnet/tensors"
)

var predictCommand = &cli.Command{
	Name:  "predict",
	Usage: "classify new images against a support set with a trained run",
	Description: "The support set is a folder of class folders (support/<class>/<image>, any number of images\n" +
		"per class) or a seed-notebook CSV; queries are image files, folders (recursive; a query in a\n" +
		"class folder is labelled by it) or CSVs. One line per query goes to stdout or --out: its image,\n" +
		"and per group the predicted class and each support class's score (the relation score, or the\n" +
		"softmax probability for CE-trained heads). A summary goes to stderr: images/s and, for labelled\n" +
		"queries, the accuracy with its 95% CI.",
	ArgsUsage: "RUN_DIR",
	Flags: []cli.Flag{threadsFlag,
		&cli.StringFlag{Name: "support", Usage: "support set: a folder of class folders or a seed-notebook CSV", Required: true},
		&cli.StringSliceFlag{Name: "query", Usage: "query images: a file, a folder or a CSV (repeat the flag for more)", Required: true},
		&cli.StringFlag{Name: "group", Usage: "score only this attribute group (needed for a support folder when the model has several)"},
		&cli.StringFlag{Name: "checkpoint", Usage: "checkpoint to use (default: best.ckpt of RUN_DIR)"},
		&cli.StringFlag{Name: "out", Usage: "write the predictions to this file instead of stdout"},
		&cli.StringFlag{Name: "format", Value: "csv", Usage: "csv or jsonl"},
		&cli.BoolFlag{Name: "logits", Usage: "write each head's logits instead of its scores"},
		&cli.BoolFlag{Name: "skip-bad", Usage: "exit 0 although query images could not be read (they are still reported and left out)"},
		&cli.IntFlag{Name: "batch", Value: 256, Usage: "queries per forward pass"},
		&cli.IntFlag{Name: "max-pixels", Value: datasets.DefaultMaxPixels, Usage: "largest support or query image, width × height from its header; a larger one is skipped unread"},
		&cli.StringFlag{Name: "device", Value: "cpu", Usage: "cpu, cuda or auto (CUDA when libtorch sees a device)"},
	},
	Action: predictAction,
}

// predictAction opens a predict.Session on the run and its support set, classifies the
// queries and prints the summary.
func predictAction(c *cli.Context) error {
	if f := c.String("format"); f != "csv" && f != "jsonl" {
		return fmt.Errorf("--format %q: want csv or jsonl", f)
	}
	if n := c.Int("max-pixels"); n < 1 {
		return fmt.Errorf("--max-pixels %d: want at least 1 (width × height of the largest image read)", n)
	}
	ckpt, runConfig, err := predictPaths(c)
	if err != nil {
		return err
	}
	out, closeOut, err := outputFile(c.String("out"))
	if err != nil {
		return err
	}
	var sum predict.Summary
	err = tensors.Run(func() error {
		s, err := predict.OpenSession(predict.SessionOptions{Checkpoint: ckpt, RunConfig: runConfig,
			Runtime: predict.Runtime{Threads: c.Int(threadsFlag.Name), Device: c.String("device")},
			Support: c.String("support"), Group: c.String("group"),
			Load: datasets.LoadOptions{SkipBadLines: c.Bool("skip-bad"), MaxPixels: c.Int("max-pixels")}})
		if err != nil {
			return err
		}
		defer s.Free()
		for _, sg := range s.Support.Groups {
			fmt.Fprintf(os.Stderr, "support %s: group %s, %d classes × %s images\n", c.String("support"), sg.Name, len(sg.Classes), shots(sg.Shots))
		}
		for _, skip := range s.Report.Skipped {
			fmt.Fprintf(os.Stderr, "support image left out: %s: %s\n", skip.Where(s.Report.Source), skip.Reason)
		}
		queries, err := s.Queries(c.StringSlice("query"))
		if err != nil {
			return err
		}
		sum, err = s.Run(c.Context, queries, out, os.Stderr, predict.Options{Format: c.String("format"), Logits: c.Bool("logits"), Batch: c.Int("batch")})
		return err
	})
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	printPredictSummary(sum)
	if sum.Skipped > 0 && !c.Bool("skip-bad") {
		return fmt.Errorf("%d query images could not be read (listed above) and were left out; --skip-bad exits 0 all the same", sum.Skipped)
	}
	return nil
}

// predictPaths is the checkpoint to load and the run's config.toml to check it against
// (none when only --checkpoint is given).
func predictPaths(c *cli.Context) (ckpt, runConfig string, err error) {
	ckpt = c.String("checkpoint")
	switch {
	case c.NArg() > 1:
		return "", "", fmt.Errorf("predict takes one run directory, got %d arguments (queries go with --query)", c.NArg())
	case c.NArg() == 0 && ckpt == "":
		return "", "", fmt.Errorf("predict needs a run directory (e.g. results/quickstart/base-seed1) or --checkpoint")
	case c.NArg() == 0:
		return ckpt, "", nil
	}
	dir := c.Args().First()
	if ckpt == "" {
		ckpt = filepath.Join(dir, results.BestFile)
	}
	runConfig = filepath.Join(dir, "config.toml")
	if _, err := os.Stat(runConfig); err != nil {
		return "", "", fmt.Errorf("%s is not a run directory: %w", dir, err)
	}
	return ckpt, runConfig, nil
}

// outputFile is stdout, or the file path created.
func outputFile(path string) (io.Writer, func() error, error) {
	if path == "" {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// shots formats per-class image counts: "5" when all classes have 5, else "3–7".
func shots(counts []int) string {
	lo, hi := counts[0], counts[0]
	for _, k := range counts {
		lo, hi = min(lo, k), max(hi, k)
	}
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

func printPredictSummary(sum predict.Summary) {
	fmt.Fprintf(os.Stderr, "%d images classified in %.2f s: %.0f images/s, decoding included", sum.Images, sum.Seconds, sum.ImagesPerSecond())
	if sum.Skipped > 0 {
		fmt.Fprintf(os.Stderr, "; %d skipped", sum.Skipped)
	}
	fmt.Fprintln(os.Stderr)
	for _, a := range sum.Accuracy {
		var notes []string
		if a.Unknown > 0 {
			notes = append(notes, fmt.Sprintf("%d queries labelled with a class the support lacks are not counted", a.Unknown))
		}
		if a.Summary.Episodes == 0 {
			continue
		}
		fmt.Fprintf(os.Stderr, "accuracy %s: %.2f ± %.2f%% (95%% CI over %d labelled queries)%s\n", a.Group,
			100*a.Summary.Mean, 100*a.Summary.CI95, a.Summary.Episodes, strings.Join(append([]string{""}, notes...), "; "))
	}
}
