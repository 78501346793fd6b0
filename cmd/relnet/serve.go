package main

import (
	"fmt"
	"net"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/relnet/relnet/experiments/serve"
)

var serveCommand = &cli.Command{
	Name:      "serve",
	Usage:     "a read-only web dashboard over a results folder: experiments, runs, live curves, the report's comparison (docs/serve.md)",
	ArgsUsage: "[RESULTS_DIR (default results)]",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "address to listen on; anything but a loopback address shows the results to the network"},
	},
	Action: serveAction,
}

// serveAction serves the results folder until the command is interrupted.
func serveAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return fmt.Errorf("serve takes one results folder, after its flags: `relnet serve --addr 127.0.0.1:8080 results`")
	}
	dir := c.Args().First()
	if dir == "" {
		dir = "results"
	}
	s, err := serve.New(dir)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", c.String("addr"))
	if err != nil {
		return err
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		fmt.Fprintf(os.Stderr, "relnet serve: listening on %s, reachable from other machines; --addr 127.0.0.1:PORT keeps it to this one\n", ln.Addr())
	}
	fmt.Fprintf(os.Stderr, "relnet serve: %s at http://%s/ (read-only; Ctrl-C stops)\n", dir, ln.Addr())
	return s.Serve(c.Context, ln)
}
