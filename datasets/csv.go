package datasets

import (
	"fmt"
	"image"
	"io"
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
	return Assemble(path, rows, bad, specs, shape, opts, report)
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
	SortSkips(report.Skipped)
	list := make([]Listed, len(rows))
	for i, r := range rows {
		list[i] = Listed{Line: r.Line, Image: r.Image, Path: r.Path, Values: r.Values}
	}
	report.Kept = len(list)
	return list, report, nil
}

// parseSeedCSV reads the lines of a seed-notebook CSV: the resolved groups, the rows of the
// good lines, the bad lines, and the report so far. A shape other than the zero one is
// checked first.
func parseSeedCSV(path, imageDir string, groups []GroupSpec, shape ImageShape, opts LoadOptions) (specs []GroupSpec, rows []Row, bad []Skip, report *LoadReport, err error) {
	if shape != (ImageShape{}) {
		if err := shape.Validate(); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	specs, f, r, err := OpenLabels(path, groups, "_")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer f.Close()
	s := &seedLines{specs: specs, imageDir: imageDir, strict: opts.StrictLabels, report: &LoadReport{Source: path},
		seen: map[string]int{}, ignored: map[string]int{}}
	for first := true; ; first = false {
		rec, line, err := ReadRecord(r, path)
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
	rows     []Row          // of the good lines kept
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
	row := NewRow(s.imageDir, line, img, image.Rectangle{}, len(s.specs))
	for g, vs := range values {
		if len(vs) == 1 {
			row.Values[g] = vs[0]
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
