package experiments

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/losses"
	"github.com/relnet/relnet/synth"
)

// readAttributes loads a multi-attribute labels file (seed-notebook CSV, StreetStyle
// manifest, or a synthetic set it generates first) and decodes its images to the configured
// size.
func readAttributes(cfg Config) (*datasets.Attributes, *datasets.LoadReport, error) {
	d := cfg.Dataset
	if d.Source == "synth" {
		labels, err := synthesize(d.Path, filepath.Join(cfg.Experiment.Results, "data"), fashionMNISTDir(d))
		if err != nil {
			return nil, nil, err
		}
		d.Path, d.Images = labels, filepath.Join(filepath.Dir(labels), synth.ImagesDir)
		if len(d.Groups) == 0 {
			d.Groups = []datasets.GroupSpec{{Name: synth.GroupCategory}, {Name: synth.GroupColor}, {Name: synth.GroupPattern}}
		}
	}
	images := d.Images
	if images == "" {
		images = filepath.Dir(d.Path)
	}
	shape := datasets.ImageShape{Channels: d.Channels, Height: d.Height, Width: d.Width}
	if d.Source == "streetstyle" {
		return datasets.ReadStreetStyleManifest(d.Path, images, d.Groups, shape, runtime.NumCPU())
	}
	return datasets.ReadSeedCSV(d.Path, images, d.Groups, shape, runtime.NumCPU())
}

// loadAttributes builds one sampler triple per attribute group over a single image split:
// every image is in train, validation or test for all its groups at once (no image leaks
// between splits through another group).
func loadAttributes(cfg Config) (*data, error) {
	d := cfg.Dataset
	set, _, err := readAttributes(cfg)
	if err != nil {
		return nil, err
	}
	n := set.Len()
	order := rand.New(rand.NewPCG(cfg.Dataset.SplitSeed, 0x73706c6974)).Perm(n)
	nTest := int(d.TestFraction * float64(n))
	nVal := int(d.ValFraction * float64(n))
	test, val, train := order[:nTest], order[nTest:nTest+nVal], order[nTest+nVal:]

	// Normalisation statistics over the training images, whatever their labels.
	all := &datasets.Images{Name: set.Name, Channels: set.Channels, Height: set.Height, Width: set.Width,
		Pixels: set.Pixels, Labels: make([]int, n), ClassNames: []string{"any"}}
	norm := datasets.Augment{}
	switch d.Normalize {
	case "train":
		norm.Mean, norm.Std = datasets.NewPool(all, train).Stats()
	case "given":
		norm.Mean, norm.Std = d.Mean, d.Std
	}
	trainAug := norm
	trainAug.RotateDegrees, trainAug.Rotate90 = d.RotateDeg, d.Rotate90
	if err := trainAug.Validate(set.Channels, set.Height, set.Width); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	out := &data{shape: layers.Shape{C: int64(set.Channels), H: int64(set.Height), W: int64(set.Width)}}
	trainLabels := make([][]int, len(set.Groups))
	values := make([]int, len(set.Groups))
	for g, grp := range set.Groups {
		view := set.Images(g)
		if err := out.addGroup(cfg, grp.Name, datasets.NewPool(view, train), datasets.NewPool(view, val),
			datasets.NewPool(view, test), trainAug, norm); err != nil {
			return nil, err
		}
		trainLabels[g] = make([]int, n)
		for i := range trainLabels[g] {
			trainLabels[g][i] = datasets.Unlabelled
		}
		for _, i := range train {
			trainLabels[g][i] = grp.Labels[i]
		}
		values[g] = len(grp.Values)
	}
	if cfg.Heads.Interaction > 0 {
		if len(set.Groups) < 2 {
			return nil, fmt.Errorf("heads.interaction = %g needs at least two attribute groups", cfg.Heads.Interaction)
		}
		out.cooc = losses.NewCooccurrence(trainLabels, values, 1)
	}
	return out, nil
}

// Inspect writes the data report of cfg's multi-attribute dataset: images per group and
// value, unlabelled counts, skipped lines with reasons, and the co-occurrence of groups g1
// and g2 when both are named.
func Inspect(cfg Config, g1, g2 string, w io.Writer) error {
	if cfg.Dataset.Source == "fashion-mnist" {
		return fmt.Errorf("data inspect reads multi-attribute sources (csv, streetstyle); %q has one label per image", cfg.Dataset.Source)
	}
	set, report, err := readAttributes(cfg)
	if err != nil {
		return err
	}
	return datasets.WriteInspection(w, set, report, g1, g2)
}

// synthesize generates the synthetic set that the synth TOML file at path describes into
// dataRoot/<name>/, unless an identical set is already there, and returns its labels file.
func synthesize(path, dataRoot, fashionDir string) (string, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("dataset.path: %w", err)
	}
	var sc synth.Config
	if err := DecodeTOML(path, text, &sc); err != nil {
		return "", err
	}
	if err := sc.Validate(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	out := filepath.Join(dataRoot, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	labels := filepath.Join(out, synth.LabelsFile)
	if generated(out, sc) {
		return labels, nil
	}
	if err := os.MkdirAll(dataRoot, 0o755); err != nil {
		return "", fmt.Errorf("synthetic data: %w", err)
	}
	// Generate beside the target and rename into place, so that runs sharing a results
	// directory (shards of one experiment) never read a half-written set.
	tmp, err := os.MkdirTemp(dataRoot, ".synth-*")
	if err != nil {
		return "", fmt.Errorf("synthetic data: %w", err)
	}
	defer os.RemoveAll(tmp)
	if _, err := synth.Generate(sc, fashionDir, tmp, 0); err != nil {
		return "", err
	}
	if generated(out, sc) { // another run sharing the directory was quicker
		return labels, nil
	}
	if err := os.RemoveAll(out); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, out); err != nil && !errors.Is(err, fs.ErrExist) && !errors.Is(err, syscall.ENOTEMPTY) {
		return "", fmt.Errorf("synthetic data: %w", err)
	}
	return labels, nil
}

// generated reports whether dir holds the complete set sc describes.
func generated(dir string, sc synth.Config) bool {
	prev, err := os.ReadFile(filepath.Join(dir, synth.ConfigFile))
	if err != nil {
		return false
	}
	var existing synth.Config
	if DecodeTOML(dir, prev, &existing) != nil || !reflect.DeepEqual(existing, sc.WithDefaults()) {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, synth.LabelsFile))
	return err == nil
}
