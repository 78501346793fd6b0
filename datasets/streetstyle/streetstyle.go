// Package streetstyle reads StreetStyle-27K's manifest, one row per person (a crop of a stored
// image) with attribute columns found by their header names, into a multi-attribute set. The
// rows it keeps are assembled and decoded by package datasets.
package streetstyle

import (
	"encoding/csv"
	"fmt"
	"image"
	"io"
	"math"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/relnet/relnet/datasets"
)

// streetStyleColumns are the manifest's columns before its attribute columns; they are found by
// name, and every other column is an attribute column.
var streetStyleColumns = []string{"id", "url", "created_time", "city_id", "month_id", "lat", "long",
	"x1", "y1", "x2", "y2", "width", "height"}

// Read reads StreetStyle-27K's `streetstyle27k.manifest`: a CSV with a header
// `id,url,created_time,city_id,month_id,lat,long,x1,y1,x2,y2,width,height` followed by attribute columns
// (read the header; never hard-code their order or count). An empty cell = unlabelled. The image of URL `…/ABCxxx.jpg`
// is stored as imageDir/A/B/C/ABCxxx.jpg (first three characters of the file name as folders). The person is the
// x1,y1,x2,y2 crop (pixels of the stored image; clamp to the image bounds). GroupSpec.Prefix here is the column
// name (default Name). Values and opts (workers, bad lines) as in seedcsv.Read; StrictLabels has no effect here.
//
// Every column, the fixed ones included, is found by its header name; columns no group declares are not loaded.
// One row is one person, so an image holding several people appears once per row, each time with its own crop;
// Files[i] is the image's path relative to imageDir, slash-separated (`A/B/C/ABCxxx.jpg`). Fractional box
// coordinates grow the box to whole pixels.
//
// Bad lines, all found in one read and reported as by seedcsv.Read (a *datasets.BadLinesError by default, LoadReport.Skipped
// with opts.SkipBadLines): a row whose field count differs from the header's, a URL without a file name, a
// coordinate that is not a number, an empty crop (x2 ≤ x1 or y2 ≤ y1, or a box wholly outside the image), an image
// that is missing or does not decode. Plain errors, naming the file (and line): an unreadable file, a CSV syntax
// error, an empty file, a missing or repeated header column, no column for a declared group, bad group
// declarations or shape, no rows left, a group with no labelled image.
func Read(path, imageDir string, groups []datasets.GroupSpec, shape datasets.ImageShape, opts datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error) {
	if err := shape.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	specs, f, r, err := datasets.OpenLabels(path, groups, "")
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	layout, err := readStreetStyleHeader(path, r, specs)
	if err != nil {
		return nil, nil, err
	}
	report := &datasets.LoadReport{Source: path}
	var rows []datasets.Row
	var bad []datasets.Skip
	for {
		rec, line, err := datasets.ReadRecord(r, path)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		report.Lines++
		row, skip := layout.row(rec, line, imageDir)
		if skip != nil {
			bad = append(bad, *skip)
			continue
		}
		rows = append(rows, row)
	}
	return datasets.Assemble(path, rows, bad, specs, shape, opts, report)
}

// streetStyleLayout is where a manifest's header puts the columns the reader uses.
type streetStyleLayout struct {
	fields   int            // the header's field count, which every row must have
	col      map[string]int // column by header name (trimmed)
	groupCol []int          // per declared group, its column
}

// readStreetStyleHeader reads the manifest's header line and finds in it the url and x1,y1,x2,y2
// columns and each declared group's column.
func readStreetStyleHeader(path string, r *csv.Reader, specs []datasets.GroupSpec) (*streetStyleLayout, error) {
	header, headerLine, err := datasets.ReadRecord(r, path)
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file, want a header `%s,...`", path, strings.Join(streetStyleColumns, ","))
	}
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, name := range header {
		name = strings.TrimSpace(name)
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("%s:%d: column %q appears twice in the header", path, headerLine, name)
		}
		col[name] = i
	}
	for _, name := range []string{"url", "x1", "y1", "x2", "y2"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("%s:%d: the header has no column %q", path, headerLine, name)
		}
	}
	groupCol := make([]int, len(specs))
	for g, s := range specs {
		i, ok := col[s.Prefix]
		if !ok {
			return nil, fmt.Errorf("%s:%d: no column %q for attribute group %q; attribute columns: %s",
				path, headerLine, s.Prefix, s.Name, strings.Join(attributeColumns(header), ", "))
		}
		groupCol[g] = i
	}
	return &streetStyleLayout{fields: len(header), col: col, groupCol: groupCol}, nil
}

// attributeColumns are the header's column names (trimmed), in order, other than streetStyleColumns.
func attributeColumns(header []string) []string {
	var attrs []string
	for _, name := range header {
		if !slices.Contains(streetStyleColumns, strings.TrimSpace(name)) {
			attrs = append(attrs, strings.TrimSpace(name))
		}
	}
	return attrs
}

// row checks the data line `line`, record rec, and returns the row to load, or else the bad line
// it is: a field count other than the header's, or the problems of its URL and its crop, in
// that order.
func (l *streetStyleLayout) row(rec []string, line int, imageDir string) (datasets.Row, *datasets.Skip) {
	if len(rec) != l.fields {
		img := ""
		if i := l.col["url"]; i < len(rec) {
			img = strings.TrimSpace(rec[i])
		}
		return datasets.Row{}, &datasets.Skip{Line: line, Image: img, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), l.fields)}
	}
	img := strings.TrimSpace(rec[l.col["url"]])
	var problems []string
	rel, err := streetStyleFile(img)
	if err != nil {
		problems = append(problems, err.Error())
	} else {
		img = rel
	}
	crop, cropProblems := l.crop(rec)
	problems = append(problems, cropProblems...)
	if len(problems) > 0 {
		return datasets.Row{}, &datasets.Skip{Line: line, Image: img, Reason: strings.Join(problems, "; ")}
	}
	row := datasets.NewRow(imageDir, line, rel, crop, len(l.groupCol))
	for g, i := range l.groupCol {
		row.Values[g] = strings.TrimSpace(rec[i])
	}
	return row, nil
}

// crop reads the x1,y1,x2,y2 box of record rec, grown to whole pixels, or says what is wrong with
// it: each coordinate that is not a number, or else an empty box.
func (l *streetStyleLayout) crop(rec []string) (image.Rectangle, []string) {
	var box [4]float64
	var problems []string
	numbers := true
	for k, name := range []string{"x1", "y1", "x2", "y2"} {
		cell := strings.TrimSpace(rec[l.col[name]])
		v, err := strconv.ParseFloat(cell, 64)
		if err != nil || math.IsNaN(v) || math.Abs(v) > 1<<30 {
			problems = append(problems, fmt.Sprintf("%s = %q is not a pixel coordinate", name, cell))
			numbers = false
		}
		box[k] = v
	}
	if numbers && (box[2] <= box[0] || box[3] <= box[1]) {
		problems = append(problems, fmt.Sprintf("empty crop x1,y1,x2,y2 = %g,%g,%g,%g (needs x1 < x2 and y1 < y2)",
			box[0], box[1], box[2], box[3]))
	}
	if len(problems) > 0 {
		return image.Rectangle{}, problems
	}
	return image.Rect(int(math.Floor(box[0])), int(math.Floor(box[1])), int(math.Ceil(box[2])), int(math.Ceil(box[3]))), nil
}

// streetStyleFile maps an image URL `…/ABCxxx.jpg` to its stored path `A/B/C/ABCxxx.jpg`.
func streetStyleFile(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("url %q: %v", rawURL, err)
	}
	name := path.Base(u.Path)
	c := []rune(name)
	if rawURL == "" || name == "." || name == "/" || len(c) < 3 {
		return "", fmt.Errorf("url %q names no image file of at least 3 characters", rawURL)
	}
	return string(c[0]) + "/" + string(c[1]) + "/" + string(c[2]) + "/" + name, nil
}
