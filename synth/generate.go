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
	labels, err := writeImages(p, cfg.Images, imagesDir, workers)
	if err != nil {
		return nil, err
	}
	if err := writeConfig(cfg, outDir); err != nil {
		return nil, err
	}
	if err := writeLabels(labels, outDir); err != nil {
		return nil, err
	}
	return newStats(cfg, labels), nil
}

// writeImages draws images 0..n-1 of plan p and writes each as a PNG into imagesDir, with
// workers goroutines (≤ 0: one per CPU), and returns their labels. After the first failure no
// worker starts another image, and that failure is the error.
func writeImages(p *plan, n int, imagesDir string, workers int) ([][3]Label, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	labels := make([][3]Label, n)
	var (
		next     atomic.Int64
		failed   atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Go(func() {
			var buf bytes.Buffer
			enc := png.Encoder{BufferPool: &reuseBuffer{}}
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
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
	return labels, firstErr
}

// writeConfig writes cfg as TOML, under a one-line comment, to ConfigFile in outDir.
func writeConfig(cfg Config, outDir string) error {
	var conf bytes.Buffer
	conf.WriteString("# Resolved configuration of this synthetic set, written by relnet's synth package.\n")
	if err := toml.NewEncoder(&conf).Encode(cfg); err != nil {
		return fmt.Errorf("synth: encoding %s: %w", ConfigFile, err)
	}
	return atomicfile.Write(filepath.Join(outDir, ConfigFile), conf.Bytes())
}

// writeLabels writes LabelsFile in outDir: a header, then per image its name and its category,
// colour and pattern labels, in the seed notebook's `image,label label ...` format.
func writeLabels(labels [][3]Label, outDir string) error {
	var csv bytes.Buffer
	csv.WriteString("image,labels\n")
	for i, ls := range labels {
		fmt.Fprintf(&csv, "%s,%s %s %s\n", imageName(i), ls[0], ls[1], ls[2])
	}
	return atomicfile.Write(filepath.Join(outDir, LabelsFile), csv.Bytes())
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
