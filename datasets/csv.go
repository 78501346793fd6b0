package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ReadSeedCSV reads the seed notebook's format: one line per image, `image,label label ...`
// (e.g. `1a23.jpg,clothing_category_t-shirt major_color_red`), image paths relative to imageDir.
// An optional header line is recognised (first field has no image extension .jpg/.jpeg/.png, case-insensitive).
// Each label belongs to the declared group whose Prefix (default Name+"_") it starts with (longest prefix wins);
// the value is the rest of the label. Group values: spec.Values if given (other values -> Unlabelled for that group),
// else the sorted distinct values seen. Images are decoded to shape with DecodeImage, `workers` goroutines
// (< 1 means 1); the result is the same for any worker count.
//
// Errors name the file and line: a line without exactly two fields or with an empty image field, a label no
// declared prefix matches (every group the file uses must be declared, or dropping its labels would bias the
// data), an empty value, an image that is missing or does not decode, no images left, a group with no labelled
// image. Not errors, but skipped and reported in LoadReport.Skipped: an image with two different labels in one
// exclusive group, and a later line naming an image already listed (it would leak across an image split).
// A label repeated verbatim on one line counts once. Fields may be CSV-quoted; blank lines are ignored.
func ReadSeedCSV(path, imageDir string, groups []GroupSpec, shape ImageShape, workers int) (*Attributes, *LoadReport, error) {
	specs, f, r, err := openLabels(path, groups, "_", shape)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	report := &LoadReport{Source: path}
	var rows []labelledRow
	seen := map[string]int{} // image -> line of its first listing
	for first := true; ; first = false {
		rec, line, err := readRecord(r, path)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if first && !hasImageExt(rec[0]) {
			continue // header
		}
		report.Lines++
		if len(rec) == 1 {
			return nil, nil, fmt.Errorf("%s:%d: no comma between image and labels, want `image,label label ...`", path, line)
		}
		if len(rec) != 2 {
			return nil, nil, fmt.Errorf("%s:%d: %d fields, want 2: `image,label label ...`", path, line, len(rec))
		}
		img := strings.TrimSpace(rec[0])
		if img == "" {
			return nil, nil, fmt.Errorf("%s:%d: empty image field", path, line)
		}
		values := make([][]string, len(specs)) // per group, distinct values in line order
		for _, label := range strings.Fields(rec[1]) {
			g := matchPrefix(specs, label)
			if g < 0 {
				return nil, nil, fmt.Errorf("%s:%d: label %q matches no declared group; declared prefixes: %s (declare every group the file uses)",
					path, line, label, prefixList(specs))
			}
			v := label[len(specs[g].Prefix):]
			if v == "" {
				return nil, nil, fmt.Errorf("%s:%d: label %q has no value after the prefix of group %s", path, line, label, specs[g].Name)
			}
			if !slices.Contains(values[g], v) {
				values[g] = append(values[g], v)
			}
		}
		if reason := conflicts(specs, values); reason != "" {
			report.Skipped = append(report.Skipped, Skip{Line: line, Image: img, Reason: reason})
			continue
		}
		if prev, ok := seen[img]; ok {
			report.Skipped = append(report.Skipped, Skip{Line: line, Image: img, Reason: fmt.Sprintf("image already listed on line %d", prev)})
			continue
		}
		seen[img] = line
		row := labelledRow{job: decodeJob{line: line, image: img, path: filepath.Join(imageDir, filepath.FromSlash(img))},
			values: make([]string, len(specs))}
		for g, vs := range values {
			if len(vs) == 1 {
				row.values[g] = vs[0]
			}
		}
		rows = append(rows, row)
	}
	return assemble(path, rows, specs, shape, workers, report)
}

// labelledRow is one image an input line keeps: what to decode and its value per group ("" = unlabelled).
type labelledRow struct {
	job    decodeJob
	values []string
}

// resolveGroups checks the declared groups of the file at source and fills in default prefixes
// (Name+suffix): names and prefixes must be non-empty and distinct, Values distinct and non-empty.
func resolveGroups(source string, groups []GroupSpec, suffix string) ([]GroupSpec, error) {
	if len(groups) == 0 {
		return nil, fmt.Errorf("%s: no attribute groups declared", source)
	}
	out := make([]GroupSpec, len(groups))
	for i, g := range groups {
		if g.Name == "" {
			return nil, fmt.Errorf("%s: attribute group %d has no name", source, i+1)
		}
		if g.Prefix == "" {
			g.Prefix = g.Name + suffix
		}
		for _, o := range out[:i] {
			if o.Name == g.Name {
				return nil, fmt.Errorf("%s: attribute group %q is declared twice", source, g.Name)
			}
			if o.Prefix == g.Prefix {
				return nil, fmt.Errorf("%s: attribute groups %q and %q both select %q", source, o.Name, g.Name, g.Prefix)
			}
		}
		for j, v := range g.Values {
			if v == "" {
				return nil, fmt.Errorf("%s: attribute group %q: value %d is empty", source, g.Name, j+1)
			}
			if slices.Contains(g.Values[:j], v) {
				return nil, fmt.Errorf("%s: attribute group %q lists value %q twice", source, g.Name, v)
			}
		}
		g.Values = slices.Clone(g.Values)
		out[i] = g
	}
	return out, nil
}

// matchPrefix returns the group whose prefix label starts with, the longest when several do, or -1.
func matchPrefix(specs []GroupSpec, label string) int {
	best := -1
	for g, s := range specs {
		if strings.HasPrefix(label, s.Prefix) && (best < 0 || len(s.Prefix) > len(specs[best].Prefix)) {
			best = g
		}
	}
	return best
}

// prefixList formats the declared prefixes for an error message.
func prefixList(specs []GroupSpec) string {
	q := make([]string, len(specs))
	for i, s := range specs {
		q[i] = fmt.Sprintf("%q", s.Prefix)
	}
	return strings.Join(q, ", ")
}

// conflicts describes the groups given more than one value on one line, or returns "".
func conflicts(specs []GroupSpec, values [][]string) string {
	var reasons []string
	for g, vs := range values {
		if len(vs) > 1 {
			reasons = append(reasons, fmt.Sprintf("%d labels in group %s: %s", len(vs), specs[g].Name, strings.Join(vs, ", ")))
		}
	}
	return strings.Join(reasons, "; ")
}

// hasImageExt reports whether name ends in .jpg, .jpeg or .png, in any case.
func hasImageExt(name string) bool {
	switch strings.ToLower(filepath.Ext(strings.TrimSpace(name))) {
	case ".jpg", ".jpeg", ".png":
		return true
	}
	return false
}

// newCSVReader reads comma-separated records of any length, keeping fields as written.
// openLabels resolves the groups and checks the shape that both readers share, then opens
// the labels file as CSV.
func openLabels(path string, groups []GroupSpec, suffix string, shape ImageShape) ([]GroupSpec, *os.File, *csv.Reader, error) {
	specs, err := resolveGroups(path, groups, suffix)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := shape.Validate(); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	return specs, f, newCSVReader(f), nil
}

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	return cr
}

// readRecord returns the next record and the line it starts on; a byte-order mark before the first
// field is dropped. Parse errors name source and line; the end of input is io.EOF.
func readRecord(r *csv.Reader, source string) ([]string, int, error) {
	rec, err := r.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return nil, 0, fmt.Errorf("%s:%d: %v", source, pe.StartLine, pe.Err)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", source, err)
	}
	line, _ := r.FieldPos(0)
	if line == 1 {
		rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
	}
	return rec, line, nil
}

// assemble turns the kept rows of source into an Attributes: group values (spec.Values, or the sorted
// distinct values seen), labels, and pixels decoded by `workers` goroutines. It fails when no rows are
// left, when a group has no labelled image, or when an image does not decode (the lowest line's error).
// It records the number of images kept in report, and returns it.
func assemble(source string, rows []labelledRow, specs []GroupSpec, shape ImageShape, workers int, report *LoadReport) (*Attributes, *LoadReport, error) {
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: no images left to load", source)
	}
	a := &Attributes{Name: filepath.Base(source), Channels: shape.Channels, Height: shape.Height, Width: shape.Width,
		Files: make([]string, len(rows)), Groups: make([]Group, len(specs))}
	for g, s := range specs {
		values := s.Values
		if len(values) == 0 {
			for _, r := range rows {
				if v := r.values[g]; v != "" && !slices.Contains(values, v) {
					values = append(values, v)
				}
			}
			slices.Sort(values)
		}
		labels := make([]int, len(rows))
		labelled := 0
		for i, r := range rows {
			labels[i] = Unlabelled
			if k := slices.Index(values, r.values[g]); r.values[g] != "" && k >= 0 {
				labels[i] = k
				labelled++
			}
		}
		if labelled == 0 {
			msg := fmt.Sprintf("%s: no image has a label in group %q (selected by %q)", source, s.Name, s.Prefix)
			if len(s.Values) > 0 {
				msg += fmt.Sprintf(" among its declared values %q", s.Values)
			}
			return nil, nil, errors.New(msg)
		}
		a.Groups[g] = Group{Name: s.Name, Values: values, Labels: labels}
	}
	jobs := make([]decodeJob, len(rows))
	for i, r := range rows {
		jobs[i] = r.job
		a.Files[i] = r.job.image
	}
	a.Pixels = make([]float32, len(rows)*shape.Size())
	if err := decodeAll(source, jobs, shape, a.Pixels, workers); err != nil {
		return nil, nil, err
	}
	report.Kept = a.Len()
	return a, report, nil
}
