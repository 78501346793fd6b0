package synth

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/BurntSushi/toml"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/fashionmnist"
	"github.com/relnet/relnet/internal/atomicfile"
)

// Output names inside Generate's output directory.
const (
	ImagesDir  = "images"
	LabelsFile = "labels.csv"
	ConfigFile = "synth.toml"
)

// Generate validates cfg, reads the Fashion-MNIST training silhouettes from fashionDir and
// writes the set to outDir: ImagesDir/img_%06d.png, ConfigFile (the resolved config) and,
// last, LabelsFile. workers ≤ 0 means one per CPU; the files do not depend on it. Existing
// files of the same names are replaced; other files are left alone.
func Generate(cfg Config, fashionDir, outDir string, workers int) (*Stats, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	train, _, err := fashionmnist.Load(fashionDir)
	if err != nil {
		return nil, err
	}
	return generate(cfg.WithDefaults(), train, outDir, workers)
}

// generate is Generate for a resolved, valid cfg and loaded silhouettes.
func generate(cfg Config, train *datasets.Images, outDir string, workers int) (*Stats, error) {
	p, err := newPlan(cfg, train)
	if err != nil {
		return nil, err
	}
	imagesDir := filepath.Join(outDir, ImagesDir)
	if err := os.MkdirAll(imagesDir, 0o755); err != nil {
		return nil, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	labels := make([][3]Label, cfg.Images)
	var (
		next     atomic.Int64
		failed   atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(workers, cfg.Images) {
		wg.Go(func() {
			var buf bytes.Buffer
			enc := png.Encoder{BufferPool: &reuseBuffer{}}
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= cfg.Images {
					return
				}
				s, img, _ := p.draw(i)
				labels[i] = p.labels(s)
				buf.Reset()
				err := enc.Encode(&buf, img)
				if err == nil {
					err = os.WriteFile(filepath.Join(imagesDir, imageName(i)), buf.Bytes(), 0o644)
				}
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("synth: image %d: %w", i, err) })
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}

	var conf bytes.Buffer
	conf.WriteString("# Resolved configuration of this synthetic set, written by relnet's synth package.\n")
	if err := toml.NewEncoder(&conf).Encode(cfg); err != nil {
		return nil, fmt.Errorf("synth: encoding %s: %w", ConfigFile, err)
	}
	if err := atomicfile.Write(filepath.Join(outDir, ConfigFile), conf.Bytes()); err != nil {
		return nil, err
	}
	var csv bytes.Buffer
	csv.WriteString("image,labels\n")
	for i, ls := range labels {
		fmt.Fprintf(&csv, "%s,%s %s %s\n", imageName(i), ls[0], ls[1], ls[2])
	}
	if err := atomicfile.Write(filepath.Join(outDir, LabelsFile), csv.Bytes()); err != nil {
		return nil, err
	}
	return newStats(cfg, labels), nil
}

// reuseBuffer lets one worker's PNG encoder keep its compressor from image to image.
type reuseBuffer struct{ b *png.EncoderBuffer }

func (r *reuseBuffer) Get() *png.EncoderBuffer  { return r.b }
func (r *reuseBuffer) Put(b *png.EncoderBuffer) { r.b = b }

// imageName is the file name of image i.
func imageName(i int) string { return fmt.Sprintf("img_%06d.png", i) }

// labels returns the category, colour and pattern labels of a sample.
func (p *plan) labels(s sample) [3]Label {
	return [3]Label{
		{GroupCategory, categoryNames[p.cfg.Categories[s.category]]},
		{GroupColor, p.cfg.Colors[s.color]},
		{GroupPattern, p.cfg.Patterns[s.pattern]},
	}
}
