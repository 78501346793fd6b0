package serve

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relnet/relnet/experiments/results"
)

// copyDir copies a committed results folder (never written to) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// newServer serves a temporary results folder holding a copy of results/heads-ablation.
func newServer(t *testing.T) (string, *httptest.Server) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "results")
	copyDir(t, "../../results/heads-ablation", filepath.Join(dir, "heads-ablation"))
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); s.Close() })
	return dir, ts
}

// get fetches a path as sent, without following redirects.
func get(t *testing.T, ts *httptest.Server, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = path // sent as written: no client-side cleaning or re-encoding
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNothingOutsideTheResultsFolder(t *testing.T) {
	dir, ts := newServer(t)
	outside := filepath.Join(filepath.Dir(dir), "outside")
	writeFile(t, filepath.Join(outside, results.PlanFile), `[{"run":"r","variant":"SECRET-PLAN","seed":1}]`)
	writeFile(t, filepath.Join(outside, "r", results.ConfigFile), "SECRET-CONFIG = 1\n")
	// A symlinked experiment and a symlinked run, both leading out of the folder.
	if err := os.Symlink(outside, filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "heads-ablation", "single-head-seed1")
	if err := os.RemoveAll(run); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "r"), run); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"/e/../outside/", "/e/..%2Foutside/", "/e/%2E%2E%2Foutside/", "/e/%2e%2e/", "/e/..%5Coutside/",
		"/e/" + url(outside) + "/", "/e/%2F" + strings.TrimPrefix(url(outside), "%2F") + "/", "/e//etc/",
		"/e/linked/", "/api/e/linked", "/api/e/..%2Foutside", "/api/e/%2E%2E",
		"/e/heads-ablation/r/..%2F..%2Foutside%2Fr/", "/e/heads-ablation/r/single-head-seed1/",
		"/e/heads-ablation/r/%2E%2E/", "/e/heads-ablation/plot/..%2F..%2Foutside%2Fplan.json",
		"/static/../server.go", "/static/..%2Fserver.go", "/static/%2E%2E%2Fbase.html", "/api/experiments",
	} {
		code, body := get(t, ts, p)
		if strings.Contains(body, "SECRET") {
			t.Errorf("%s (%d) shows a file outside the results folder:\n%.300s", p, code, body)
		}
		if code == http.StatusOK && strings.Contains(p, "outside") {
			t.Errorf("%s: %d, want a refusal", p, code)
		}
	}
	if code, _ := get(t, ts, "/e/heads-ablation/"); code != http.StatusOK {
		t.Errorf("the experiment itself: %d", code)
	}
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		req, _ := http.NewRequest(m, ts.URL+"/e/heads-ablation/", strings.NewReader("x"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d, want 405", m, resp.StatusCode)
		}
	}
}

// url percent-encodes every slash of an absolute path.
func url(p string) string { return strings.ReplaceAll(p, "/", "%2F") }

func TestNamesAreEscaped(t *testing.T) {
	dir, ts := newServer(t)
	const evil = `<script>alert("x")</script>`
	exp := filepath.Join(dir, "evil")
	plan := []results.PlannedRun{{Run: "<img src=x onerror=alert(1)>", Variant: evil, Point: "<b>p", Seed: 1}}
	if err := results.WriteJSON(filepath.Join(exp, results.PlanFile), plan); err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(exp, plan[0].Run)
	writeFile(t, filepath.Join(runDir, results.ConfigFile), "[train]\nepisodes = 10 # "+evil+"\n")
	writeFile(t, filepath.Join(runDir, results.DataFile), "class "+evil+": 3 images\n")
	writeFile(t, filepath.Join(runDir, results.MetricsFile), `{"episode":5,"kind":"val","val_acc":0.5,"val_groups":{"`+evil+`":0.5}}`+"\n")
	f := results.Failure{Run: plan[0].Run, Error: evil, Time: time.Now()}
	if err := results.WriteJSON(filepath.Join(runDir, results.FailedFile), f); err != nil {
		t.Fatal(err)
	}
	runURL := "/e/evil/r/" + strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20", "=", "%3D", "(", "%28", ")", "%29").Replace(plan[0].Run) + "/"
	for _, p := range []string{"/", "/api/experiments", "/e/evil/", "/api/e/evil", runURL} {
		code, body := get(t, ts, p)
		if code != http.StatusOK {
			t.Errorf("%s: %d %s", p, code, body)
		}
		for _, raw := range []string{"<script>alert", "<img src=x", "<b>p"} {
			if strings.Contains(body, raw) {
				t.Errorf("%s shows %q unescaped:\n%s", p, raw, body)
			}
		}
	}
	if _, body := get(t, ts, runURL); !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("the run page does not show the recorded error escaped:\n%s", body)
	}
}

func TestStatesFromFiles(t *testing.T) {
	dir, ts := newServer(t)
	exp := filepath.Join(dir, "states")
	var plan []results.PlannedRun
	for _, name := range []string{"waiting", "running", "stopped", "failed", "done"} {
		plan = append(plan, results.PlannedRun{Run: name, Variant: name, Seed: 1})
	}
	if err := results.WriteJSON(filepath.Join(exp, results.PlanFile), plan); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for _, name := range []string{"running", "stopped", "failed", "done"} {
		writeFile(t, filepath.Join(exp, name, results.ConfigFile), "[train]\nepisodes = 100\n")
		writeFile(t, filepath.Join(exp, name, results.MetricsFile), `{"episode":10,"kind":"train","loss":1,"episodes_per_sec":5}`+"\n")
		os.Chtimes(filepath.Join(exp, name, results.MetricsFile), old, old)
	}
	unlock, err := results.LockRun(filepath.Join(exp, "running"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	writeFile(t, filepath.Join(exp, "failed", results.FailedFile), `{"run":"failed","error":"training loss is not finite: NaN at episode 7"}`)
	ev, _ := os.ReadFile(filepath.Join(dir, "heads-ablation", "single-head-seed1", results.EvalFile))
	writeFile(t, filepath.Join(exp, "done", results.EvalFile), string(ev))
	_, body := get(t, ts, "/api/e/states")
	var v experimentView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err, body)
	}
	for _, r := range v.Runs {
		if string(r.State) != r.Run {
			t.Errorf("run %s: state %s", r.Run, r.State)
		}
		if r.Run == "running" && (r.Episode != 10 || r.Total != 100 || r.ETA != 18) {
			t.Errorf("running: episode %d of %d, ETA %v s; want 10 of 100, 18 s", r.Episode, r.Total, r.ETA)
		}
		if r.Run == "failed" && !strings.Contains(r.Error, "NaN at episode 7") {
			t.Errorf("failed: error %q", r.Error)
		}
	}
}

func TestMetricsReadIncrementally(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	var b strings.Builder
	const n = 100_000
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"episode":%d,"kind":"train","loss":%g,"episodes_per_sec":100}`+"\n", i, 1/float64(i))
	}
	path := filepath.Join(dir, results.MetricsFile)
	writeFile(t, path, b.String())
	var tail metricsTail
	start := time.Now()
	if _, err := tail.update(root, results.MetricsFile); err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	if tail.lines != n || len(tail.records) != n {
		t.Fatalf("read %d lines, %d records; want %d", tail.lines, len(tail.records), n)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprint(f, `{"episode":100001,"kind":"val","val_acc":0.5}`+"\n"+`{"episode":100002,"kin`) // the last line half written
	start = time.Now()
	if changed, err := tail.update(root, results.MetricsFile); err != nil || !changed {
		t.Fatal(changed, err)
	}
	again := time.Since(start)
	if tail.lines != n+1 || tail.records[n].Kind != "val" {
		t.Errorf("after one more line: %d lines parsed, want %d", tail.lines, n+1)
	}
	fmt.Fprint(f, `d":"train","loss":0.1}`+"\n")
	if _, err := tail.update(root, results.MetricsFile); err != nil || tail.lines != n+2 || tail.records[n+1].Episode != 100002 {
		t.Errorf("the finished line: %d lines, err %v", tail.lines, err)
	}
	if changed, _ := tail.update(root, results.MetricsFile); changed {
		t.Error("nothing appended, yet changed")
	}
	t.Logf("metrics.jsonl of %d lines: first read %v, then the one appended line %v", n, first.Round(time.Millisecond), again.Round(time.Microsecond))
	writeFile(t, path+".new", `{"episode":1,"kind":"train","loss":2}`+"\n") // a resumed run rewrites the file
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	if _, err := tail.update(root, results.MetricsFile); err != nil || tail.lines != 1 {
		t.Errorf("a replaced file: %d lines, err %v; want it read anew", tail.lines, err)
	}
}

func TestTwoHundredRuns(t *testing.T) {
	dir, ts := newServer(t)
	exp := filepath.Join(dir, "big")
	ev, _ := os.ReadFile(filepath.Join(dir, "heads-ablation", "single-head-seed1", results.EvalFile))
	metrics, _ := os.ReadFile(filepath.Join(dir, "heads-ablation", "single-head-seed1", results.MetricsFile))
	var plan []results.PlannedRun
	for i := range 200 {
		p := results.PlannedRun{Run: fmt.Sprintf("v%d-seed%d", i%10, i/10+1), Variant: fmt.Sprintf("v%d", i%10), Seed: uint64(i/10 + 1), Baseline: i%10 == 0}
		plan = append(plan, p)
		writeFile(t, filepath.Join(exp, p.Run, results.ConfigFile), "[train]\nepisodes = 2000\n")
		writeFile(t, filepath.Join(exp, p.Run, results.MetricsFile), string(metrics))
		if i < 150 {
			writeFile(t, filepath.Join(exp, p.Run, results.EvalFile), string(ev))
		}
	}
	if err := results.WriteJSON(filepath.Join(exp, results.PlanFile), plan); err != nil {
		t.Fatal(err)
	}
	timed := func(path string) (time.Duration, string) {
		start := time.Now()
		code, body := get(t, ts, path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		return time.Since(start), body
	}
	cold, first := timed("/api/e/big")
	var v experimentView
	if err := json.Unmarshal([]byte(first), &v); err != nil || len(v.Runs) != 200 || v.Report == nil || len(v.Report.Accuracy.Rows) != 11 {
		t.Fatalf("200 runs: %d runs, err %v", len(v.Runs), err)
	}
	page, _ := timed("/e/big/")
	time.Sleep(refreshEvery)
	warm, body := timed(fmt.Sprintf("/api/e/big?since=%d", v.Gen))
	plot, _ := timed("/e/big/plot/accuracy.svg")
	if strings.Contains(body, `"curves"`) {
		t.Error("curves sent again though no run changed")
	}
	t.Logf("200 runs (150 evaluated): first poll %v (%d KB), page %v, next poll %v (%d KB, files re-checked), accuracy plot %v",
		cold.Round(time.Millisecond), len(first)/1024, page.Round(100*time.Microsecond), warm.Round(time.Millisecond), len(body)/1024, plot.Round(time.Millisecond))
	if warm > 2*time.Second {
		t.Errorf("a poll of 200 unchanged runs took %v", warm)
	}
}
