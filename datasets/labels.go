package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// IsImageFile reports whether name ends in .jpg, .jpeg or .png, in any case: the files the
// readers take as images.
func IsImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(strings.TrimSpace(name))) {
	case ".jpg", ".jpeg", ".png":
		return true
	}
	return false
}

// OpenLabels checks the groups declared for the labels file at path and fills in their default
// prefixes (Name+suffix), then opens the file as CSV (records of any length, fields as written).
// The caller closes the file. Errors name path.
func OpenLabels(path string, groups []GroupSpec, suffix string) ([]GroupSpec, *os.File, *csv.Reader, error) {
	specs, err := ResolveGroups(path, groups, suffix)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	return specs, f, NewCSVReader(f), nil
}

// NewCSVReader reads comma-separated records of any length, keeping fields as written (read
// them with ReadRecord).
func NewCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	return cr
}

// ReadRecord returns the next record and the line it starts on; a byte-order mark before the first
// field is dropped. Parse errors name source and line; the end of input is io.EOF.
func ReadRecord(r *csv.Reader, source string) ([]string, int, error) {
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

// ResolveGroups checks the declared groups of the file at source and fills in default prefixes
// (Name+suffix): names and prefixes must be non-empty and distinct, Values distinct and non-empty.
func ResolveGroups(source string, groups []GroupSpec, suffix string) ([]GroupSpec, error) {
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
