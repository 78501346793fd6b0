package rundata

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relnet/relnet/experiments/spec"
)

// csvExperiment copies the seed-format fixture (testdata/attributes) into a temporary
// directory and returns a configuration that reads it, with its results root there too.
func csvExperiment(t *testing.T) (cfg spec.Config, dir string) {
	t.Helper()
	dir = t.TempDir()
	src := filepath.Join("..", "..", "testdata", "attributes")
	for _, f := range []string{"styles.csv", "images/red.png", "images/blue.jpg", "images/split.png", "images/grey.png"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	toml := `[experiment]
results = "results"
[dataset]
source = "csv"
path = "styles.csv"
images = "images"
height = 12
width = 10
[[dataset.groups]]
name = "clothing_category"
[[dataset.groups]]
name = "major_color"
[[dataset.groups]]
name = "wearing_hat"
`
	cfg, err := spec.Parse(filepath.Join(dir, "csv.toml"), []byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = filepath.Join(dir, "results")
	return cfg, dir
}

// TestLoaderDecodesOnceAndTrustsOnlyAnUnchangedCache checks the Loader: one decode per data
// configuration within a process, the cache file in later processes (new Loaders), and a new
// decode whenever an image changed or the cache file was damaged.
func TestLoaderDecodesOnceAndTrustsOnlyAnUnchangedCache(t *testing.T) {
	cfg, dir := csvExperiment(t)
	var log strings.Builder
	load := func(l *Loader) *Decoded {
		t.Helper()
		d, err := l.Load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := NewLoader(&log)
	a := load(first)
	other := cfg
	other.Train.Seed, other.Experiment.Run = 7, "other" // another run, the same data
	b, err := first.Load(other)
	if err != nil || a != b {
		t.Fatalf("a second run with the same data got another decoded set (%v)", err)
	}
	if n := strings.Count(log.String(), "loaded in"); n != 1 {
		t.Errorf("%d loads within one Loader, want 1:\n%s", n, log.String())
	}

	expect := func(what, want string) *Decoded {
		t.Helper()
		log.Reset()
		d := load(NewLoader(&log))
		if !strings.Contains(log.String(), want) {
			t.Errorf("%s: log lacks %q:\n%s", what, want, log.String())
		}
		return d
	}
	cached := expect("a new process", "read from the cache")
	if len(cached.Attrs.Pixels) != len(a.Attrs.Pixels) || cached.Attrs.Pixels[17] != a.Attrs.Pixels[17] || cached.Report.Kept != a.Report.Kept {
		t.Error("the cached set differs from the decoded one")
	}

	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "images", "blue.jpg"), later, later); err != nil {
		t.Fatal(err)
	}
	expect("an image touched", "blue.jpg modified")
	expect("after the new decode", "read from the cache")

	files, _ := filepath.Glob(filepath.Join(cfg.Experiment.Results, CacheDir, "*.bin"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	data, _ := os.ReadFile(files[0])
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(files[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	expect("a damaged cache", "corrupt")
	expect("after the new decode", "read from the cache")

	changed := cfg
	changed.Dataset.Height = 14
	log.Reset()
	if _, err := NewLoader(&log).Load(changed); err != nil || strings.Contains(log.String(), "read from the cache") {
		t.Errorf("another image size read the cache (%v):\n%s", err, log.String())
	}
}

// TestConcurrentLoadersDecodeOnce starts four Loaders at once on one data set, as Slurm array
// tasks sharing a results directory do: one decodes it, the others wait and read its cache.
func TestConcurrentLoadersDecodeOnce(t *testing.T) {
	cfg, _ := csvExperiment(t)
	logs := make([]strings.Builder, 4)
	var wg sync.WaitGroup
	for i := range logs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := NewLoader(&logs[i]).Load(cfg); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	fromCache := 0
	for i := range logs {
		if strings.Contains(logs[i].String(), "read from the cache") {
			fromCache++
		}
	}
	if fromCache != len(logs)-1 {
		t.Errorf("%d of %d loaders read the cache, want all but the first", fromCache, len(logs))
	}
}

// TestLoaderLogsTheLabelsItIgnores: with one group left undeclared, the load's log line counts
// its labels by prefix, so that a misspelt or forgotten prefix shows before training starts.
func TestLoaderLogsTheLabelsItIgnores(t *testing.T) {
	cfg, _ := csvExperiment(t)
	cfg.Dataset.Groups = cfg.Dataset.Groups[:2]
	var log strings.Builder
	if _, err := NewLoader(&log).Load(cfg); err != nil {
		t.Fatal(err)
	}
	if want := "6 data lines, 4 images kept, 2 lines skipped; ignored labels: wearing_hat_ on 4 lines\n"; !strings.Contains(log.String(), want) {
		t.Errorf("log:\n%s\nwant a line ending %q", log.String(), want)
	}
}
