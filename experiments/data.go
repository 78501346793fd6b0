package experiments

import (
	"fmt"
	"os"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/losses"
)

// data is everything a run samples from: per attribute group, the train, validation and
// test episode samplers; and the label co-occurrence the interaction loss needs.
type data struct {
	shape            layers.Shape
	groups           []string
	classes          []int                // per group: its number of class ids
	train, val, test []*datasets.Sampler  // indexed by group
	cooc             *losses.Cooccurrence // nil without an interaction loss
}

// fashionMNISTDir resolves dataset.dir.
func fashionMNISTDir(d DatasetConfig) string {
	if d.Dir != "" {
		return d.Dir
	}
	if env := os.Getenv("FASHION_MNIST_DIR"); env != "" {
		return env
	}
	return "/usr/share/datasets/fashion-mnist"
}

// loadData reads the dataset and builds the train, validation and test samplers.
func loadData(cfg Config) (*data, error) {
	if cfg.Dataset.Source != "fashion-mnist" {
		return loadAttributes(cfg)
	}
	d := cfg.Dataset
	trainIm, testIm, err := datasets.LoadFashionMNIST(fashionMNISTDir(d))
	if err != nil {
		return nil, err
	}
	var trainP, valP, testP *datasets.Pool
	switch d.Split {
	case "image":
		// The seed notebook's protocol: every class in training; validation images held out
		// of the training file, test images from the separate test file.
		trainP, valP, err = datasets.SplitByImage(trainIm, d.ValFraction, d.SplitSeed)
		if err != nil {
			return nil, err
		}
		all := make([]int, testIm.Len())
		for i := range all {
			all[i] = i
		}
		testP = datasets.NewPool(testIm, all)
	case "class":
		all, err := datasets.Concat("fashion-mnist", trainIm, testIm)
		if err != nil {
			return nil, err
		}
		trainP, valP, testP, err = datasets.SplitByClass(all, d.TrainClasses, d.ValClasses, d.TestClasses)
		if err != nil {
			return nil, err
		}
		if valP == nil {
			// Ten classes leave none for validation: validate on held-out images of the
			// training classes instead (it tracks fitting, not transfer to new classes).
			trainP, valP, err = splitPool(trainP, d.ValFraction, d.SplitSeed)
			if err != nil {
				return nil, err
			}
		}
		if d.RotationClasses {
			if trainP, err = datasets.RotationClasses(trainP); err != nil {
				return nil, err
			}
		}
	}
	if valP == nil || valP.Len() == 0 {
		return nil, fmt.Errorf("dataset.val_fraction = %g leaves no validation images", d.ValFraction)
	}
	norm := datasets.Augment{}
	switch d.Normalize {
	case "train":
		norm.Mean, norm.Std = trainP.Stats()
	case "given":
		norm.Mean, norm.Std = d.Mean, d.Std
	}
	trainAug := norm
	trainAug.RotateDegrees, trainAug.Rotate90 = d.RotateDeg, d.Rotate90
	im := trainP.Images
	if err := trainAug.Validate(im.Channels, im.Height, im.Width); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	out := &data{shape: layers.Shape{C: int64(im.Channels), H: int64(im.Height), W: int64(im.Width)}}
	if err := out.addGroup(cfg, "class", trainP, valP, testP, trainAug, norm); err != nil {
		return nil, err
	}
	return out, nil
}

// groupSeed gives group g its own episode stream; group 0 keeps the run's seed.
func groupSeed(seed uint64, g int) uint64 { return seed + uint64(g)*0x9e3779b97f4a7c15 }

// addGroup appends one attribute group's samplers.
func (d *data) addGroup(cfg Config, name string, trainP, valP, testP *datasets.Pool, trainAug, norm datasets.Augment) error {
	g := len(d.groups)
	trainSpec := datasets.EpisodeSpec{Way: cfg.Train.Way, Shot: cfg.Train.Shot, Query: cfg.Train.Query}
	evalSpec := datasets.EpisodeSpec{Way: cfg.Eval.Way, Shot: cfg.Eval.Shot, Query: cfg.Eval.Query}
	train, err := newSampler(name+" training", trainP, trainSpec, trainAug, groupSeed(cfg.Train.Seed, g))
	if err != nil {
		return err
	}
	val, err := newSampler(name+" validation", valP, evalSpec, norm, groupSeed(cfg.Dataset.SplitSeed+1, g))
	if err != nil {
		return err
	}
	test, err := newSampler(name+" test", testP, evalSpec, norm, groupSeed(cfg.Eval.Seed, g))
	if err != nil {
		return err
	}
	d.groups = append(d.groups, name)
	d.classes = append(d.classes, len(trainP.Images.ClassNames))
	d.train, d.val, d.test = append(d.train, train), append(d.val, val), append(d.test, test)
	return nil
}

func newSampler(split string, p *datasets.Pool, spec datasets.EpisodeSpec, aug datasets.Augment, seed uint64) (*datasets.Sampler, error) {
	if err := spec.Validate(p); err != nil {
		return nil, fmt.Errorf("%s episodes: %w", split, err)
	}
	s, err := datasets.NewSampler(p, spec, aug, seed)
	if err != nil {
		return nil, fmt.Errorf("%s episodes: %w", split, err)
	}
	return s, nil
}

// splitPool holds out a seeded fraction of each class of p.
func splitPool(p *datasets.Pool, fraction float64, seed uint64) (train, val *datasets.Pool, err error) {
	t, v, err := datasets.SplitByImage(p.Images, fraction, seed)
	if err != nil {
		return nil, nil, err
	}
	keep := func(q *datasets.Pool) *datasets.Pool {
		var idx []int
		for _, c := range p.Classes {
			idx = append(idx, q.ByClass[c]...)
		}
		return datasets.NewPool(p.Images, idx)
	}
	return keep(t), keep(v), nil
}
