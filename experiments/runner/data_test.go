package runner

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relnet/relnet/experiments/results"
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
	load := func(l *Loader) *decoded {
		t.Helper()
		d, err := l.load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := NewLoader(&log)
	a := load(first)
	other := cfg
	other.Train.Seed, other.Experiment.Run = 7, "other" // another run, the same data
	b, err := first.load(other)
	if err != nil || a != b {
		t.Fatalf("a second run with the same data got another decoded set (%v)", err)
	}
	if n := strings.Count(log.String(), "loaded in"); n != 1 {
		t.Errorf("%d loads within one Loader, want 1:\n%s", n, log.String())
	}

	expect := func(what, want string) *decoded {
		t.Helper()
		log.Reset()
		d := load(NewLoader(&log))
		if !strings.Contains(log.String(), want) {
			t.Errorf("%s: log lacks %q:\n%s", what, want, log.String())
		}
		return d
	}
	cached := expect("a new process", "read from the cache")
	if len(cached.attrs.Pixels) != len(a.attrs.Pixels) || cached.attrs.Pixels[17] != a.attrs.Pixels[17] || cached.report.Kept != a.report.Kept {
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
	if _, err := NewLoader(&log).load(changed); err != nil || strings.Contains(log.String(), "read from the cache") {
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
			if _, err := NewLoader(&logs[i]).load(cfg); err != nil {
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

// imageFolder writes root/<class>/<i>.png for classes × perClass 8×8 grey images, class c a
// plain level with noise, and returns root.
func imageFolder(t *testing.T, classes, perClass int) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "folder")
	rng := rand.New(rand.NewPCG(1, 2))
	for c := range classes {
		for i := range perClass {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			for p := range img.Pix {
				img.Pix[p] = uint8(40*c + rng.IntN(30))
			}
			path := filepath.Join(root, fmt.Sprintf("class%d", c), fmt.Sprintf("%02d.png", i))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := png.Encode(&b, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// TestFolderSourceAndBadLines trains on an image folder with one corrupt image: by default
// the run stops before training and the experiment's bad-lines.txt names the image; with
// dataset.bad_lines = "skip" the run trains and its data.txt lists the skipped image.
func TestFolderSourceAndBadLines(t *testing.T) {
	root := imageFolder(t, 5, 20)
	if err := os.WriteFile(filepath.Join(root, "class3", "broken.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(`[dataset]
source = "folder"
path = %q
channels = 1
height = 28
width = 28
test_fraction = 0.3
val_fraction = 0.2
[backbone]
filters = 4
[heads]
filters = 4
padding = "1"
[train]
way = 2
query = 1
episodes = 3
val_every = 3
val_episodes = 2
[eval]
query = 1
`, root)
	cfg, err := spec.Parse(filepath.Join(t.TempDir(), "folder.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = t.TempDir()
	err = RunAll(context.Background(), []spec.Config{cfg}, spec.Shard{}, logTo(t))
	list := filepath.Join(cfg.ExperimentDir(), BadLinesFile)
	if err == nil || !strings.Contains(err.Error(), "1 bad line") || !strings.Contains(err.Error(), list) {
		t.Fatalf("RunAll: %v, want a bad-line error naming %s", err, list)
	}
	if data, _ := os.ReadFile(list); !strings.Contains(string(data), filepath.Join(root, "class3", "broken.png")) {
		t.Errorf("%s:\n%s", list, data)
	}
	cfg.Dataset.BadLines = spec.BadLinesSkip
	if err := Train(context.Background(), cfg, logTo(t)); err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile(filepath.Join(cfg.RunDir(), results.DataFile))
	if err != nil || !strings.Contains(string(report), "class3/broken.png") || !strings.Contains(string(report), "100 images kept") {
		t.Errorf("data report (%v):\n%s", err, report)
	}
}

// TestSeedNotebookRecipeRuns runs experiments/seed-notebook.toml, the seed notebook's recipe
// (one declared group of seven values out of twelve prefixes, image split, random rotation),
// for two training episodes, and checks that the other prefixes were ignored and counted.
func TestSeedNotebookRecipeRuns(t *testing.T) {
	cfg, err := spec.Load(filepath.Join("..", "seed-notebook.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = t.TempDir()
	cfg.Train.Episodes, cfg.Train.ValEpisodes, cfg.Eval.Way, cfg.Eval.Query = 2, 2, 2, 1 // quick, not a result
	if err := RunAll(context.Background(), []spec.Config{cfg}, spec.Shard{}, logTo(t)); err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile(filepath.Join(cfg.RunDir(), results.DataFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"group clothing_category: 7 values", "colour_ on", "wearing_hat_ on"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("data report lacks %q:\n%s", want, report)
		}
	}
	if _, err := results.ReadEvalResult(filepath.Join(cfg.RunDir(), results.EvalFile)); err != nil {
		t.Error(err)
	}
}
