package sampling

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// ClassLists names the classes of a class split by pattern: a class name, a shell-style glob
// on names (path.Match: "Armenian/*", "t-*"), or a class id written as an integer. A nil
// Train or Test list takes every class the other lists leave (one of them must be given); a
// nil Val list takes none, and the caller then validates on held-out images of the training
// classes.
type ClassLists struct {
	Train, Val, Test []string
}

// Resolve turns the patterns into class ids of names (ids are indices into names), each list
// sorted. A pattern that matches no class, a malformed glob and a class that two lists claim
// are errors naming the pattern and the class.
func (l ClassLists) Resolve(names []string) (train, val, test []int, err error) {
	lists := []struct {
		name     string
		patterns []string
		ids      *[]int
	}{{"train_classes", l.Train, &train}, {"val_classes", l.Val, &val}, {"test_classes", l.Test, &test}}
	owner := make([]string, len(names))
	rest := -1 // the list that takes the classes no other list claims
	for k, list := range lists {
		if list.patterns == nil {
			if list.name == "val_classes" {
				continue
			}
			if rest >= 0 {
				return nil, nil, nil, fmt.Errorf("train_classes and test_classes are both left out; give at least one")
			}
			rest = k
			continue
		}
		for _, p := range list.patterns {
			matched, err := matchClasses(p, names)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("dataset.%s: %w", list.name, err)
			}
			if len(matched) == 0 {
				return nil, nil, nil, fmt.Errorf("dataset.%s: %q matches no class (classes: %s)", list.name, p, preview(names))
			}
			for _, c := range matched {
				if owner[c] != "" && owner[c] != list.name {
					return nil, nil, nil, fmt.Errorf("dataset.%s: %q claims class %q, which %s already takes", list.name, p, names[c], owner[c])
				}
				if owner[c] == "" {
					owner[c] = list.name
					*list.ids = append(*list.ids, c)
				}
			}
		}
		slices.Sort(*list.ids)
	}
	if rest >= 0 {
		for c := range names {
			if owner[c] == "" {
				*lists[rest].ids = append(*lists[rest].ids, c)
			}
		}
	}
	return train, val, test, nil
}

// matchClasses returns the ids of names that pattern p selects.
func matchClasses(p string, names []string) ([]int, error) {
	if _, err := path.Match(p, ""); err != nil {
		return nil, fmt.Errorf("%q: %v", p, err)
	}
	var out []int
	for c, name := range names {
		if ok, _ := path.Match(p, name); ok || name == p {
			out = append(out, c)
		}
	}
	if id, err := strconv.Atoi(p); err == nil && len(out) == 0 && id >= 0 && id < len(names) {
		out = append(out, id)
	}
	return out, nil
}

// preview lists up to eight names, for error messages.
func preview(names []string) string {
	if len(names) <= 8 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:8], ", ") + fmt.Sprintf(", … (%d in all)", len(names))
}
