// Package cub reads CUB-200-2011 as its archive extracts: 200 bird species and 312 binary
// attributes in 28 groups (has_bill_shape::dagger, has_wing_color::blue, …), read by their ids
// from the archive's text files into a multi-attribute set with the species as one group and
// each declared attribute group as another, each image optionally cropped to its bounding box.
// The rows it keeps are assembled and decoded by package datasets.
package cub

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/relnet/relnet/datasets"
)

// Species is the group (its prefix) whose values are the species, classes.txt's names.
const Species = "species"

// Dir is the folder the archive extracts to; Read takes it or the folder holding it.
const Dir = "CUB_200_2011"

// Options say how Read labels and crops.
type Options struct {
	// Crop crops each image to its bounding_boxes.txt box, grown by Margin times the box's
	// width and height on each side (clamped to the image); an image without a box is whole.
	Crop   bool
	Margin float64
	// Certainty is the least certainty (certainties.txt: 1 not visible, 2 guessing, 3
	// probably, 4 definitely) at which a present attribute value counts; < 1 means 1.
	Certainty int
}

// Read reads CUB-200-2011 from root, the CUB_200_2011 folder or the folder holding it:
// images.txt (`<image id> <file>`, files under images/), image_class_labels.txt (`<image id>
// <class id>`), classes.txt (`<class id> <name>`), bounding_boxes.txt (`<image id> <x> <y>
// <width> <height>`, read with o.Crop), and for attribute groups
// attributes/image_attribute_labels.txt (`<image id> <attribute id> <is_present> <certainty
// id> <time>`) and attributes.txt (`<attribute id> <group>::<value>`), in CUB_200_2011/ or
// beside it. A group whose prefix (default its name) is Species has the species as values;
// any other names an attribute group of attributes.txt, whose value for an image is the one
// value present with at least o.Certainty, or unlabelled when none or several are. Values
// and opts as in the other readers. Images are in images.txt's order; Files[i] is
// `images/<file>`.
//
// Bad lines, all found in one read and reported as by the other readers (a
// *datasets.BadLinesError by default, LoadReport.Skipped with opts.SkipBadLines; source the
// root, each line named `<file>:<line>`): a line with too few fields or a field that is not
// a number where one is due, an id repeated or unknown, an image without a class, an empty
// box, an image that is missing or does not decode. Skipping one of images.txt or
// image_class_labels.txt drops its image; skipping a box or attribute line loses just that.
// Plain errors, naming the file: a missing file, a group no attribute of attributes.txt has,
// bad group declarations or shape, no images left, a group with no labelled image.
func Read(root string, groups []datasets.GroupSpec, o Options, shape datasets.ImageShape, opts datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error) {
	if err := shape.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", root, err)
	}
	dir := Folder(root)
	specs, err := datasets.ResolveGroups(dir, groups, "")
	if err != nil {
		return nil, nil, err
	}
	s := &reading{dir: dir, o: o, specs: specs, report: &datasets.LoadReport{Source: dir}}
	for _, step := range []func() error{s.readClasses, s.readImages, s.readLabels, s.readBoxes, s.readAttributes} {
		if err := step(); err != nil {
			return nil, nil, err
		}
	}
	return datasets.Assemble(dir, s.rows(), s.bad, specs, shape, opts, s.report)
}

// Folder is the CUB_200_2011 folder of root: root/CUB_200_2011 when it holds images.txt, else
// root itself. Files of a set Read returns are relative to it.
func Folder(root string) string {
	if _, err := os.Stat(filepath.Join(root, Dir, "images.txt")); err == nil {
		return filepath.Join(root, Dir)
	}
	return root
}

// TextFiles are the files under the CUB_200_2011 folder that Read reads (bounding_boxes.txt
// with Options.Crop, LabelsFile for attribute groups), and attributes.txt beside it or in it.
var TextFiles = []string{"images.txt", "image_class_labels.txt", "classes.txt", "bounding_boxes.txt", LabelsFile, "attributes.txt", "../attributes.txt"}

// reading is what a Read has found so far.
type reading struct {
	dir    string
	o      Options
	specs  []datasets.GroupSpec
	report *datasets.LoadReport
	bad    []datasets.Skip

	classes map[int]string // class id -> name
	images  []cubImage     // in images.txt's order
	byID    map[int]int    // image id -> index in images
	attrs   map[int][2]int // attribute id of a declared group -> group, value index in values
	values  [][]string     // per declared attribute group, its value names (species: nil)
	present [][][]int      // per image, per group: the values present with enough certainty
}

// cubImage is one image of images.txt.
type cubImage struct {
	index   int // in reading.images
	file    string
	line    int // of images.txt
	species string
	box     image.Rectangle
}

// table reads the whitespace-separated file name under dir (or, when alsoBeside, beside
// dir), calling line for each non-blank line with its fields: its reason makes the line bad
// ("" keeps it). A missing file is an error naming it.
func (s *reading) table(name string, alsoBeside bool, minFields int, line func(n int, f []string) string) error {
	path := filepath.Join(s.dir, name)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && alsoBeside {
		f, err = os.Open(filepath.Join(filepath.Dir(s.dir), filepath.Base(name)))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: missing; want CUB-200-2011 as its archive extracts (%s/images.txt, image_class_labels.txt, …)", path, Dir)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(strings.TrimPrefix(sc.Text(), "\ufeff"))
		reason := ""
		switch {
		case len(fields) == 0:
			continue
		case len(fields) < minFields:
			reason = fmt.Sprintf("%d fields, want %d", len(fields), minFields)
		default:
			reason = line(n, fields)
		}
		if reason != "" {
			s.bad = append(s.bad, datasets.Skip{Image: fmt.Sprintf("%s:%d", name, n), Reason: reason})
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ids parses the leading integer fields of f, or says which is not one.
func ids(f []string, names ...string) ([]int, string) {
	out := make([]int, len(names))
	for i, name := range names {
		v, err := strconv.Atoi(f[i])
		if err != nil {
			return nil, fmt.Sprintf("%s %q is not an integer", name, f[i])
		}
		out[i] = v
	}
	return out, ""
}

// readClasses reads classes.txt.
func (s *reading) readClasses() error {
	s.classes = map[int]string{}
	return s.table("classes.txt", false, 2, func(_ int, f []string) string {
		id, bad := ids(f, "class id")
		switch {
		case bad != "":
			return bad
		case s.classes[id[0]] != "":
			return fmt.Sprintf("class id %d is listed twice", id[0])
		}
		s.classes[id[0]] = f[1]
		return ""
	})
}

// readImages reads images.txt.
func (s *reading) readImages() error {
	s.byID = map[int]int{}
	return s.table("images.txt", false, 2, func(n int, f []string) string {
		s.report.Lines++
		id, bad := ids(f, "image id")
		if bad != "" {
			return bad
		}
		if _, dup := s.byID[id[0]]; dup {
			return fmt.Sprintf("image id %d is listed twice", id[0])
		}
		if !datasets.IsImageFile(f[1]) {
			return fmt.Sprintf("%q is not an image file name (.jpg, .jpeg or .png)", f[1])
		}
		s.byID[id[0]] = len(s.images)
		s.images = append(s.images, cubImage{index: len(s.images), file: f[1], line: n})
		return ""
	})
}

// image finds the image of an id field, or says why it cannot.
func (s *reading) image(field string) (*cubImage, string) {
	id, bad := ids([]string{field}, "image id")
	if bad != "" {
		return nil, bad
	}
	i, ok := s.byID[id[0]]
	if !ok {
		return nil, fmt.Sprintf("image id %d is not in images.txt", id[0])
	}
	return &s.images[i], ""
}

// readLabels reads image_class_labels.txt.
func (s *reading) readLabels() error {
	return s.table("image_class_labels.txt", false, 2, func(_ int, f []string) string {
		img, bad := s.image(f[0])
		if bad != "" {
			return bad
		}
		class, bad := ids(f[1:], "class id")
		if bad != "" {
			return bad
		}
		name, ok := s.classes[class[0]]
		if !ok {
			return fmt.Sprintf("class id %d is not in classes.txt", class[0])
		}
		img.species = name
		return ""
	})
}

// readBoxes reads bounding_boxes.txt, with Options.Crop.
func (s *reading) readBoxes() error {
	if !s.o.Crop {
		return nil
	}
	return s.table("bounding_boxes.txt", false, 5, func(_ int, f []string) string {
		img, bad := s.image(f[0])
		if bad != "" {
			return bad
		}
		var b [4]float64
		for k, name := range []string{"x", "y", "width", "height"} {
			v, err := strconv.ParseFloat(f[k+1], 64)
			if err != nil || math.IsNaN(v) || math.Abs(v) > 1<<30 {
				return fmt.Sprintf("%s = %q is not a pixel coordinate", name, f[k+1])
			}
			b[k] = v
		}
		if b[2] <= 0 || b[3] <= 0 {
			return fmt.Sprintf("empty box: width %g, height %g", b[2], b[3])
		}
		mx, my := s.o.Margin*b[2], s.o.Margin*b[3]
		img.box = image.Rect(int(math.Floor(b[0]-mx)), int(math.Floor(b[1]-my)), int(math.Ceil(b[0]+b[2]+mx)), int(math.Ceil(b[1]+b[3]+my)))
		return ""
	})
}
