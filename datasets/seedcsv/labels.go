package seedcsv

import (
	"fmt"
	"slices"
	"strings"

	"github.com/relnet/relnet/datasets"
)

// seedLabels sorts out the labels field of one seed-notebook line: per group, its distinct values
// in line order; the distinct undeclared prefixes of the labels no group selects (none when strict);
// and what makes the line bad, or "": the labels of no group (strict only), then each label that
// has nothing after its group's prefix. A label repeated on the line counts once.
func seedLabels(specs []datasets.GroupSpec, field string, strict bool) (values [][]string, prefixes []string, problem string) {
	values = make([][]string, len(specs))
	var unknown, problems []string
	for _, label := range strings.Fields(field) {
		g := matchPrefix(specs, label)
		switch {
		case g >= 0 && label == specs[g].Prefix:
			if p := fmt.Sprintf("label %q has no value after the prefix of group %s", label, specs[g].Name); !slices.Contains(problems, p) {
				problems = append(problems, p)
			}
		case g >= 0:
			if v := label[len(specs[g].Prefix):]; !slices.Contains(values[g], v) {
				values[g] = append(values[g], v)
			}
		case strict:
			if !slices.Contains(unknown, label) {
				unknown = append(unknown, label)
			}
		default:
			if p := undeclaredPrefix(label); !slices.Contains(prefixes, p) {
				prefixes = append(prefixes, p)
			}
		}
	}
	if len(unknown) > 0 {
		problems = append([]string{unknownLabels(specs, unknown)}, problems...)
	}
	return values, prefixes, strings.Join(problems, "; ")
}

// ignoredCounts lists the ignored labels, prefix -> lines carrying it, sorted by prefix; nil when
// there are none.
func ignoredCounts(ignored map[string]int) []datasets.IgnoredLabels {
	var out []datasets.IgnoredLabels
	for p, n := range ignored {
		out = append(out, datasets.IgnoredLabels{Prefix: p, Lines: n})
	}
	slices.SortFunc(out, func(a, b datasets.IgnoredLabels) int { return strings.Compare(a.Prefix, b.Prefix) })
	return out
}

// undeclaredPrefix is the prefix an ignored label is counted under: the label up to and including
// its last underscore, or the whole label when it has none.
func undeclaredPrefix(label string) string {
	if i := strings.LastIndexByte(label, '_'); i >= 0 {
		return label[:i+1]
	}
	return label
}

// unknownLabels describes the labels of one line that no declared group selects.
func unknownLabels(specs []datasets.GroupSpec, labels []string) string {
	q := make([]string, len(labels))
	for i, l := range labels {
		q[i] = fmt.Sprintf("%q", l)
	}
	what := "label " + q[0] + " matches"
	if len(q) > 1 {
		what = "labels " + strings.Join(q, ", ") + " match"
	}
	return fmt.Sprintf("%s no declared group; declared prefixes: %s (declare every group the file uses)", what, prefixList(specs))
}

// matchPrefix returns the group whose prefix label starts with, the longest when several do, or -1.
func matchPrefix(specs []datasets.GroupSpec, label string) int {
	best := -1
	for g, s := range specs {
		if strings.HasPrefix(label, s.Prefix) && (best < 0 || len(s.Prefix) > len(specs[best].Prefix)) {
			best = g
		}
	}
	return best
}

// prefixList formats the declared prefixes for an error message.
func prefixList(specs []datasets.GroupSpec) string {
	q := make([]string, len(specs))
	for i, s := range specs {
		q[i] = fmt.Sprintf("%q", s.Prefix)
	}
	return strings.Join(q, ", ")
}

// conflicts describes the groups given more than one value on one line, or returns "".
func conflicts(specs []datasets.GroupSpec, values [][]string) string {
	var reasons []string
	for g, vs := range values {
		if len(vs) > 1 {
			reasons = append(reasons, fmt.Sprintf("%d labels in group %s: %s", len(vs), specs[g].Name, strings.Join(vs, ", ")))
		}
	}
	return strings.Join(reasons, "; ")
}
