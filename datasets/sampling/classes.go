package sampling

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
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

// DrawClasses splits names at random into train, validation and test lists of about the given
// fractions of the classes, which sum to 1: a seeded class split that a run's config.toml can
// record by name. The lists hold the names in the order of names, as patterns that match just
// that class (glob characters escaped). Train and test get at least one class each, and
// validation one if its fraction is above 0.
func DrawClasses(names []string, fractions [3]float64, seed uint64) (ClassLists, error) {
	n := len(names)
	nVal := int(math.Round(fractions[1] * float64(n)))
	nTest := int(math.Round(fractions[2] * float64(n)))
	if fractions[1] > 0 {
		nVal = max(nVal, 1)
	}
	nTest = max(nTest, 1)
	if n-nVal-nTest < 1 {
		return ClassLists{}, fmt.Errorf("class_split = %v: %d classes are too few for a training, a test and a validation list", fractions, n)
	}
	role := make([]int, n) // 0 train, 1 val, 2 test
	for k, c := range rand.New(rand.NewPCG(seed, 0x636c6173736573)).Perm(n) {
		switch {
		case k < nTest:
			role[c] = 2
		case k < nTest+nVal:
			role[c] = 1
		}
	}
	lists := [3][]string{{}, {}, {}}
	for c, name := range names {
		lists[role[c]] = append(lists[role[c]], globEscaper.Replace(name))
	}
	return ClassLists{Train: lists[0], Val: lists[1], Test: lists[2]}, nil
}

// globEscaper makes a class name a pattern that matches only itself.
var globEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)

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

// Exact is the pattern that matches class name and no other (its glob characters escaped).
func Exact(name string) string { return globEscaper.Replace(name) }

// ReadClassFile reads a class list from the file at path: one class name, glob or id a line,
// as the class lists of an experiment file take them (a published split file used as it is).
// Blank lines and lines starting with # are ignored, a byte-order mark and CRLF line ends are
// fine, and a line's surrounding spaces are not part of its pattern. A line whose pattern
// matches none of names, a malformed glob and a file without any pattern are errors naming
// the file and the line.
func ReadClassFile(path string, names []string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	patterns := []string{}
	for i, line := range strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		matched, err := matchClasses(p, names)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		if len(matched) == 0 {
			return nil, fmt.Errorf("%s:%d: %q matches no class (classes: %s)", path, i+1, p, preview(names))
		}
		patterns = append(patterns, p)
	}
	if len(patterns) == 0 {
		return nil, fmt.Errorf("%s: no class names (one a line; blank lines and # comments are ignored)", path)
	}
	return patterns, nil
}
