package datasets

import (
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"slices"
	"strings"
)

// Row is one image a labelled source keeps, not yet decoded: the input line that named it, the
// file and crop to decode, and its value in each declared group.
type Row struct {
	Line   int             // of the labels file; 0 for a source without lines (an image folder)
	Image  string          // as the source names it: in errors, Skip and Attributes.Files
	Path   string          // the file to open
	Crop   image.Rectangle // empty: the whole image
	Values []string        // per declared group, in order: its value, or "" when unlabelled
}

// NewRow is the row of image img, named on line `line` relative to imageDir, cropped to crop
// (an empty one: the whole image), and the value of each of its groups unlabelled ("").
func NewRow(imageDir string, line int, img string, crop image.Rectangle, groups int) Row {
	return Row{Line: line, Image: img, Path: filepath.Join(imageDir, filepath.FromSlash(img)), Crop: crop,
		Values: make([]string, groups)}
}

// Assemble turns the rows of source that passed the line checks into an Attributes: pixels decoded by
// opts.Workers goroutines, group values (spec.Values, or the sorted distinct values of the images kept) and
// labels. bad holds the bad lines found so far; every image that fails to decode adds one. By default any bad
// line fails the read with a *BadLinesError listing them all, in line order; with opts.SkipBadLines the failed
// images are dropped and every bad line joins report.Skipped. It fails when no image is left or a group has no
// labelled image; when no line is bad yet, that is checked before decoding too, as decoding only drops images.
// It records the number of images kept in report, and returns it.
func Assemble(source string, rows []Row, bad []Skip, specs []GroupSpec, shape ImageShape, opts LoadOptions, report *LoadReport) (*Attributes, *LoadReport, error) {
	if len(bad) == 0 || opts.SkipBadLines {
		if err := checkRows(source, rows, specs, len(bad)+len(report.Skipped), report); err != nil {
			return nil, nil, err
		}
	}
	size := shape.Size()
	pixels := make([]float32, len(rows)*size)
	failed := decodeAll(rows, shape, pixels, opts)
	kept := rows[:0:0]
	for i, r := range rows {
		if failed != nil && failed[i] != nil {
			bad = append(bad, Skip{Line: r.Line, Image: r.Image, Reason: failed[i].Error()})
			continue
		}
		copy(pixels[len(kept)*size:], pixels[i*size:(i+1)*size])
		kept = append(kept, r)
	}
	SortSkips(bad)
	if len(bad) > 0 && !opts.SkipBadLines {
		return nil, nil, &BadLinesError{Source: source, Lines: bad}
	}
	report.Skipped = append(report.Skipped, bad...)
	SortSkips(report.Skipped)
	if err := checkRows(source, kept, specs, len(report.Skipped), report); err != nil {
		return nil, nil, err
	}
	n := len(kept) * size
	a := &Attributes{Name: filepath.Base(source), Channels: shape.Channels, Height: shape.Height, Width: shape.Width,
		Pixels: pixels[:n:n], Files: make([]string, len(kept)), Groups: make([]Group, len(specs))}
	for i, r := range kept {
		a.Files[i] = r.Image
	}
	for g, s := range specs {
		values := groupValues(s, g, kept)
		labels := make([]int, len(kept))
		for i, r := range kept {
			labels[i] = Unlabelled
			if k := slices.Index(values, r.Values[g]); r.Values[g] != "" && k >= 0 {
				labels[i] = k
			}
		}
		a.Groups[g] = Group{Name: s.Name, Values: values, Labels: labels}
	}
	report.Kept = a.Len()
	return a, report, nil
}

// groupValues returns the values of group g (spec s): s.Values if declared, else the sorted distinct
// values of rows.
func groupValues(s GroupSpec, g int, rows []Row) []string {
	if len(s.Values) > 0 {
		return s.Values
	}
	var values []string
	for _, r := range rows {
		if v := r.Values[g]; v != "" && !slices.Contains(values, v) {
			values = append(values, v)
		}
	}
	slices.Sort(values)
	return values
}

// checkRows fails when rows, the images of source left to load (skipped lines left out), are none,
// or leave a group without a labelled image.
func checkRows(source string, rows []Row, specs []GroupSpec, skipped int, report *LoadReport) error {
	if len(rows) == 0 {
		msg := fmt.Sprintf("%s: no images left to load", source)
		if skipped > 0 {
			msg += fmt.Sprintf(" (%d of %d data lines skipped)", skipped, report.Lines)
		}
		return errors.New(msg)
	}
	for g, s := range specs {
		values := groupValues(s, g, rows)
		labelled := slices.ContainsFunc(rows, func(r Row) bool { return r.Values[g] != "" && slices.Contains(values, r.Values[g]) })
		if labelled {
			continue
		}
		msg := fmt.Sprintf("%s: no image has a label in group %q (selected by %q)", source, s.Name, s.Prefix)
		if len(s.Values) > 0 {
			msg += fmt.Sprintf(" among its declared values %q", s.Values)
		}
		if len(report.Ignored) > 0 {
			msg += "; " + ignoredList(report.Ignored)
		}
		return errors.New(msg)
	}
	return nil
}

// ignoredList formats the ignored labels as `ignored labels: colour_ on 12 lines, ...`.
func ignoredList(ignored []IgnoredLabels) string {
	parts := make([]string, len(ignored))
	for i, ig := range ignored {
		parts[i] = fmt.Sprintf("%s on %d lines", ig.Prefix, ig.Lines)
		if ig.Lines == 1 {
			parts[i] = fmt.Sprintf("%s on 1 line", ig.Prefix)
		}
	}
	return "ignored labels: " + strings.Join(parts, ", ")
}

// SortSkips sorts skips by line, keeping the order of equal lines; a line is skipped at most once.
func SortSkips(skips []Skip) {
	slices.SortStableFunc(skips, func(a, b Skip) int { return a.Line - b.Line })
}
