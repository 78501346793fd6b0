// Package miniimagenet reads miniImageNet in the layout of Ravi & Larochelle's split, as its
// download gives it: a root holding images/ and train.csv, val.csv and test.csv
// (`filename,label`), the three files being the class split. Any set exported in that layout
// (tieredImageNet exports, CIFAR-FS or FC100 written as images) reads the same way. The rows it
// keeps are assembled and decoded by package datasets.
package miniimagenet

import (
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/relnet/relnet/datasets"
)

// SplitFiles are the split files under the root, in role order: training, validation, test.
// The validation file may be missing (no validation classes); the other two may not.
var SplitFiles = [3]string{"train.csv", "val.csv", "test.csv"}

// ImagesDir is the folder under the root that the files' image names are relative to.
const ImagesDir = "images"

// Read reads the set at root: every line `filename,label` of train.csv, val.csv and test.csv
// (an optional header line, recognised by a first field without an image extension; a
// byte-order mark and CRLF line ends are fine) names an image root/images/<filename> of class
// <label>. The set has one attribute group, g (its name, default "class"; with Values, only
// those classes, the other images unlabelled). Files[i] is the image's path relative to root,
// slash-separated (`images/n0153282900000005.jpg`); images are in file order, train.csv first.
//
// Bad lines, all found in one read and reported as by the other readers (a
// *datasets.BadLinesError by default, LoadReport.Skipped with opts.SkipBadLines; source root,
// each line named `<file>:<line>`): a line without exactly two fields, an empty file name or
// label, a file name without an image extension, an image that is missing or does not decode.
// Skipped and listed always: an image listed a second time. Plain errors, naming the file and
// line: a missing train.csv or test.csv, a CSV syntax error, a class in two split files (the
// split would leak), no images left.
func Read(root string, g datasets.GroupSpec, shape datasets.ImageShape, opts datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error) {
	if err := shape.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", root, err)
	}
	if g.Name == "" {
		g.Name = "class"
	}
	s, err := parse(root)
	if err != nil {
		return nil, nil, err
	}
	return datasets.Assemble(root, s.rows, s.bad, []datasets.GroupSpec{g}, shape, opts, s.report)
}

// Split returns the classes each split file of root names, in role order (training,
// validation, test), each in the order of first appearance, read from the good lines without
// decoding any image. Its errors are Read's plain errors.
func Split(root string) ([3][]string, error) {
	s, err := parse(root)
	if err != nil {
		return [3][]string{}, err
	}
	return s.classes, nil
}

// splitLines collects what the split files of a root hold, line by line.
type splitLines struct {
	root    string
	report  *datasets.LoadReport
	rows    []datasets.Row
	bad     []datasets.Skip
	classes [3][]string       // per role, in order of first appearance
	owner   map[string]string // class -> the file:line that first named it
	role    map[string]int    // class -> its role
	seen    map[string]string // image -> the file:line that first listed it
}

// parse reads root's split files.
func parse(root string) (*splitLines, error) {
	s := &splitLines{root: root, report: &datasets.LoadReport{Source: root},
		owner: map[string]string{}, role: map[string]int{}, seen: map[string]string{}}
	for r, name := range SplitFiles {
		err := s.readFile(r, name)
		if os.IsNotExist(err) && name == "val.csv" {
			continue
		}
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: no %s; want %s beside %s/ (the layout of Ravi & Larochelle's split)",
				root, name, strings.Join(SplitFiles[:], ", "), ImagesDir)
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readFile reads split file name, of role r.
func (s *splitLines) readFile(r int, name string) error {
	path := filepath.Join(s.root, name)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := datasets.NewCSVReader(f)
	for first := true; ; first = false {
		rec, line, err := datasets.ReadRecord(cr, path)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if first && !datasets.IsImageFile(rec[0]) {
			continue // header
		}
		if err := s.add(r, name, line, rec); err != nil {
			return err
		}
	}
}

// add files the data line `line` of split file name (role r), record rec: as a row to load, a
// bad line, or an image already listed. A class another split file holds is an error.
func (s *splitLines) add(r int, name string, line int, rec []string) error {
	s.report.Lines++
	where := fmt.Sprintf("%s:%d", name, line)
	img, label := strings.TrimSpace(rec[0]), ""
	if len(rec) == 2 {
		label = strings.TrimSpace(rec[1])
	}
	var reason string
	switch {
	case len(rec) != 2:
		reason = fmt.Sprintf("%d fields, want 2: `filename,label`", len(rec))
	case img == "" || label == "":
		reason = "empty file name or label, want `filename,label`"
	case !datasets.IsImageFile(img):
		reason = fmt.Sprintf("%q is not an image file name (.jpg, .jpeg or .png)", img)
	}
	if reason != "" {
		s.bad = append(s.bad, datasets.Skip{Image: where, Reason: reason})
		return nil
	}
	if prev, ok := s.role[label]; ok && prev != r {
		return fmt.Errorf("%s: class %q is in %s (first on %s) and in %s: a class split must not share classes",
			filepath.Join(s.root, where), label, SplitFiles[prev], s.owner[label], name)
	}
	rel := ImagesDir + "/" + img
	if prev, ok := s.seen[rel]; ok {
		s.report.Skipped = append(s.report.Skipped, datasets.Skip{Image: where, Reason: "image already listed on " + prev})
		return nil
	}
	s.seen[rel] = where
	if _, ok := s.role[label]; !ok {
		s.role[label], s.owner[label] = r, where
		s.classes[r] = append(s.classes[r], label)
	}
	row := datasets.NewRow(s.root, 0, rel, image.Rectangle{}, 1)
	row.Values[0] = label
	s.rows = append(s.rows, row)
	return nil
}
