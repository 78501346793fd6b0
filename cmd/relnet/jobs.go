package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
)

// runJobs runs an experiment as n `relnet run` processes at once, each with its share of the
// cores as libtorch threads (or --threads each). They walk the same runs in plan order and
// share them through the run locks: a process skips a run another one holds and takes the
// next, so short and long runs balance. Each process's lines reach stderr prefixed with its
// job number; a signal reaches every process, which checkpoints its run and stops.
func runJobs(c *cli.Context, n int, experiment string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	threads := c.Int(threadsFlag.Name)
	if !c.IsSet(threadsFlag.Name) || threads == 0 {
		threads = max(1, runtime.NumCPU()/n)
	}
	args := []string{"run", "--threads", strconv.Itoa(threads)}
	for _, f := range []string{resultsFlag.Name, "shard"} {
		if c.IsSet(f) {
			args = append(args, "--"+f, c.String(f))
		}
	}
	args = append(args, experiment)
	fmt.Fprintf(os.Stderr, "%d jobs of %d libtorch threads each\n", n, threads)
	var out sync.Mutex // one line at a time on stderr
	var failed []string
	var wg sync.WaitGroup
	for j := range n {
		cmd := exec.CommandContext(c.Context, exe, args...)
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // checkpoint, then stop
		cmd.WaitDelay = 5 * time.Minute
		pipe, err := cmd.StderrPipe()
		if err != nil {
			return err
		}
		cmd.Stdout = os.Stdout
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("job %d: %w", j+1, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			prefixLines(pipe, fmt.Sprintf("job %d: ", j+1), &out)
			if err := cmd.Wait(); err != nil {
				out.Lock()
				failed = append(failed, fmt.Sprintf("job %d (%v)", j+1, err))
				out.Unlock()
			}
		}()
	}
	wg.Wait()
	if c.Context.Err() != nil {
		return c.Context.Err()
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; ") + " failed; its lines above say why; `relnet run` again resumes")
	}
	return nil
}

// prefixLines copies r's lines to stderr, each behind prefix; carriage-return updates
// (progress on a terminal) count as lines.
func prefixLines(r io.Reader, prefix string, mu *sync.Mutex) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
			return i + 1, data[:i], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			mu.Lock()
			fmt.Fprintln(os.Stderr, prefix+line)
			mu.Unlock()
		}
	}
}
