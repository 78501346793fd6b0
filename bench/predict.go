package bench

import (
	"context"
	"fmt"
	"image"
	"io"
	"math"
	"path/filepath"
	"time"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/folder"
	"github.com/relnet/relnet/experiments/build"
	"github.com/relnet/relnet/model/checkpoint"
	"github.com/relnet/relnet/predict"
	"github.com/relnet/relnet/tensors"
)

// PredictCases are the image shapes of predict's benchmark: a 5-way 5-shot support at each.
var PredictCases = []Case{
	{Name: "28×28×1 5-way 5-shot", C: 1, H: 28, W: 28, Way: 5, Shot: 5},
	{Name: "84×84×3 5-way 5-shot", C: 3, H: 84, W: 84, Way: 5, Shot: 5},
}

// PredictResult is predict's measured rate for one case: images per second per repeat, with
// decoding, scoring and writing the output included, and the rate of decoding alone.
type PredictResult struct {
	Case       Case
	Threads    int
	Queries    int
	PerSec     []float64 // per repeat, in order
	DecodeOnly float64   // images/s of decoding alone, on one goroutine
}

// Predict times `relnet predict` on case c: it writes a support set (c.Shot PNGs of each of
// c.Way classes) and queries PNGs of random pixels under dir, the checkpoint of a freshly
// initialised default relation network for the shape, then classifies the queries repeats
// times, after one untimed warm-up pass, with libtorch and the decoders on threads cores. Speed
// does not depend on the weights, so none are trained.
func Predict(ctx context.Context, c Case, threads, queries, repeats int, dir string, log io.Writer) (r PredictResult, err error) {
	r = PredictResult{Case: c, Threads: threads, Queries: queries}
	supportDir, queryDir, err := writePredictImages(c, queries, dir)
	if err != nil {
		return r, err
	}
	ckpt := filepath.Join(dir, "bench.ckpt")
	err = tensors.Run(func() error {
		opts := build.Tensors(c.config())
		opts.Threads = threads
		if err := tensors.Setup(opts); err != nil {
			return err
		}
		if err := saveBenchCheckpoint(c, ckpt); err != nil {
			return err
		}
		s, err := predict.OpenSession(predict.SessionOptions{Checkpoint: ckpt, Runtime: predict.Runtime{Threads: threads}, Support: supportDir})
		if err != nil {
			return err
		}
		defer s.Free()
		r.Threads = tensors.Threads()
		list, err := s.Queries([]string{queryDir})
		if err != nil {
			return err
		}
		m := s.Model
		run := func(qs []predict.Query) (predict.Summary, error) {
			return s.Run(ctx, qs, io.Discard, io.Discard, predict.Options{Workers: r.Threads})
		}
		if _, err := run(list[:min(256, len(list))]); err != nil { // warm-up
			return err
		}
		for i := range repeats {
			sum, err := run(list)
			if err != nil {
				return err
			}
			r.PerSec = append(r.PerSec, sum.ImagesPerSecond())
			fmt.Fprintf(log, "predict %s, %d threads, repeat %d/%d: %.0f images/s\n", c.Name, r.Threads, i+1, repeats, r.PerSec[i])
		}
		start := time.Now()
		pixels := make([]float32, m.Shape.Size())
		for _, q := range list {
			if err := datasets.DecodeImage(q.Path, image.Rectangle{}, m.Shape, 0, pixels); err != nil {
				return err
			}
		}
		r.DecodeOnly = float64(len(list)) / time.Since(start).Seconds()
		return nil
	})
	return r, err
}

// writePredictImages writes case c's support set (c.Shot PNGs of random pixels for each of
// c.Way classes) and queries PNGs under dir, and returns the two folders.
func writePredictImages(c Case, queries int, dir string) (supportDir, queryDir string, err error) {
	perClass := c.Shot + (queries+c.Way-1)/c.Way
	im := datasets.RandomImages(c.Way, perClass, c.C, c.H, c.W, 1)
	for i, v := range im.Pixels { // 8-bit levels, as image files hold
		im.Pixels[i] = float32(math.Round(float64(v)*255)) / 255
	}
	var support, query []int
	for i := range im.Labels { // image i is the (i/Way)-th of class i%Way
		if i/c.Way < c.Shot {
			support = append(support, i)
		} else if len(query) < queries {
			query = append(query, i)
		}
	}
	supportDir, queryDir = filepath.Join(dir, "support"), filepath.Join(dir, "queries")
	if _, err := folder.Write(im, supportDir, support); err != nil {
		return "", "", err
	}
	_, err = folder.Write(im, queryDir, query)
	return supportDir, queryDir, err
}

// saveBenchCheckpoint writes the checkpoint of a fresh relation network of case c's
// configuration, with a normalisation, as training would have written it.
func saveBenchCheckpoint(c Case, path string) error {
	cfg := c.config()
	text, err := cfg.Encode()
	if err != nil {
		return err
	}
	h := checkpoint.Header{Config: string(text), Model: c.record()}
	h.Model.Mean, h.Model.Std = make([]float64, c.C), make([]float64, c.C)
	for i := range h.Model.Mean {
		h.Model.Mean[i], h.Model.Std[i] = 0.5, 0.29
	}
	l, err := build.Learner(cfg, h.Model)
	if err != nil {
		return err
	}
	defer l.Free()
	return checkpoint.Save(path, h, l.State())
}
