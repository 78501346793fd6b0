package datasets

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// ReadFolder reads an image folder, the layout of torchvision's ImageFolder: with depth 1,
// root/<class>/<image>; with depth 2, root/<a>/<b>/<image> with class "a/b" (Omniglot's
// root/<alphabet>/<character>/<image>). The set has one attribute group, g (its name; with
// Values, only those classes, the other images unlabelled). Images are .jpg, .jpeg and .png
// files (any case) at the class depth; every other file, hidden ones and those at another
// depth included, is counted in LoadReport.OtherFiles and ignored. Files are listed in
// lexical order, so the set is the same on every machine; Files[i] is the image's path
// relative to root, slash-separated. An image that does not decode is a bad line (see
// LoadOptions); a root that does not exist or holds no image is an error.
func ReadFolder(root string, depth int, g GroupSpec, shape ImageShape, opts LoadOptions) (*Attributes, *LoadReport, error) {
	if depth != 1 && depth != 2 {
		return nil, nil, fmt.Errorf("%s: folder depth %d: want 1 (root/class/image) or 2 (root/a/b/image)", root, depth)
	}
	if err := shape.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", root, err)
	}
	if g.Name == "" {
		g.Name = "class"
	}
	report := &LoadReport{Source: root}
	var rows []labelledRow
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
		if len(parts) != depth+1 || hidden || !hasImageExt(rel) {
			report.OtherFiles++
			return nil
		}
		report.Lines++
		class := strings.Join(parts[:depth], "/")
		rows = append(rows, labelledRow{job: decodeJob{image: filepath.ToSlash(rel), path: path}, values: []string{class}})
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("image folder: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: no images at depth %d (%s), %d other files", root, depth,
			map[int]string{1: "root/class/image", 2: "root/a/b/image"}[depth], report.OtherFiles)
	}
	return assemble(root, rows, nil, []GroupSpec{g}, shape, opts, report)
}
