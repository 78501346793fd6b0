package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "TestServeInBrowser writes its screenshots into docs/")

// browserRun is a one-run Fashion-MNIST experiment that validates several times while it
// trains (about a minute at 50 episodes/s), slowly enough for the page to see points arrive.
const browserRun = `[experiment]
name = "live"
[train]
way = 3
query = 5
episodes = 3000
log_every = 50
val_every = 250
val_episodes = 20
checkpoint_every = 100
threads = 1
[eval]
query = 2
`

// chromium finds Debian's chromium; it skips the test where it is missing, except in CI.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is missing in CI: scripts/setup-chromium.sh (make test) installs it")
		}
		t.Skip("chromium is missing and could not be installed (scripts/setup-chromium.sh needs root): the browser test skips")
	}
	return path
}

// freeAddr is a loopback address with a port free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `relnet serve` on dir and waits until it answers.
func startServe(t *testing.T, dir string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(relnetBin, "serve", "--addr", addr, dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
	}
	t.Fatalf("relnet serve did not listen on %s: %s", addr, stderr.String())
	return ""
}

// newBrowser starts headless Chromium and fails the test on any console error or uncaught
// exception of its pages.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(1400, 1000))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				t.Errorf("console error: %s", consoleText(ev.Args))
			}
		case *cdplog.EventEntryAdded: // the browser's own: a failed load, a refused script or style
			if ev.Entry.Level == cdplog.EntryLevelError {
				t.Errorf("browser error: %s (%s)", ev.Entry.Text, ev.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			t.Errorf("uncaught exception: %s", ev.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

func consoleText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
	}
	return strings.Join(parts, " ")
}

// TestServeInBrowser trains a short run while `relnet serve` shows it in headless Chromium:
// the run appears on the experiment page, its validation curve gains a point without a
// reload, and its test accuracy appears once it is evaluated; no page logs an error.
func TestServeInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	// Deferred calls run before t.Cleanup's: the browser closes before the server stops, so
	// no request of its last page (a favicon, say) meets a closed port.
	defer chromedp.Cancel(ctx)
	dir := t.TempDir()
	results := filepath.Join(dir, "results")
	config := writeFile(t, filepath.Join(dir, "live.toml"), browserRun)
	train := exec.Command(relnetBin, "run", "--results", results, config)
	var log bytes.Buffer
	train.Stderr, train.Stdout = &log, &log
	if err := train.Start(); err != nil {
		t.Fatal(err)
	}
	trained := make(chan error, 1)
	go func() { trained <- train.Wait() }()
	t.Cleanup(func() { train.Process.Kill() })
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(results, "live", "plan.json")); err == nil {
			break
		}
		select {
		case err := <-trained:
			t.Fatalf("relnet run ended (%v) before writing plan.json:\n%s", err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no plan.json after 2 minutes:\n%s", log.String())
		}
	}
	base := startServe(t, results)
	page := base + "/e/live/"
	run := `#runs tr[data-run="base-seed1"]`
	points := `(() => { const c = document.querySelector('svg.val polyline.curve[data-run="base-seed1"]'); return c ? +c.dataset.points : 0; })()`
	// The page redraws its table on every poll: the checks are JavaScript polls, never waits
	// on one DOM node, which a redraw would leave behind.
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatalf("the experiment page: %v", err)
	}
	state, err := chromedp.Run(ctx, chromedp.Poll[string](`(document.querySelector('`+run+` td:nth-child(5)') || {}).textContent`, chromedp.WithPollingTimeout(time.Minute)))
	if err != nil {
		t.Fatalf("the experiment page does not show the run: %v\ntraining log:\n%s", err, log.String())
	}
	first, err := chromedp.Run(ctx, chromedp.Poll[int](points+" >= 1 && "+points, chromedp.WithPollingTimeout(3*time.Minute)))
	if err != nil {
		t.Fatalf("no validation point on the page: %v\ntraining log:\n%s", err, log.String())
	}
	later, err := chromedp.Run(ctx, chromedp.Poll[int](fmt.Sprintf("%s > %d && %s", points, first, points), chromedp.WithPollingTimeout(3*time.Minute)))
	if err != nil {
		t.Fatalf("the validation curve did not grow past %d points without a reload: %v\ntraining log:\n%s", first, err, log.String())
	}
	t.Logf("the run showed as %q; its validation curve grew from %d to %d points without a reload", state, first, later)
	if err := <-trained; err != nil {
		t.Fatalf("relnet run: %v\n%s", err, log.String())
	}
	test, err := chromedp.Run(ctx, chromedp.Poll[string](`(document.querySelector('`+run+` td.test') || {}).textContent`, chromedp.WithPollingTimeout(time.Minute)))
	if err != nil || !strings.Contains(test, "±") {
		t.Fatalf("the finished run's test accuracy is not shown (%q): %v", test, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector('#accuracy')`, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("the comparison table: %v", err)
	}
	t.Logf("test accuracy shown: %s", test)
	// What a person sees of the run page's confusion matrix: its diagonal cells shaded (a
	// stylesheet the page's policy allows), their counts readable.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/e/live/r/base-seed1/")); err != nil {
		t.Fatalf("the run page: %v", err)
	}
	shade, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const c = document.querySelector('table.confusion td.dark'); return c && getComputedStyle(c).backgroundColor; })()`, chromedp.WithPollingTimeout(time.Minute)))
	if err != nil || shade == "rgba(0, 0, 0, 0)" || shade == "rgb(255, 255, 255)" {
		t.Fatalf("the run page's confusion matrix: a dark cell's background is %q (%v), want the palette's shade", shade, err)
	}
	screenshots(t, ctx, base)
}

// screenshots takes the three pages into docs/ with -update-screenshots; otherwise it checks
// that the committed ones are there.
func screenshots(t *testing.T, ctx context.Context, base string) {
	pages := map[string]string{"serve-experiments.png": "/", "serve-experiment.png": "/e/live/", "serve-run.png": "/e/live/r/base-seed1/"}
	for file, path := range pages {
		out := filepath.Join("..", "..", "docs", file)
		if !*updateScreenshots {
			if _, err := os.Stat(out); err != nil {
				t.Errorf("%s is missing: go test ./cmd/relnet -run TestServeInBrowser -update-screenshots takes it", out)
			}
			continue
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.Sleep(2500*time.Millisecond)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
