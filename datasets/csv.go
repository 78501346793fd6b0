package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"image"
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
// else the sorted distinct values of the images kept. Images are decoded to shape with DecodeImage, opts.Workers
// goroutines (< 1 means 1); the result is the same for any worker count.
//
// A label that no declared prefix matches is ignored and counted in LoadReport.Ignored under its prefix (the
// label up to and including its last underscore, the whole label if it has none): the lines with two fields and
// an image that carry it, kept or not. With opts.StrictLabels it makes its line bad instead.
//
// Bad lines: a line without exactly two fields or with an empty image field, a label of no group (StrictLabels
// only), a label with an empty value, an image that is missing or does not decode. The whole file is read and
// every kept image decoded, so one read finds them all: by default the read then fails with a *BadLinesError
// listing every bad line in line order; with opts.SkipBadLines the set holds the other images and each bad line is
// in LoadReport.Skipped with its reason. Not bad, but always skipped and listed in LoadReport.Skipped: an image
// with two different labels in one exclusive group, and a later line naming an image already listed (it would leak
// across an image split); a bad line or a line with two labels in a group does not count as listing its image.
// Plain errors, naming the file (and line): an unreadable file, a CSV syntax error, bad group declarations or
// shape, no images left, a group with no labelled image. By default bad lines are reported before the last two,
// except when the lines themselves are all good: then those two are found before any image is decoded.
// A label repeated verbatim on one line counts once. Fields may be CSV-quoted; blank lines are ignored.
func ReadSeedCSV(path, imageDir string, groups []GroupSpec, shape ImageShape, opts LoadOptions) (*Attributes, *LoadReport, error) {
	specs, rows, bad, report, err := parseSeedCSV(path, imageDir, groups, shape, opts)
	if err != nil {
		return nil, nil, err
	}
	return assemble(path, rows, bad, specs, shape, opts, report)
}

// Listed is one image that a labels file names, not decoded.
type Listed struct {
	Line   int      // of the labels file
	Image  string   // as the file names it
	Path   string   // to open
	Values []string // per declared group, in order: its value, or "" when unlabelled
}

// ListSeedCSV reads a seed-notebook CSV as ReadSeedCSV does but decodes no image: it returns
// the images of the good lines in file order, with their values. The lines are checked as
// ReadSeedCSV checks them (bad ones fail the read with a *BadLinesError, or with
// opts.SkipBadLines go to LoadReport.Skipped); the images are not, as nothing opens them.
func ListSeedCSV(path, imageDir string, groups []GroupSpec, opts LoadOptions) ([]Listed, *LoadReport, error) {
	_, rows, bad, report, err := parseSeedCSV(path, imageDir, groups, ImageShape{}, opts)
	if err != nil {
		return nil, nil, err
	}
	if len(bad) > 0 && !opts.SkipBadLines {
		return nil, nil, &BadLinesError{Source: path, Lines: bad}
	}
	report.Skipped = append(report.Skipped, bad...)
	sortSkips(report.Skipped)
	list := make([]Listed, len(rows))
	for i, r := range rows {
		list[i] = Listed{Line: r.job.line, Image: r.job.image, Path: r.job.path, Values: r.values}
	}
	report.Kept = len(list)
	return list, report, nil
}

// parseSeedCSV reads the lines of a seed-notebook CSV: the resolved groups, the rows of the
// good lines, the bad lines, and the report so far. A shape other than the zero one is
// checked first.
func parseSeedCSV(path, imageDir string, groups []GroupSpec, shape ImageShape, opts LoadOptions) (specs []GroupSpec, rows []labelledRow, bad []Skip, report *LoadReport, err error) {
	if shape != (ImageShape{}) {
		if err := shape.Validate(); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	specs, f, r, err := openLabels(path, groups, "_")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer f.Close()
	s := &seedLines{specs: specs, imageDir: imageDir, strict: opts.StrictLabels, report: &LoadReport{Source: path},
		seen: map[string]int{}, ignored: map[string]int{}}
	for first := true; ; first = false {
		rec, line, err := readRecord(r, path)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if first && !IsImageFile(rec[0]) {
			continue // header
		}
		s.add(rec, line)
	}
	s.report.Ignored = ignoredCounts(s.ignored)
	return specs, s.rows, s.bad, s.report, nil
}

// seedLines collects what the data lines of a seed-notebook CSV hold, line by line.
type seedLines struct {
	specs    []GroupSpec
	imageDir string
	strict   bool // LoadOptions.StrictLabels
	report   *LoadReport
	rows     []labelledRow  // of the good lines kept
	bad      []Skip         // the bad lines
	seen     map[string]int // image -> line of its first listing
	ignored  map[string]int // undeclared prefix -> lines carrying it
}

// add checks the data line `line`, record rec, and files it: as a row to load, a bad line, or a
// line skipped for two labels in one group or an image already listed. It counts the line and,
// when it has two fields and an image, the undeclared prefixes it carries.
func (s *seedLines) add(rec []string, line int) {
	s.report.Lines++
	img := strings.TrimSpace(rec[0])
	if reason := seedFieldsProblem(rec, img); reason != "" {
		s.bad = append(s.bad, Skip{Line: line, Image: img, Reason: reason})
		return
	}
	values, prefixes, problem := seedLabels(s.specs, rec[1], s.strict)
	for _, p := range prefixes {
		s.ignored[p]++
	}
	if problem != "" {
		s.bad = append(s.bad, Skip{Line: line, Image: img, Reason: problem})
		return
	}
	if reason := conflicts(s.specs, values); reason != "" {
		s.report.Skipped = append(s.report.Skipped, Skip{Line: line, Image: img, Reason: reason})
		return
	}
	if prev, ok := s.seen[img]; ok {
		s.report.Skipped = append(s.report.Skipped, Skip{Line: line, Image: img, Reason: fmt.Sprintf("image already listed on line %d", prev)})
		return
	}
	s.seen[img] = line
	row := newLabelledRow(s.imageDir, line, img, image.Rectangle{}, len(s.specs))
	for g, vs := range values {
		if len(vs) == 1 {
			row.values[g] = vs[0]
		}
	}
	s.rows = append(s.rows, row)
}

// seedFieldsProblem says what is wrong with the fields of a seed-notebook line, record rec with
// image field img (trimmed), or returns "": it needs exactly two fields and a non-empty image.
func seedFieldsProblem(rec []string, img string) string {
	switch {
	case len(rec) == 1:
		return "no comma between image and labels, want `image,label label ...`"
	case len(rec) != 2:
		return fmt.Sprintf("%d fields, want 2: `image,label label ...`", len(rec))
	case img == "":
		return "empty image field"
	}
	return ""
}

// seedLabels sorts out the labels field of one seed-notebook line: per group, its distinct values
// in line order; the distinct undeclared prefixes of the labels no group selects (none when strict);
// and what makes the line bad, or "": the labels of no group (strict only), then each label that
// has nothing after its group's prefix. A label repeated on the line counts once.
func seedLabels(specs []GroupSpec, field string, strict bool) (values [][]string, prefixes []string, problem string) {
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
func ignoredCounts(ignored map[string]int) []IgnoredLabels {
	var out []IgnoredLabels
	for p, n := range ignored {
		out = append(out, IgnoredLabels{Prefix: p, Lines: n})
	}
	slices.SortFunc(out, func(a, b IgnoredLabels) int { return strings.Compare(a.Prefix, b.Prefix) })
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
func unknownLabels(specs []GroupSpec, labels []string) string {
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

// labelledRow is one image an input line keeps: what to decode and its value per group ("" = unlabelled).
type labelledRow struct {
	job    decodeJob
	values []string
}

// newLabelledRow is the row of image img, named on line `line` relative to imageDir, cropped to crop
// (an empty one: the whole image), and the value of each of its groups unlabelled ("").
func newLabelledRow(imageDir string, line int, img string, crop image.Rectangle, groups int) labelledRow {
	return labelledRow{job: decodeJob{line: line, image: img, path: filepath.Join(imageDir, filepath.FromSlash(img)), crop: crop},
		values: make([]string, groups)}
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

// IsImageFile reports whether name ends in .jpg, .jpeg or .png, in any case: the files the
// readers take as images.
func IsImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(strings.TrimSpace(name))) {
	case ".jpg", ".jpeg", ".png":
		return true
	}
	return false
}

// openLabels resolves the groups that both readers share, then opens the labels file as CSV.
func openLabels(path string, groups []GroupSpec, suffix string) ([]GroupSpec, *os.File, *csv.Reader, error) {
	specs, err := resolveGroups(path, groups, suffix)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	return specs, f, newCSVReader(f), nil
}

// newCSVReader reads comma-separated records of any length, keeping fields as written.
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

// assemble turns the rows of source that passed the line checks into an Attributes: pixels decoded by
// opts.Workers goroutines, group values (spec.Values, or the sorted distinct values of the images kept) and
// labels. bad holds the bad lines found so far; every image that fails to decode adds one. By default any bad
// line fails the read with a *BadLinesError listing them all, in line order; with opts.SkipBadLines the failed
// images are dropped and every bad line joins report.Skipped. It fails when no image is left or a group has no
// labelled image; when no line is bad yet, that is checked before decoding too, as decoding only drops images.
// It records the number of images kept in report, and returns it.
func assemble(source string, rows []labelledRow, bad []Skip, specs []GroupSpec, shape ImageShape, opts LoadOptions, report *LoadReport) (*Attributes, *LoadReport, error) {
	if len(bad) == 0 || opts.SkipBadLines {
		if err := checkRows(source, rows, specs, len(bad)+len(report.Skipped), report); err != nil {
			return nil, nil, err
		}
	}
	size := shape.Size()
	jobs := make([]decodeJob, len(rows))
	for i, r := range rows {
		jobs[i] = r.job
	}
	pixels := make([]float32, len(rows)*size)
	failed := decodeAll(jobs, shape, pixels, opts)
	kept := rows[:0:0]
	for i, r := range rows {
		if failed != nil && failed[i] != nil {
			bad = append(bad, Skip{Line: r.job.line, Image: r.job.image, Reason: failed[i].Error()})
			continue
		}
		copy(pixels[len(kept)*size:], pixels[i*size:(i+1)*size])
		kept = append(kept, r)
	}
	sortSkips(bad)
	if len(bad) > 0 && !opts.SkipBadLines {
		return nil, nil, &BadLinesError{Source: source, Lines: bad}
	}
	report.Skipped = append(report.Skipped, bad...)
	sortSkips(report.Skipped)
	if err := checkRows(source, kept, specs, len(report.Skipped), report); err != nil {
		return nil, nil, err
	}
	n := len(kept) * size
	a := &Attributes{Name: filepath.Base(source), Channels: shape.Channels, Height: shape.Height, Width: shape.Width,
		Pixels: pixels[:n:n], Files: make([]string, len(kept)), Groups: make([]Group, len(specs))}
	for i, r := range kept {
		a.Files[i] = r.job.image
	}
	for g, s := range specs {
		values := groupValues(s, g, kept)
		labels := make([]int, len(kept))
		for i, r := range kept {
			labels[i] = Unlabelled
			if k := slices.Index(values, r.values[g]); r.values[g] != "" && k >= 0 {
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
func groupValues(s GroupSpec, g int, rows []labelledRow) []string {
	if len(s.Values) > 0 {
		return s.Values
	}
	var values []string
	for _, r := range rows {
		if v := r.values[g]; v != "" && !slices.Contains(values, v) {
			values = append(values, v)
		}
	}
	slices.Sort(values)
	return values
}

// checkRows fails when rows, the images of source left to load (skipped lines left out), are none,
// or leave a group without a labelled image.
func checkRows(source string, rows []labelledRow, specs []GroupSpec, skipped int, report *LoadReport) error {
	if len(rows) == 0 {
		msg := fmt.Sprintf("%s: no images left to load", source)
		if skipped > 0 {
			msg += fmt.Sprintf(" (%d of %d data lines skipped)", skipped, report.Lines)
		}
		return errors.New(msg)
	}
	for g, s := range specs {
		values := groupValues(s, g, rows)
		labelled := slices.ContainsFunc(rows, func(r labelledRow) bool { return r.values[g] != "" && slices.Contains(values, r.values[g]) })
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

// sortSkips sorts skips by line; a line is skipped at most once.
func sortSkips(skips []Skip) {
	slices.SortStableFunc(skips, func(a, b Skip) int { return a.Line - b.Line })
}
