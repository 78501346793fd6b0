// Package folder reads and writes image folders, torchvision's ImageFolder layout of one
// folder per class (root/<class>/<image>, or Omniglot's root/<alphabet>/<character>/<image>):
// Read takes a folder's images into a set of one attribute group, its classes; Write writes a
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
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
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
		rows = append(rows, datasets.Row{Image: filepath.ToSlash(rel), Path: path, Values: []string{class}})
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("image folder: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: no images at depth %d (%s), %d other files", root, depth,
			map[int]string{1: "root/class/image", 2: "root/a/b/image"}[depth], report.OtherFiles)
	}
	return datasets.Assemble(root, rows, nil, []datasets.GroupSpec{g}, shape, opts, report)
}

// Write writes images ids of im, in the layout Read reads with depth 1:
// root/<class>/<id>.png, 8-bit grey or RGB (values in [0,1], rounded to the nearest level), a
// "/" in a class name becoming "-". It returns the number of files written.
func Write(im *datasets.Images, root string, ids []int) (int, error) {
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
