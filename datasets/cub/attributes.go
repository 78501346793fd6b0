package cub

import (
	"fmt"
	"slices"
	"strings"

	"github.com/relnet/relnet/datasets"
)

// LabelsFile is the per-image attribute file under the CUB_200_2011 folder.
const LabelsFile = "attributes/image_attribute_labels.txt"

// readAttributes reads attributes.txt and image_attribute_labels.txt when an attribute group is
// declared: the values of each declared group, and each image's values present with enough
// certainty.
func (s *reading) readAttributes() error {
	s.values = make([][]string, len(s.specs))
	s.present = make([][][]int, len(s.images))
	if !slices.ContainsFunc(s.specs, func(g datasets.GroupSpec) bool { return g.Prefix != Species }) {
		return nil
	}
	if err := s.readAttributeNames(); err != nil {
		return err
	}
	certainty := max(s.o.Certainty, 1)
	return s.table(LabelsFile, false, 4, func(_ int, f []string) string {
		attr, bad := ids(f[1:], "attribute id")
		if bad != "" {
			return bad
		}
		gv, ok := s.attrs[attr[0]]
		if !ok {
			return "" // of a group not declared
		}
		img, bad := s.image(f[0])
		if bad != "" {
			return bad
		}
		n, bad := ids(f[2:], "is_present", "certainty id")
		switch {
		case bad != "":
			return bad
		case n[0] != 0 && n[0] != 1:
			return fmt.Sprintf("is_present %d, want 0 or 1", n[0])
		case n[1] < 1 || n[1] > 4:
			return fmt.Sprintf("certainty id %d, want 1 (not visible) to 4 (definitely)", n[1])
		}
		if n[0] == 1 && n[1] >= certainty {
			i := img.index
			if s.present[i] == nil {
				s.present[i] = make([][]int, len(s.specs))
			}
			s.present[i][gv[0]] = append(s.present[i][gv[0]], gv[1])
		}
		return ""
	})
}

// readAttributeNames reads attributes.txt (`<id> <group>::<value>`), in the CUB_200_2011
// folder or beside it, keeping the attributes of the declared groups. A declared group that no
// attribute has is an error listing the groups there are.
func (s *reading) readAttributeNames() error {
	s.attrs = map[int][2]int{}
	var all []string
	err := s.table("attributes.txt", true, 2, func(_ int, f []string) string {
		id, bad := ids(f, "attribute id")
		if bad != "" {
			return bad
		}
		group, value, ok := strings.Cut(f[1], "::")
		if !ok || group == "" || value == "" {
			return fmt.Sprintf("%q is not `<group>::<value>`", f[1])
		}
		if _, dup := s.attrs[id[0]]; dup {
			return fmt.Sprintf("attribute id %d is listed twice", id[0])
		}
		if !slices.Contains(all, group) {
			all = append(all, group)
		}
		if g := slices.IndexFunc(s.specs, func(sp datasets.GroupSpec) bool { return sp.Prefix == group }); g >= 0 {
			s.attrs[id[0]] = [2]int{g, len(s.values[g])}
			s.values[g] = append(s.values[g], value)
		}
		return ""
	})
	if err != nil {
		return err
	}
	for g, sp := range s.specs {
		if sp.Prefix != Species && len(s.values[g]) == 0 {
			return fmt.Errorf("%s: no attribute group %q in attributes.txt (groups: %s, and %q for the species)",
				s.dir, sp.Prefix, strings.Join(all, ", "), Species)
		}
	}
	return nil
}

// rows are the images to load, each with its species and its attribute values; an image
// without a species is a bad line of images.txt.
func (s *reading) rows() []datasets.Row {
	var rows []datasets.Row
	for i, img := range s.images {
		if img.species == "" {
			s.bad = append(s.bad, datasets.Skip{Image: fmt.Sprintf("images.txt:%d", img.line),
				Reason: fmt.Sprintf("image %s has no class in image_class_labels.txt", img.file)})
			continue
		}
		row := datasets.NewRow(s.dir, 0, "images/"+img.file, img.box, len(s.specs))
		for g, sp := range s.specs {
			switch {
			case sp.Prefix == Species:
				row.Values[g] = img.species
			case s.present[i] != nil && len(s.present[i][g]) == 1:
				row.Values[g] = s.values[g][s.present[i][g][0]]
			}
		}
		rows = append(rows, row)
	}
	return rows
}
