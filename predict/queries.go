package predict

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/seedcsv"
)

// Query is one image to classify.
type Query struct {
	Image string // as given, or relative to the folder given
	Path  string // to open
	// Labels holds, per group of the support (in its order), the image's true class, or ""
	// when the query does not carry one.
	Labels []string
}

// ListQueries turns the query arguments into the images to classify, in order: an image
// file; a folder, every image below it (recursively, lexical order, hidden files skipped),
// labelled by the name of its parent folder when that lies below the folder given and the
// support defines one group; or a seed-notebook CSV (images relative to its folder),
// labelled per group by its labels. Nothing is decoded here.
func ListQueries(args []string, m *Model, sup *Support, opts datasets.LoadOptions) ([]Query, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("no query images: give image files, folders or a CSV with --query")
	}
	var out []Query
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("query: %w", err)
		}
		switch {
		case info.IsDir():
			qs, err := folderQueries(arg, len(sup.Groups))
			if err != nil {
				return nil, err
			}
			out = append(out, qs...)
		case strings.EqualFold(filepath.Ext(arg), ".csv"):
			qs, err := csvQueries(arg, m, sup, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, qs...)
		case datasets.IsImageFile(arg):
			out = append(out, Query{Image: arg, Path: arg, Labels: make([]string, len(sup.Groups))})
		default:
			return nil, fmt.Errorf("query %s: not an image (.jpg, .jpeg, .png), a folder or a .csv", arg)
		}
	}
	return out, nil
}

// folderQueries lists the images below root.
func folderQueries(root string, groups int) ([]Query, error) {
	var out []Query
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !datasets.IsImageFile(path) {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		q := Query{Image: filepath.Join(root, rel), Path: path, Labels: make([]string, groups)}
		if parent := filepath.Dir(rel); parent != "." && groups == 1 {
			q.Labels[0] = filepath.Base(parent)
		}
		out = append(out, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query folder: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("query folder %s holds no image (.jpg, .jpeg, .png)", root)
	}
	return out, nil
}

// csvQueries lists the images of a seed-notebook CSV with their labels in the support's
// groups.
func csvQueries(path string, m *Model, sup *Support, opts datasets.LoadOptions) ([]Query, error) {
	specs, err := m.groupSpecs("")
	if err != nil {
		return nil, err
	}
	list, _, err := seedcsv.List(path, filepath.Dir(path), specs, opts)
	if err != nil {
		return nil, fmt.Errorf("queries: %w", err)
	}
	out := make([]Query, len(list))
	for i, l := range list {
		q := Query{Image: l.Image, Path: l.Path, Labels: make([]string, len(sup.Groups))}
		for j, sg := range sup.Groups {
			if k := slices.IndexFunc(specs, func(s datasets.GroupSpec) bool { return s.Name == sg.Name }); k >= 0 {
				q.Labels[j] = l.Values[k]
			}
		}
		out[i] = q
	}
	return out, nil
}
