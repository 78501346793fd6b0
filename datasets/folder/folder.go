// Package folder reads and writes image folders, torchvision's ImageFolder layout of one
// folder per class (root/<class>/<image>, or Omniglot's root/<alphabet>/<character>/<image>):
// Read takes a folder's images into a set of one attribute group, its classes (ReadParts
// several folders, Omniglot's images_background/ and images_evaluation/); Write writes a
// labelled set's images as PNGs in that layout.
package folder

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/relnet/relnet/datasets"
)

// Read reads an image folder, the layout of torchvision's ImageFolder: with depth 1,
// root/<class>/<image>; with depth 2, root/<a>/<b>/<image> with class "a/b" (Omniglot's
// root/<alphabet>/<character>/<image>). The set has one attribute group, g (its name; with
// Values, only those classes, the other images unlabelled). Images are .jpg, .jpeg and .png
// files (any case) at the class depth; every other file, hidden ones and those at another
// depth included, is counted in LoadReport.OtherFiles and ignored. Files are listed in
// lexical order, so the set is the same on every machine; Files[i] is the image's path
// relative to root, slash-separated. An image that does not decode is a bad line (see
// datasets.LoadOptions); a root that does not exist or holds no image is an error.
func Read(root string, depth int, g datasets.GroupSpec, shape datasets.ImageShape, opts datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error) {
	return ReadParts(root, []string{""}, depth, g, shape, opts)
}

// ReadParts reads the image folders root/<part> of parts as one set, each as Read reads a
// folder, in the order of parts: Omniglot's images_background/ and images_evaluation/, whose
// classes ("alphabet/character") keep the name they have within their part, while Files[i]
// begins with the part (`images_background/Greek/character01/0394_01.png`). A part "" is root
// itself. A part that does not exist or holds no image is an error naming it.
func ReadParts(root string, parts []string, depth int, g datasets.GroupSpec, shape datasets.ImageShape, opts datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error) {
	if depth != 1 && depth != 2 {
		return nil, nil, fmt.Errorf("%s: folder depth %d: want 1 (root/class/image) or 2 (root/a/b/image)", root, depth)
	}
	if err := shape.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", root, err)
	}
	if g.Name == "" {
		g.Name = "class"
	}
	report := &datasets.LoadReport{Source: root}
	var rows []datasets.Row
	for _, part := range parts {
		dir := filepath.Join(root, part)
		other := report.OtherFiles
		found, err := walk(dir, part, depth, report)
		if err != nil {
			return nil, nil, fmt.Errorf("image folder: %w", err)
		}
		if len(found) == 0 {
			return nil, nil, fmt.Errorf("%s: no images at depth %d (%s), %d other files", dir, depth,
				map[int]string{1: "root/class/image", 2: "root/a/b/image"}[depth], report.OtherFiles-other)
		}
		rows = append(rows, found...)
	}
	return datasets.Assemble(root, rows, nil, []datasets.GroupSpec{g}, shape, opts, report)
}

// walk lists the images of the folder dir at the class depth, in lexical order, as rows whose
// Image is part/<path under dir> (just the path when part is ""), counting every other file
// in report.OtherFiles and every image in report.Lines.
func walk(dir, part string, depth int, report *datasets.LoadReport) ([]datasets.Row, error) {
	var rows []datasets.Row
	err := filepath.WalkDir(dir, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, file)
		if err != nil {
			return err
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		hidden := slices.ContainsFunc(parts, func(p string) bool { return strings.HasPrefix(p, ".") })
		if len(parts) != depth+1 || hidden || !datasets.IsImageFile(rel) {
			report.OtherFiles++
			return nil
		}
		report.Lines++
		class := strings.Join(parts[:depth], "/")
		rows = append(rows, datasets.Row{Image: path.Join(part, filepath.ToSlash(rel)), Path: file, Values: []string{class}})
		return nil
	})
	return rows, err
}

// Write writes images ids of im (nil: every image), in the layout Read reads with depth 1:
// root/<class>/<id>.png, 8-bit grey or RGB (values in [0,1], rounded to the nearest level), a
// "/" in a class name becoming "-". It returns the number of files written.
func Write(im *datasets.Images, root string, ids []int) (int, error) {
	if ids == nil {
		ids = make([]int, im.Len())
		for i := range ids {
			ids[i] = i
		}
	}
	hw := im.Height * im.Width
	for _, id := range ids {
		class := strings.ReplaceAll(im.ClassName(im.Labels[id]), "/", "-")
		px := im.Image(id)
		level := func(v float32) uint8 { return uint8(math.Round(float64(min(max(v, 0), 1)) * 255)) }
		var img image.Image
		if im.Channels == 1 {
			g := image.NewGray(image.Rect(0, 0, im.Width, im.Height))
			for p := range hw {
				g.Pix[p] = level(px[p])
			}
			img = g
		} else {
			c := image.NewRGBA(image.Rect(0, 0, im.Width, im.Height))
			for p := range hw {
				c.Pix[4*p], c.Pix[4*p+1], c.Pix[4*p+2], c.Pix[4*p+3] = level(px[p]), level(px[hw+p]), level(px[2*hw+p]), 255
			}
			img = c
		}
		path := filepath.Join(root, class, fmt.Sprintf("%05d.png", id))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return 0, err
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
