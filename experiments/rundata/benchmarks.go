package rundata

import (
	"fmt"
	"slices"
	"strings"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/miniimagenet"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/spec"
)

// ownSplit returns d with the class lists of a source whose files give its class split:
// miniImageNet's train.csv, val.csv and test.csv; Omniglot's background alphabets for
// training and evaluation alphabets for test (Lake et al.), unless class lists or list files
// are given. Classes of the files that set, the decoded set, lacks (their images all skipped
// as bad lines) are left out. Other sources' d is returned as it is.
func ownSplit(d spec.DatasetConfig, set *datasets.Attributes) (spec.DatasetConfig, error) {
	var lists [3][]string
	var err error
	switch {
	case d.Source == spec.MiniImageNet:
		lists, err = miniimagenet.Split(d.Path)
	case d.Source == spec.Omniglot && d.TrainClasses == nil && d.ValClasses == nil && d.TestClasses == nil &&
		d.TrainClassesFile == "" && d.ValClassesFile == "" && d.TestClassesFile == "" && !d.ClassSplit.Set():
		lists, err = omniglotSplit(set)
	default:
		return d, nil
	}
	if err != nil {
		return d, err
	}
	names := set.Groups[0].Values
	var patterns [3]datasets.ClassPatterns
	for r, list := range lists {
		for _, c := range list {
			if slices.Contains(names, c) {
				patterns[r] = append(patterns[r], sampling.Exact(c))
			}
		}
	}
	if len(patterns[0]) == 0 || len(patterns[2]) == 0 {
		return d, fmt.Errorf("%s: %d training and %d test classes with images; a class split needs both", d.Path, len(patterns[0]), len(patterns[2]))
	}
	d.TrainClasses, d.ValClasses, d.TestClasses = patterns[0], patterns[1], patterns[2]
	return d, nil
}

// omniglotSplit gives the classes of an Omniglot set read from OmniglotParts their roles by
// the part their images are in: training for images_background, test for images_evaluation.
// A class with images in both is an error naming it.
func omniglotSplit(set *datasets.Attributes) ([3][]string, error) {
	var lists [3][]string
	g := set.Groups[0]
	part := make([]string, len(g.Values))
	for i, f := range set.Files {
		v := g.Labels[i]
		if v == datasets.Unlabelled {
			continue
		}
		p, _, _ := strings.Cut(f, "/")
		switch {
		case part[v] == "":
			part[v] = p
			r := map[bool]int{true: 0, false: 2}[p == OmniglotParts[0]]
			lists[r] = append(lists[r], g.Values[v])
		case part[v] != p:
			return lists, fmt.Errorf("%s: class %q has images in both %s and %s; give the class split as lists or list files",
				set.Name, g.Values[v], part[v], p)
		}
	}
	return lists, nil
}

// ClassRoles gives the class split d makes of set, as datasets.WriteInspection shows it:
// each value's role in each group that splits its own values, and each image's role. An image
// split has no class roles: nil.
func ClassRoles(d spec.DatasetConfig, set *datasets.Attributes) (*datasets.ClassSplit, error) {
	if d.Split != spec.ClassSplit {
		return nil, nil
	}
	d, err := ownSplit(d, set)
	if err != nil {
		return nil, err
	}
	ids, _, role, err := classRoles(d, set)
	if err != nil {
		return nil, err
	}
	names := []string{"train", "val", "test"}
	split := &datasets.ClassSplit{Roles: make([][]string, len(set.Groups)), ImageRoles: make([]string, set.Len())}
	for i, r := range role {
		split.ImageRoles[i] = names[r]
	}
	for g, grp := range set.Groups {
		if follows(d, g) {
			continue // no roles of its own
		}
		split.Roles[g] = make([]string, len(grp.Values))
		for r, name := range names {
			for _, v := range ids[g][r] {
				split.Roles[g][v] = name
			}
		}
	}
	return split, nil
}
