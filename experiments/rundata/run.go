package rundata

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/spec"
)

// Run is everything a run samples from: per attribute group, the train, validation and test
// episode samplers, and the training labels the interaction loss counts co-occurrences of. It
// is built per run (splits, normalisation and samplers are cheap) from the experiment's
// decoded set.
type Run struct {
	Shape            datasets.ImageShape
	Groups           []string
	Classes          []int               // per group: its number of class ids
	Train, Val, Test []*sampling.Sampler // indexed by group
	// Mean and Std are the per-channel normalisation every split gets (nil: none), the
	// training split's statistics with dataset.normalize = "train".
	Mean, Std []float64
	// TrainLabels[g][i] is image i's label in group g where i is a training image, else
	// datasets.Unlabelled; Values[g] is group g's number of values. Both nil unless the run
	// has an interaction loss.
	TrainLabels [][]int
	Values      []int
	// KeptOut counts, in a class split of several groups, the images kept out of training
	// because another group holds one of their values out.
	KeptOut int
	// Drawn holds, with dataset.class_split, each group's drawn train, val and test lists by
	// name, for spec.Config.WithClassLists; else nil.
	Drawn [][3]datasets.ClassPatterns
	// LabelsKept and LabelsOf count, per group with a dataset.label_fraction, the training
	// images whose label for that group training may use, of all it had.
	LabelsKept, LabelsOf map[string]int
}

// New splits the decoded set as cfg says and builds the samplers.
func New(cfg spec.Config, set *Decoded) (*Run, error) {
	var run *Run
	var err error
	if set.Attrs != nil {
		if cfg.Dataset, err = ownSplit(cfg.Dataset, set.Attrs); err != nil {
			return nil, err
		}
		run, err = attributeData(cfg, set.Attrs)
	} else {
		run, err = fashionData(cfg, set.fashionTrain, set.fashionTest)
	}
	if err != nil {
		return nil, err
	}
	for _, g := range slices.Sorted(maps.Keys(cfg.Dataset.LabelFraction)) {
		if !slices.Contains(run.Groups, g) {
			return nil, fmt.Errorf("dataset.label_fraction names %q, which is not an attribute group of the data (groups: %s)", g, strings.Join(run.Groups, ", "))
		}
	}
	return run, nil
}

// withFashionClassLists gives Fashion-MNIST's class split its default lists, training
// classes {0,1,3,5,7} and test classes {2,4,6,8,9}, where d sets none.
func withFashionClassLists(d spec.DatasetConfig) spec.DatasetConfig {
	if !d.ClassSplit.Set() && d.TrainClasses == nil && d.ValClasses == nil && d.TestClasses == nil {
		d.TrainClasses, d.TestClasses = []string{"0", "1", "3", "5", "7"}, []string{"2", "4", "6", "8", "9"}
	}
	return d
}

// fashionData builds the single-group samplers of Fashion-MNIST.
func fashionData(cfg spec.Config, trainIm, testIm *datasets.Images) (*Run, error) {
	d := cfg.Dataset
	var trainP, valP, testP *sampling.Pool
	var drawn [][3]datasets.ClassPatterns // with class_split
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
		d = withFashionClassLists(d)
		ids, lists, err := splitClasses(d, 0, all.ClassNames)
		if err != nil {
			return nil, err
		}
		if d.ClassSplit.Fractions != nil {
			drawn = append(drawn, lists)
		}
		if trainP, valP, testP, err = sampling.SplitByClass(all, ids[0], ids[1], ids[2]); err != nil {
			return nil, err
		}
		if trainP, valP, err = withValidation(d, trainP, valP); err != nil {
			return nil, err
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
	out := &Run{Shape: im.ImageShape(), Drawn: drawn}
	if err := out.addGroup(cfg, "class", trainP, valP, testP, trainAug, norm); err != nil {
		return nil, err
	}
	return out, nil
}

// classLists are group g's class lists: the dataset's own for a single group (a list file read,
// each of its lines checked against names, the group's classes), else the group's table's.
func classLists(d spec.DatasetConfig, g int, names []string) (sampling.ClassLists, error) {
	if len(d.Groups) > 1 {
		grp := d.Groups[g]
		return sampling.ClassLists{Train: grp.TrainClasses, Val: grp.ValClasses, Test: grp.TestClasses}, nil
	}
	lists := sampling.ClassLists{Train: d.TrainClasses, Val: d.ValClasses, Test: d.TestClasses}
	for _, f := range []struct {
		path string
		list *[]string
	}{{d.TrainClassesFile, &lists.Train}, {d.ValClassesFile, &lists.Val}, {d.TestClassesFile, &lists.Test}} {
		if f.path == "" {
			continue
		}
		var err error
		if *f.list, err = sampling.ReadClassFile(f.path, names); err != nil {
			return lists, err
		}
	}
	return lists, nil
}

// splitClasses resolves group g's class split over its class names: the lists the
// configuration gives or, with dataset.class_split, a seeded draw, which it also returns by
// name. Lists given beside class_split must be its draw (as a run's config.toml records it).
func splitClasses(d spec.DatasetConfig, g int, names []string) (ids [3][]int, drawn [3]datasets.ClassPatterns, err error) {
	lists, err := classLists(d, g, names)
	if err != nil {
		return ids, drawn, err
	}
	if d.ClassSplit.Named != "" {
		return closerLook(names)
	}
	if d.ClassSplit.Fractions != nil {
		given := lists
		if lists, err = sampling.DrawClasses(names, [3]float64(d.ClassSplit.Fractions), groupSeed(d.SplitSeed, g)); err != nil {
			return ids, drawn, err
		}
		drawn = [3]datasets.ClassPatterns{lists.Train, lists.Val, lists.Test}
		if (given.Train != nil || given.Val != nil || given.Test != nil) &&
			!(slices.Equal(given.Train, lists.Train) && slices.Equal(given.Val, lists.Val) && slices.Equal(given.Test, lists.Test)) {
			return ids, drawn, fmt.Errorf("dataset.class_split draws the class lists, and the train_classes, val_classes or test_classes given are not its draw " +
				"(leave them out; in a run's config.toml they record the draw, so the data's classes have changed since)")
		}
	}
	ids[0], ids[1], ids[2], err = lists.Resolve(names)
	return ids, drawn, err
}

// withValidation completes a class split's training pool: held-out images of the training
// classes for validation when no validation classes were given (that tracks fitting, not
// transfer to new classes), and each training class at four rotations with
// dataset.rotation_classes.
func withValidation(d spec.DatasetConfig, trainP, valP *sampling.Pool) (*sampling.Pool, *sampling.Pool, error) {
	var err error
	if valP == nil {
		if trainP, valP, err = splitPool(trainP, d.ValFraction, d.SplitSeed); err != nil {
			return nil, nil, err
		}
	}
	if d.RotationClasses {
		if trainP, err = sampling.RotationClasses(trainP); err != nil {
			return nil, nil, err
		}
	}
	return trainP, valP, nil
}

// attributeData builds one sampler triple per attribute group over a single image split:
// every image is in train, validation or test for all its groups at once (no image leaks
// between splits through another group).
func attributeData(cfg spec.Config, set *datasets.Attributes) (*Run, error) {
	d := cfg.Dataset
	if d.Split == spec.ClassSplit {
		return attributeClassData(cfg, set)
	}
	n := set.Len()
	order := rand.New(rand.NewPCG(d.SplitSeed, 0x73706c6974)).Perm(n)
	nTest := int(d.TestFraction * float64(n))
	nVal := int(d.ValFraction * float64(n))
	test, val, train := order[:nTest], order[nTest:nTest+nVal], order[nTest+nVal:]

	norm, trainAug, err := attributeAugmentations(d, set, train)
	if err != nil {
		return nil, err
	}
	out := &Run{Shape: datasets.ImageShape{Channels: set.Channels, Height: set.Height, Width: set.Width}}
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
		for _, ids := range out.Train[g].Pool().ByClass { // as label_fraction left them
			for _, i := range ids {
				trainLabels[g][i] = grp.Labels[i]
			}
		}
		values[g] = len(grp.Values)
	}
	if cfg.Heads.Interaction.Weight > 0 {
		if len(set.Groups) < 2 {
			return nil, fmt.Errorf("heads.interaction = %g needs at least two attribute groups", cfg.Heads.Interaction.Weight)
		}
		out.TrainLabels, out.Values = trainLabels, values
	}
	return out, nil
}

// Roles of an image in a class split of several groups: test wins over validation, which wins
// over training, so that an image with a held-out value in any group never reaches training.
const (
	roleTrain = iota
	roleVal
	roleTest
)

// attributeClassData splits every attribute group by class, each by its own lists. An image
// takes the most held-out role of its values (test, then validation, then training), so it
// is in one split for every group; an image whose role is not training but that has a
// training-class value in some group is kept out of training, and Run.KeptOut counts
// them.
func attributeClassData(cfg spec.Config, set *datasets.Attributes) (*Run, error) {
	d := cfg.Dataset
	ids, drawn, role, err := classRoles(d, set)
	if err != nil {
		return nil, err
	}
	var trainImages []int
	for i, r := range role {
		if r == roleTrain {
			trainImages = append(trainImages, i)
		}
	}
	norm, trainAug, err := attributeAugmentations(d, set, trainImages)
	if err != nil {
		return nil, err
	}
	out := &Run{Shape: datasets.ImageShape{Channels: set.Channels, Height: set.Height, Width: set.Width}, Drawn: drawn}
	lost, followerLost := make([]bool, set.Len()), make([]bool, set.Len())
	for g, grp := range set.Groups {
		groupLost := lost
		if follows(d, g) { // its images are where the others put them: none is kept out for it
			groupLost = followerLost
		}
		trainP, valP, testP, err := classPools(d, set.Images(g), ids[g], rolePools(grp.Labels, ids[g], role, groupLost))
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", grp.Name, err)
		}
		if err := out.addGroup(cfg, grp.Name, trainP, valP, testP, trainAug, norm); err != nil {
			return nil, err
		}
	}
	for _, l := range lost {
		if l {
			out.KeptOut++
		}
	}
	return out, nil
}

// classRoles splits every attribute group of set by class, each by its own lists: per group, its
// train, validation and test class ids and, with dataset.class_split, its drawn lists; and per
// image, its role, the most held-out role of its values.
func classRoles(d spec.DatasetConfig, set *datasets.Attributes) (ids [][3][]int, drawn [][3]datasets.ClassPatterns, role []int, err error) {
	role = make([]int, set.Len())
	ids = make([][3][]int, len(set.Groups))
	leaders := 0
	for g, grp := range set.Groups {
		if follows(d, g) {
			continue
		}
		leaders++
		var lists [3]datasets.ClassPatterns
		if ids[g], lists, err = splitClasses(d, g, grp.Values); err != nil {
			return nil, nil, nil, fmt.Errorf("group %s: %w", grp.Name, err)
		}
		if d.ClassSplit.Fractions != nil {
			drawn = append(drawn, lists)
		}
		for i, v := range grp.Labels {
			switch {
			case v == datasets.Unlabelled:
			case slices.Contains(ids[g][roleTest], v):
				role[i] = roleTest
			case slices.Contains(ids[g][roleVal], v):
				role[i] = max(role[i], roleVal)
			}
		}
	}
	if leaders == 0 {
		return nil, nil, nil, fmt.Errorf("no [[dataset.groups]] table gives class lists: give the split of at least one group (the others follow it)")
	}
	for g, grp := range set.Groups {
		if follows(d, g) { // every value in every role the images take
			all := make([]int, len(grp.Values))
			for v := range all {
				all[v] = v
			}
			ids[g] = [3][]int{all, nil, all}
			if slices.Contains(role, roleVal) {
				ids[g][roleVal] = all
			}
		}
	}
	return ids, drawn, role, nil
}

// follows reports whether group g, in a class split of several groups, follows the split of the
// others rather than splitting its own values: its table gives no class lists and class_split
// draws none for it (a named split, such as closer-look, splits the first group only). Its
// images then go by the role the other groups give them, every value in every role: CUB's
// attribute heads, scored on the test species' images.
func follows(d spec.DatasetConfig, g int) bool {
	if len(d.Groups) < 2 || d.ClassSplit.Fractions != nil {
		return false
	}
	if d.ClassSplit.Named != "" {
		return g > 0
	}
	grp := d.Groups[g]
	return grp.TrainClasses == nil && grp.ValClasses == nil && grp.TestClasses == nil
}

// closerLook is the class split of Chen et al. 2019 (spec.CloserLook) of names: sorted by
// name, index even → training, mod 4 = 1 → validation, mod 4 = 3 → test.
func closerLook(names []string) (ids [3][]int, drawn [3]datasets.ClassPatterns, err error) {
	order := make([]int, len(names))
	for c := range order {
		order[c] = c
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	for k, c := range order {
		r := [4]int{roleTrain, roleVal, roleTrain, roleTest}[k%4]
		ids[r] = append(ids[r], c)
	}
	for r := range ids {
		slices.Sort(ids[r])
	}
	if len(ids[roleTest]) == 0 {
		return ids, drawn, fmt.Errorf("class_split = %q: %d classes are too few for a test class (the fourth, by name)", spec.CloserLook, len(names))
	}
	return ids, drawn, nil
}

// rolePools sorts one group's labelled images by role: pools[r] holds the images of role r
// whose value is one of the group's role-r classes, ids[r]. An image with a training-class value
// but another role is marked in lost.
func rolePools(labels []int, ids [3][]int, role []int, lost []bool) (pools [3][]int) {
	for i, v := range labels {
		for r, classes := range ids {
			if v != datasets.Unlabelled && slices.Contains(classes, v) {
				if role[i] == r {
					pools[r] = append(pools[r], i)
				} else if r == roleTrain {
					lost[i] = true
				}
			}
		}
	}
	return pools
}

// classPools makes one group's train, validation and test pools of view, its images, from the
// images rolePools sorted by role, completing training as withValidation does. There is no
// validation pool of its own when the group has no validation classes (ids[roleVal]).
func classPools(d spec.DatasetConfig, view *datasets.Images, ids [3][]int, pools [3][]int) (trainP, valP, testP *sampling.Pool, err error) {
	trainP, testP = sampling.NewPool(view, pools[roleTrain]), sampling.NewPool(view, pools[roleTest])
	if len(ids[roleVal]) > 0 {
		valP = sampling.NewPool(view, pools[roleVal])
	}
	if trainP, valP, err = withValidation(d, trainP, valP); err != nil {
		return nil, nil, nil, err
	}
	return trainP, valP, testP, nil
}

// attributeAugmentations returns augmentations of set, with the normalisation statistics of
// its training images, the images train, whatever their labels.
func attributeAugmentations(d spec.DatasetConfig, set *datasets.Attributes, train []int) (norm, trainAug sampling.Augment, err error) {
	all := &datasets.Images{Name: set.Name, Channels: set.Channels, Height: set.Height, Width: set.Width,
		Pixels: set.Pixels, Labels: make([]int, set.Len()), ClassNames: []string{"any"}}
	return augmentations(d, sampling.NewPool(all, train), set.Channels, set.Height, set.Width)
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

// addGroup appends one attribute group's samplers; with a dataset.label_fraction for the
// group, training samples only the images whose labels it keeps.
func (d *Run) addGroup(cfg spec.Config, name string, trainP, valP, testP *sampling.Pool, trainAug, norm sampling.Augment) error {
	g := len(d.Groups)
	if f, ok := cfg.Dataset.LabelFraction[name]; ok {
		all := trainP.Len()
		trainP = trainP.Thin(f, groupSeed(cfg.Dataset.SplitSeed, g))
		if d.LabelsKept == nil {
			d.LabelsKept, d.LabelsOf = map[string]int{}, map[string]int{}
		}
		d.LabelsKept[name], d.LabelsOf[name] = trainP.Len(), all
	}
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
	d.Groups = append(d.Groups, name)
	d.Mean, d.Std = norm.Mean, norm.Std
	d.Classes = append(d.Classes, len(trainP.Images.ClassNames))
	d.Train, d.Val, d.Test = append(d.Train, train), append(d.Val, val), append(d.Test, test)
	return nil
}

// Renormalized rebuilds the test samplers to normalise with mean and std (a trained model's
// statistics, nil for none) instead of this set's own: a trained run scored on another set.
func (d *Run) Renormalized(cfg spec.Config, mean, std []float64) error {
	evalSpec := sampling.EpisodeSpec{Way: cfg.Eval.Way, Shot: cfg.Eval.Shot, Query: cfg.Eval.Query}
	for g, name := range d.Groups {
		test, err := newSampler(name+" test", d.Test[g].Pool(), evalSpec, sampling.Augment{Mean: mean, Std: std}, groupSeed(cfg.Eval.Seed, g))
		if err != nil {
			return err
		}
		d.Test[g] = test
	}
	d.Mean, d.Std = mean, std
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

// splitPool holds out a seeded fraction of each class of p's images for validation. Images of
// p's classes that p leaves out (held out through another group) stay out of both; the other
// classes of the set are still shuffled, so that a single-group split draws as it always did.
func splitPool(p *sampling.Pool, fraction float64, seed uint64) (train, val *sampling.Pool, err error) {
	in := map[int]bool{}
	for _, ids := range p.ByClass {
		for _, i := range ids {
			in[i] = true
		}
	}
	masked := *p.Images
	masked.Labels = slices.Clone(p.Images.Labels)
	for i, l := range masked.Labels {
		if _, ours := p.ByClass[l]; ours && !in[i] {
			masked.Labels[i] = datasets.Unlabelled
		}
	}
	t, v, err := sampling.SplitByImage(&masked, fraction, seed)
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
