// Command relnet trains and evaluates few-shot Relation Networks on libtorch.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &cli.App{
		Name:  "relnet",
		Usage: "few-shot image classification with (multi-head) Relation Networks on libtorch",
		Commands: []*cli.Command{
			runCommand,
			reportCommand,
			serveCommand,
			configCommand,
			trainCommand,
			evalCommand,
			predictCommand,
			exportCommand,
			benchCommand,
			dataCommand,
			synthCommand,
			glyphsCommand,
			compareCommand,
			versionCommand,
		},
	}
	if err := app.RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "relnet:", err)
		os.Exit(1)
	}
}
