package datasets

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Cooccurrence counts images labelled in both groups: counts[i][j] = images with value i of group g and value j of group h.
// It panics if g or h is not a group index (see GroupIndex).
func (a *Attributes) Cooccurrence(g, h int) [][]int {
	gg, hh := a.Groups[g], a.Groups[h]
	counts := make([][]int, len(gg.Values))
	for i := range counts {
		counts[i] = make([]int, len(hh.Values))
	}
	for k, i := range gg.Labels {
		if j := hh.Labels[k]; i != Unlabelled && j != Unlabelled {
			counts[i][j]++
		}
	}
	return counts
}

// WriteInspection writes a plain-text data report: the line counts and the labels ignored by prefix
// (`ignored labels: colour_ on 12 lines, ...`, when there are any); per group, images per value and the
// unlabelled count; every skipped line with its reason; and, when both names are
// non-empty, the co-occurrence table of groups g1 and g2 (rows g1 values, columns g2 values, aligned with
// text/tabwriter). r may be nil (no line counts, no ignored labels, no skipped lines). split, when not
// nil, gives the class split: each value's role beside its image count, with the classes and images
// per role, or for a group that follows the others' split its labelled images per role.
// Naming only one of g1, g2, or a group a does not have, is an error.
func WriteInspection(w io.Writer, a *Attributes, r *LoadReport, split *ClassSplit, g1, g2 string) error {
	gi, hi, err := inspectionPair(a, g1, g2)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s: %d images of %d×%d×%d\n", a.Name, a.Len(), a.Channels, a.Height, a.Width)
	if r != nil {
		fmt.Fprintf(tw, "%s\n", r.Summary("\n"))
	}
	for i, g := range a.Groups {
		var groupRoles, imageRoles []string
		if split != nil {
			groupRoles, imageRoles = split.Roles[i], split.ImageRoles
		}
		writeGroupCounts(tw, g, groupRoles, imageRoles)
	}
	if r != nil {
		writeSkipped(tw, r.Skipped)
	}
	if gi >= 0 {
		writeCooccurrence(tw, a, gi, hi)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// ClassSplit is a class split as WriteInspection shows it: Roles[g][v] is value v's role in
// group g, "train", "val" or "test" ("" for a class no list takes), nil for a group that
// follows the others' split (CUB's attribute groups follow the species); ImageRoles[i] is image
// i's role.
type ClassSplit struct {
	Roles      [][]string
	ImageRoles []string
}

// writeFollowedSplit writes, for a group that follows the others' class split, how many of
// the images labelled in it each role takes.
func writeFollowedSplit(tw io.Writer, g Group, imageRoles []string) {
	count := map[string]int{}
	for i, l := range g.Labels {
		if l != Unlabelled {
			count[imageRoles[i]]++
		}
	}
	fmt.Fprintf(tw, "  class split: follows the other groups' (every value in every role); its labelled images: train %d, val %d, test %d\n",
		count["train"], count["val"], count["test"])
}

// inspectionPair resolves the groups named for WriteInspection's co-occurrence table: their
// indices in a, or -1, -1 when both names are empty.
func inspectionPair(a *Attributes, g1, g2 string) (gi, hi int, err error) {
	if (g1 == "") != (g2 == "") {
		return -1, -1, fmt.Errorf("%s: a co-occurrence table needs two groups, got %q and %q", a.Name, g1, g2)
	}
	if g1 == "" {
		return -1, -1, nil
	}
	if gi, err = a.GroupIndex(g1); err != nil {
		return -1, -1, err
	}
	if hi, err = a.GroupIndex(g2); err != nil {
		return -1, -1, err
	}
	return gi, hi, nil
}

// writeGroupCounts writes the report's section on group g: images per value and the unlabelled count,
// and with roles (one per value) each value's role and the classes and images per role; with
// imageRoles alone (a group that follows the others' split), its labelled images per role.
func writeGroupCounts(tw io.Writer, g Group, roles, imageRoles []string) {
	counts := make([]int, len(g.Values))
	unlabelled := 0
	for _, l := range g.Labels {
		if l == Unlabelled {
			unlabelled++
		} else {
			counts[l]++
		}
	}
	fmt.Fprintf(tw, "\ngroup %s: %d values, %d images labelled, %d unlabelled\n", g.Name, len(g.Values), len(g.Labels)-unlabelled, unlabelled)
	if roles == nil && imageRoles != nil {
		writeFollowedSplit(tw, g, imageRoles)
	}
	if roles != nil {
		writeRoleCounts(tw, counts, roles)
		fmt.Fprintf(tw, "  value\timages\trole\n")
	} else {
		fmt.Fprintf(tw, "  value\timages\n")
	}
	for v, name := range g.Values {
		if roles != nil {
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", name, counts[v], cmp.Or(roles[v], "none"))
		} else {
			fmt.Fprintf(tw, "  %s\t%d\n", name, counts[v])
		}
	}
	fmt.Fprintf(tw, "  (unlabelled)\t%d\n", unlabelled)
}

// writeRoleCounts writes the classes and images of each role of a class split, the classes
// no list takes last when there are any.
func writeRoleCounts(tw io.Writer, counts []int, roles []string) {
	var parts []string
	for _, role := range []string{"train", "val", "test", ""} {
		classes, images := 0, 0
		for v, r := range roles {
			if r == role {
				classes++
				images += counts[v]
			}
		}
		switch {
		case role == "val" && classes == 0:
			parts = append(parts, "val 0 classes (validation on held-out images of the training classes)")
		case role != "" || classes > 0:
			parts = append(parts, fmt.Sprintf("%s %d classes, %d images", cmp.Or(role, "none"), classes, images))
		}
	}
	fmt.Fprintf(tw, "  class split: %s\n", strings.Join(parts, "; "))
}

// writeSkipped writes the report's section on the skipped lines: each with its reason.
func writeSkipped(tw io.Writer, skipped []Skip) {
	fmt.Fprintf(tw, "\nskipped lines: %d\n", len(skipped))
	for _, s := range skipped {
		if s.Line > 0 {
			fmt.Fprintf(tw, "  line %d: %s: %s\n", s.Line, s.Image, s.Reason)
		} else { // a source without lines (an image folder)
			fmt.Fprintf(tw, "  %s: %s\n", s.Image, s.Reason)
		}
	}
}

// writeCooccurrence writes the report's co-occurrence table of groups gi (rows) and hi (columns)
// of a, tab-separated for a tabwriter to align.
func writeCooccurrence(tw io.Writer, a *Attributes, gi, hi int) {
	g, h := a.Groups[gi], a.Groups[hi]
	counts := a.Cooccurrence(gi, hi)
	both := 0
	for _, row := range counts {
		for _, n := range row {
			both += n
		}
	}
	fmt.Fprintf(tw, "\nco-occurrence: %s (rows) × %s (columns), %d images labelled in both\n", g.Name, h.Name, both)
	fmt.Fprintf(tw, "  %s \\ %s", g.Name, h.Name)
	for _, v := range h.Values {
		fmt.Fprintf(tw, "\t%s", v)
	}
	fmt.Fprintln(tw)
	for i, v := range g.Values {
		fmt.Fprintf(tw, "  %s", v)
		for _, n := range counts[i] {
			fmt.Fprintf(tw, "\t%d", n)
		}
		fmt.Fprintln(tw)
	}
}
