// Package seedcsv reads the seed notebook's labels format, one `image,label label ...` line
// per image, into a multi-attribute set (Read), or lists the images it names without decoding
// them (List). The rows it keeps are assembled and decoded by package datasets.
package seedcsv

import (
	"fmt"
	"image"
	"io"
	"strings"

	"github.com/relnet/relnet/datasets"
)

// Read reads the seed notebook's format: one line per image, `image,label label ...`
// (e.g. `1a23.jpg,clothing_category_t-shirt major_color_red`), image paths relative to imageDir.
// An optional header line is recognised (first field has no image extension .jpg/.jpeg/.png, case-insensitive).
// Each label belongs to the declared group whose Prefix (default Name+"_") it starts with (longest prefix wins);
// the value is the rest of the label. Group values: spec.Values if given (other values -> Unlabelled for that group),
// else the sorted distinct values of the images kept. Images are decoded to shape with datasets.DecodeImage, opts.Workers
// goroutines (< 1 means 1); the result is the same for any worker count.
//
// A label that no declared prefix matches is ignored and counted in LoadReport.Ignored under its prefix (the
// label up to and including its last underscore, the whole label if it has none): the lines with two fields and
// an image that carry it, kept or not. With opts.StrictLabels it makes its line bad instead.
//
// Bad lines: a line without exactly two fields or with an empty image field, a label of no group (StrictLabels
// only), a label with an empty value, an image that is missing or does not decode. The whole file is read and
// every kept image decoded, so one read finds them all: by default the read then fails with a *datasets.BadLinesError
// listing every bad line in line order; with opts.SkipBadLines the set holds the other images and each bad line is
// in LoadReport.Skipped with its reason. Not bad, but always skipped and listed in LoadReport.Skipped: an image
// with two different labels in one exclusive group, and a later line naming an image already listed (it would leak
// across an image split); a bad line or a line with two labels in a group does not count as listing its image.
// Plain errors, naming the file (and line): an unreadable file, a CSV syntax error, bad group declarations or
// shape, no images left, a group with no labelled image. By default bad lines are reported before the last two,
// except when the lines themselves are all good: then those two are found before any image is decoded.
// A label repeated verbatim on one line counts once. Fields may be CSV-quoted; blank lines are ignored.
func Read(path, imageDir string, groups []datasets.GroupSpec, shape datasets.ImageShape, opts datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error) {
	specs, rows, bad, report, err := parseSeedCSV(path, imageDir, groups, shape, opts)
	if err != nil {
		return nil, nil, err
	}
	return datasets.Assemble(path, rows, bad, specs, shape, opts, report)
}

// Listed is one image that a labels file names, not decoded.
type Listed struct {
	Line   int      // of the labels file
	Image  string   // as the file names it
	Path   string   // to open
	Values []string // per declared group, in order: its value, or "" when unlabelled
}

// List reads a seed-notebook CSV as Read does but decodes no image: it returns
// the images of the good lines in file order, with their values. The lines are checked as
// Read checks them (bad ones fail the read with a *datasets.BadLinesError, or with
// opts.SkipBadLines go to LoadReport.Skipped); the images are not, as nothing opens them.
func List(path, imageDir string, groups []datasets.GroupSpec, opts datasets.LoadOptions) ([]Listed, *datasets.LoadReport, error) {
	_, rows, bad, report, err := parseSeedCSV(path, imageDir, groups, datasets.ImageShape{}, opts)
	if err != nil {
		return nil, nil, err
	}
	if len(bad) > 0 && !opts.SkipBadLines {
		return nil, nil, &datasets.BadLinesError{Source: path, Lines: bad}
	}
	report.Skipped = append(report.Skipped, bad...)
	datasets.SortSkips(report.Skipped)
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
func parseSeedCSV(path, imageDir string, groups []datasets.GroupSpec, shape datasets.ImageShape, opts datasets.LoadOptions) (specs []datasets.GroupSpec, rows []datasets.Row, bad []datasets.Skip, report *datasets.LoadReport, err error) {
	if shape != (datasets.ImageShape{}) {
		if err := shape.Validate(); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	specs, f, r, err := datasets.OpenLabels(path, groups, "_")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer f.Close()
	s := &seedLines{specs: specs, imageDir: imageDir, strict: opts.StrictLabels, report: &datasets.LoadReport{Source: path},
		seen: map[string]int{}, ignored: map[string]int{}}
	for first := true; ; first = false {
		rec, line, err := datasets.ReadRecord(r, path)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if first && !datasets.IsImageFile(rec[0]) {
			continue // header
		}
		s.add(rec, line)
	}
	s.report.Ignored = ignoredCounts(s.ignored)
	return specs, s.rows, s.bad, s.report, nil
}

// seedLines collects what the data lines of a seed-notebook CSV hold, line by line.
type seedLines struct {
	specs    []datasets.GroupSpec
	imageDir string
	strict   bool // LoadOptions.StrictLabels
	report   *datasets.LoadReport
	rows     []datasets.Row  // of the good lines kept
	bad      []datasets.Skip // the bad lines
	seen     map[string]int  // image -> line of its first listing
	ignored  map[string]int  // undeclared prefix -> lines carrying it
}

// add checks the data line `line`, record rec, and files it: as a row to load, a bad line, or a
// line skipped for two labels in one group or an image already listed. It counts the line and,
// when it has two fields and an image, the undeclared prefixes it carries.
func (s *seedLines) add(rec []string, line int) {
	s.report.Lines++
	img := strings.TrimSpace(rec[0])
	if reason := seedFieldsProblem(rec, img); reason != "" {
		s.bad = append(s.bad, datasets.Skip{Line: line, Image: img, Reason: reason})
		return
	}
	values, prefixes, problem := seedLabels(s.specs, rec[1], s.strict)
	for _, p := range prefixes {
		s.ignored[p]++
	}
	if problem != "" {
		s.bad = append(s.bad, datasets.Skip{Line: line, Image: img, Reason: problem})
		return
	}
	if reason := conflicts(s.specs, values); reason != "" {
		s.report.Skipped = append(s.report.Skipped, datasets.Skip{Line: line, Image: img, Reason: reason})
		return
	}
	if prev, ok := s.seen[img]; ok {
		s.report.Skipped = append(s.report.Skipped, datasets.Skip{Line: line, Image: img, Reason: fmt.Sprintf("image already listed on line %d", prev)})
		return
	}
	s.seen[img] = line
	row := datasets.NewRow(s.imageDir, line, img, image.Rectangle{}, len(s.specs))
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
