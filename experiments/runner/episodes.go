package runner

import (
	"fmt"
	"math/rand/v2"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/losses"
)

// runData is everything a run samples from: per attribute group, the train, validation and
// test episode samplers; and the label co-occurrence the interaction loss needs. It is built
// per run (splits, normalisation and samplers are cheap) from the experiment's decoded set.
type runData struct {
	shape            layers.Shape
	groups           []string
	classes          []int                // per group: its number of class ids
	train, val, test []*sampling.Sampler  // indexed by group
	cooc             *losses.Cooccurrence // nil without an interaction loss
}

// newRunData splits the decoded set as cfg says and builds the samplers.
func newRunData(cfg spec.Config, set *decoded) (*runData, error) {
	if set.attrs != nil {
		return attributeData(cfg, set.attrs)
	}
	return fashionData(cfg, set.fashionTrain, set.fashionTest)
}

// fashionData builds the single-group samplers of Fashion-MNIST.
func fashionData(cfg spec.Config, trainIm, testIm *datasets.Images) (*runData, error) {
	d := cfg.Dataset
	var trainP, valP, testP *sampling.Pool
	var err error
	switch d.Split {
	case spec.ImageSplit:
		// The seed notebook's protocol: every class in training; validation images held out
		// of the training file, test images from the separate test file.
		trainP, valP, err = sampling.SplitByImage(trainIm, d.ValFraction, d.SplitSeed)
		if err != nil {
			return nil, err
		}
		all := make([]int, testIm.Len())
		for i := range all {
			all[i] = i
		}
		testP = sampling.NewPool(testIm, all)
	case spec.ClassSplit:
		all, err := datasets.Concat("fashion-mnist", trainIm, testIm)
		if err != nil {
			return nil, err
		}
		trainP, valP, testP, err = sampling.SplitByClass(all, d.TrainClasses, d.ValClasses, d.TestClasses)
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
			if trainP, err = sampling.RotationClasses(trainP); err != nil {
				return nil, err
			}
		}
	}
	if valP == nil || valP.Len() == 0 {
		return nil, fmt.Errorf("dataset.val_fraction = %g leaves no validation images", d.ValFraction)
	}
	im := trainP.Images
	norm, trainAug, err := augmentations(d, trainP, im.Channels, im.Height, im.Width)
	if err != nil {
		return nil, err
	}
	out := &runData{shape: layers.Shape{C: int64(im.Channels), H: int64(im.Height), W: int64(im.Width)}}
	if err := out.addGroup(cfg, "class", trainP, valP, testP, trainAug, norm); err != nil {
		return nil, err
	}
	return out, nil
}

// attributeData builds one sampler triple per attribute group over a single image split:
// every image is in train, validation or test for all its groups at once (no image leaks
// between splits through another group).
func attributeData(cfg spec.Config, set *datasets.Attributes) (*runData, error) {
	d := cfg.Dataset
	n := set.Len()
	order := rand.New(rand.NewPCG(d.SplitSeed, 0x73706c6974)).Perm(n)
	nTest := int(d.TestFraction * float64(n))
	nVal := int(d.ValFraction * float64(n))
	test, val, train := order[:nTest], order[nTest:nTest+nVal], order[nTest+nVal:]

	// Normalisation statistics over the training images, whatever their labels.
	all := &datasets.Images{Name: set.Name, Channels: set.Channels, Height: set.Height, Width: set.Width,
		Pixels: set.Pixels, Labels: make([]int, n), ClassNames: []string{"any"}}
	norm, trainAug, err := augmentations(d, sampling.NewPool(all, train), set.Channels, set.Height, set.Width)
	if err != nil {
		return nil, err
	}
	out := &runData{shape: layers.Shape{C: int64(set.Channels), H: int64(set.Height), W: int64(set.Width)}}
	trainLabels := make([][]int, len(set.Groups))
	values := make([]int, len(set.Groups))
	for g, grp := range set.Groups {
		view := set.Images(g)
		if err := out.addGroup(cfg, grp.Name, sampling.NewPool(view, train), sampling.NewPool(view, val),
			sampling.NewPool(view, test), trainAug, norm); err != nil {
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

// augmentations returns the normalisation every split gets and the training augmentation
// (normalisation plus the configured rotations), checked against the image shape.
func augmentations(d spec.DatasetConfig, train *sampling.Pool, c, h, w int) (norm, trainAug sampling.Augment, err error) {
	switch d.Normalize {
	case spec.NormalizeTrain:
		norm.Mean, norm.Std = train.Stats()
	case spec.NormalizeGiven:
		norm.Mean, norm.Std = d.Mean, d.Std
	}
	trainAug = norm
	trainAug.RotateDegrees, trainAug.Rotate90 = d.RotateDeg, d.Rotate90
	if err := trainAug.Validate(c, h, w); err != nil {
		return norm, trainAug, fmt.Errorf("dataset: %w", err)
	}
	return norm, trainAug, nil
}

// groupSeed gives group g its own episode stream; group 0 keeps the run's seed.
func groupSeed(seed uint64, g int) uint64 { return seed + uint64(g)*0x9e3779b97f4a7c15 }

// addGroup appends one attribute group's samplers.
func (d *runData) addGroup(cfg spec.Config, name string, trainP, valP, testP *sampling.Pool, trainAug, norm sampling.Augment) error {
	g := len(d.groups)
	trainSpec := sampling.EpisodeSpec{Way: cfg.Train.Way, Shot: cfg.Train.Shot, Query: cfg.Train.Query}
	evalSpec := sampling.EpisodeSpec{Way: cfg.Eval.Way, Shot: cfg.Eval.Shot, Query: cfg.Eval.Query}
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

func newSampler(split string, p *sampling.Pool, spec sampling.EpisodeSpec, aug sampling.Augment, seed uint64) (*sampling.Sampler, error) {
	if err := spec.Validate(p); err != nil {
		return nil, fmt.Errorf("%s episodes: %w", split, err)
	}
	s, err := sampling.NewSampler(p, spec, aug, seed)
	if err != nil {
		return nil, fmt.Errorf("%s episodes: %w", split, err)
	}
	return s, nil
}

// splitPool holds out a seeded fraction of each class of p.
func splitPool(p *sampling.Pool, fraction float64, seed uint64) (train, val *sampling.Pool, err error) {
	t, v, err := sampling.SplitByImage(p.Images, fraction, seed)
	if err != nil {
		return nil, nil, err
	}
	keep := func(q *sampling.Pool) *sampling.Pool {
		var idx []int
		for _, c := range p.Classes {
			idx = append(idx, q.ByClass[c]...)
		}
		return sampling.NewPool(p.Images, idx)
	}
	return keep(t), keep(v), nil
}
