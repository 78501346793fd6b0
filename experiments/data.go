package experiments

import (
	"fmt"
	"os"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/layers"
)

// data is everything a run samples from: the three pools and their episode samplers.
type data struct {
	shape            layers.Shape
	train, val, test *datasets.Sampler
	trainPool        *datasets.Pool
	augment          datasets.Augment // normalisation shared by all splits
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
		trainP, valP, err = datasets.SplitByImage(trainIm, d.ValFraction, cfg.Train.Seed)
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
			trainP, valP, err = splitPool(trainP, d.ValFraction, cfg.Train.Seed)
			if err != nil {
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
	out := &data{shape: layers.Shape{C: int64(im.Channels), H: int64(im.Height), W: int64(im.Width)}, trainPool: trainP, augment: norm}
	trainSpec := datasets.EpisodeSpec{Way: cfg.Train.Way, Shot: cfg.Train.Shot, Query: cfg.Train.Query}
	evalSpec := datasets.EpisodeSpec{Way: cfg.Eval.Way, Shot: cfg.Eval.Shot, Query: cfg.Eval.Query}
	if out.train, err = newSampler("training", trainP, trainSpec, trainAug, cfg.Train.Seed); err != nil {
		return nil, err
	}
	if out.val, err = newSampler("validation", valP, evalSpec, norm, cfg.Train.Seed+1); err != nil {
		return nil, err
	}
	if out.test, err = newSampler("test", testP, evalSpec, norm, cfg.Eval.Seed); err != nil {
		return nil, err
	}
	return out, nil
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
