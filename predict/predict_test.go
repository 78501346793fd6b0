package predict

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/runner"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// imageFolder writes root/<class>/<i>.png: classes × perClass 8×8 grey images, class c a
// plain level with noise.
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
			var b bytes.Buffer
			if err := png.Encode(&b, img); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(root, fmt.Sprintf("class%d", c), fmt.Sprintf("%02d.png", i)), b.Bytes())
		}
	}
	return root
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// trainedRun trains a small relation network on an image folder of 6 classes and returns its
// configuration and the folder.
func trainedRun(t *testing.T) (spec.Config, string) {
	t.Helper()
	root := imageFolder(t, 6, 40)
	text := fmt.Sprintf(`[dataset]
source = "folder"
path = %q
channels = 1
height = 28
width = 28
test_fraction = 0.4
val_fraction = 0.4
[backbone]
filters = 8
[heads]
filters = 8
[train]
way = 3
shot = 2
query = 2
episodes = 20
val_every = 10
val_episodes = 2
[eval]
way = 5
shot = 3
query = 4
episodes = 600
`, root)
	cfg, err := spec.Parse(filepath.Join(t.TempDir(), "predict.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = t.TempDir()
	if err := runner.Train(context.Background(), cfg, io.Discard); err != nil {
		t.Fatal(err)
	}
	return cfg, root
}

// line is one JSON line of Run's output.
type line struct {
	Image  string
	Groups map[string]jsonGroup
}

// TestPredictMatchesEvaluation copies the images of one test episode into a support folder
// and a query folder and checks that predict gives, image by image, the logits with which
// evaluation scores that episode, and the same right and wrong answers.
func TestPredictMatchesEvaluation(t *testing.T) {
	cfg, root := trainedRun(t)
	set, err := rundata.NewLoader(io.Discard).Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run, err := rundata.New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	ep := run.Test[0].Episode(1)
	names := set.Attrs.Groups[0].Values
	dir := t.TempDir()
	copyImage := func(id int, dst string) {
		data, err := os.ReadFile(filepath.Join(root, set.Attrs.Files[id]))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dst, data)
	}
	for k, id := range ep.SupportIDs {
		copyImage(id, filepath.Join(dir, "support", names[ep.Classes[k/ep.Spec.Shot]], fmt.Sprintf("s%d.png", k)))
	}
	for q, id := range ep.QueryIDs {
		copyImage(id, filepath.Join(dir, "queries", names[ep.Classes[ep.QueryLabels[q]]], fmt.Sprintf("q%02d.png", q)))
	}

	err = tensors.Run(func() error {
		session, err := OpenSession(SessionOptions{Checkpoint: filepath.Join(cfg.RunDir(), results.BestFile),
			RunConfig: filepath.Join(cfg.RunDir(), "config.toml"), Runtime: Runtime{Threads: 1},
			Support: filepath.Join(dir, "support"), Load: datasets.LoadOptions{Workers: 2}})
		if err != nil {
			return err
		}
		defer session.Free()
		m := session.Model
		var s tensors.Scope
		defer s.Drop()
		prev := tensors.SetGrad(false)
		want := tensors.Values(m.Net.GroupLogits(&s, 0, []*sampling.Episode{ep}, layers.Eval)[0]) // as evaluation scores it
		right := m.Net.RightQueries(0, []*sampling.Episode{ep}, layers.Eval)[0]
		tensors.SetGrad(prev)

		queries, err := session.Queries([]string{filepath.Join(dir, "queries")})
		if err != nil {
			return err
		}
		var out bytes.Buffer
		sum, err := session.Run(context.Background(), queries, &out, io.Discard, Options{Format: "jsonl", Logits: true, Batch: 3})
		if err != nil {
			return err
		}
		if sum.Images != len(ep.QueryIDs) || sum.Skipped != 0 {
			t.Errorf("summary %+v, want %d images", sum, len(ep.QueryIDs))
		}
		sc := bufio.NewScanner(&out)
		var correct []float64
		rounded := 0 // logits that differ in float32 rounding only
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				return err
			}
			var q int
			if _, err := fmt.Sscanf(filepath.Base(l.Image), "q%02d.png", &q); err != nil {
				return err
			}
			g := l.Groups["class"]
			for c, id := range ep.Classes {
				got, w := g.Scores[names[id]], want[q*ep.Spec.Way+c]
				if d := math.Abs(float64(got - w)); d > 1e-6*max(1, math.Abs(float64(w))) {
					t.Errorf("query %d (%s), class %s: predict logit %v, evaluation %v", q, l.Image, names[id], got, w)
				} else if d > 0 {
					rounded++
				}
			}
			if ok := g.Predicted == g.Label; ok != right[q] {
				t.Errorf("query %d: predict says %s for %s, evaluation right = %v", q, g.Predicted, g.Label, right[q])
			}
			correct = append(correct, b2f(g.Predicted == g.Label))
		}
		t.Logf("%d of %d logits differ from evaluation's by float32 rounding (the backbone ran on other batches), the rest are bit-identical", rounded, len(want))
		if got, w := sum.Accuracy[0].Summary.Mean, results.Summarize(correct).Mean; got != w || sum.Accuracy[0].Summary.Episodes != len(ep.QueryIDs) {
			t.Errorf("accuracy %+v, want mean %v over %d queries", sum.Accuracy[0], w, len(ep.QueryIDs))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPredictBadInput checks the errors of bad support sets and query images.
func TestPredictBadInput(t *testing.T) {
	cfg, root := trainedRun(t)
	dir := t.TempDir()
	png0, err := os.ReadFile(filepath.Join(root, "class0", "00.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"a", "b"} {
		writeFile(t, filepath.Join(dir, "support", c, "1.png"), png0)
	}
	writeFile(t, filepath.Join(dir, "queries", "good.png"), png0)
	writeFile(t, filepath.Join(dir, "queries", "broken.png"), []byte("not a png"))
	writeFile(t, filepath.Join(dir, "queries", "notes.txt"), []byte("not an image, not listed"))
	if err := os.MkdirAll(filepath.Join(dir, "empty-class", "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "empty-class", "b", "1.png"), png0)
	writeFile(t, filepath.Join(dir, "one-class", "a", "1.png"), png0)
	// A support image larger than max_pixels (here any image: the limit is one pixel).
	writeFile(t, filepath.Join(dir, "too-large", "a", "1.png"), png0)
	writeFile(t, filepath.Join(dir, "too-large", "b", "1.png"), png0)

	err = tensors.Run(func() error {
		m, err := Open(filepath.Join(cfg.RunDir(), results.BestFile), "", Runtime{})
		if err != nil {
			return err
		}
		defer m.Free()
		opts := datasets.LoadOptions{Workers: 2}
		for name, want := range map[string]string{
			"empty-class": filepath.Join(dir, "empty-class", "a") + " holds no image",
			"one-class":   "group class has one class (a)",
		} {
			if _, _, err := ReadSupport(filepath.Join(dir, name), m, "", opts); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("support %s: %v, want %q", name, err, want)
			}
		}
		tooLarge := filepath.Join(dir, "too-large", "a", "1.png") + ": 8×8 PNG image (0.0 megapixels), larger than max_pixels = 1"
		if _, _, err := ReadSupport(filepath.Join(dir, "too-large"), m, "", datasets.LoadOptions{MaxPixels: 1}); err == nil || !strings.Contains(err.Error(), tooLarge) {
			t.Errorf("support images above max_pixels: %v, want %q", err, tooLarge)
		}
		// A support CSV whose images are not beside it: its bad lines, not a crash.
		writeFile(t, filepath.Join(dir, "csv", "support.csv"), []byte("a.png,class_a\nb.png,class_b\n"))
		missing := filepath.Join(dir, "csv", "support.csv") + ": 2 bad lines"
		if _, _, err := ReadSupport(filepath.Join(dir, "csv", "support.csv"), m, "", opts); err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("a support CSV of missing images: %v, want %q", err, missing)
		}
		if _, _, err := ReadSupport(filepath.Join(dir, "support"), m, "colour", opts); err == nil || !strings.Contains(err.Error(), `no group "colour"`) {
			t.Errorf("--group colour: %v", err)
		}
		set, _, err := ReadSupport(filepath.Join(dir, "support"), m, "", opts)
		if err != nil {
			return err
		}
		sup, err := m.Embed(set)
		if err != nil {
			return err
		}
		defer sup.Free()
		queries, err := ListQueries([]string{filepath.Join(dir, "queries")}, m, sup, opts)
		if err != nil {
			return err
		}
		var out, errs bytes.Buffer
		sum, err := Run(context.Background(), m, sup, queries, &out, &errs, Options{})
		if err != nil {
			return err
		}
		broken := filepath.Join(dir, "queries", "broken.png")
		if sum.Images != 1 || sum.Skipped != 1 || !strings.Contains(errs.String(), "skipped "+broken) || !strings.Contains(errs.String(), "not an image") {
			t.Errorf("summary %+v, errors %q: want good.png classified and broken.png reported", sum, errs.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 || lines[0] != "image,class_predicted,class_score_a,class_score_b" || !strings.HasPrefix(lines[1], filepath.Join(dir, "queries", "good.png")+",") {
			t.Errorf("CSV output:\n%s", out.String())
		}
		if _, err := ListQueries([]string{filepath.Join(dir, "queries", "notes.txt")}, m, sup, opts); err == nil || !strings.Contains(err.Error(), "not an image") {
			t.Errorf("a text file as query: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.ckpt"), "", Runtime{}); err == nil || !strings.Contains(err.Error(), "no checkpoint at") {
		t.Errorf("missing checkpoint: %v", err)
	}
	other := cfg
	other.Backbone.Filters = 16
	text, _ := other.Encode()
	conf := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, conf, text)
	if _, err := Open(filepath.Join(cfg.RunDir(), results.BestFile), conf, Runtime{}); err == nil || !strings.Contains(err.Error(), "another architecture") {
		t.Errorf("checkpoint of another architecture: %v", err)
	}
}
