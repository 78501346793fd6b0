package predict

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/folder"
	"github.com/relnet/relnet/datasets/seedcsv"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// ReadSupport reads a support set for m: a folder of class folders (path/<class>/<image>,
// any number of images per class) that defines the classes of one group, group or the
// model's only one; or a seed-notebook CSV (images relative to its folder) that defines the
// classes of every model group its labels name (group alone when given). Images are decoded
// to the model's input shape and normalised as in training.
func ReadSupport(path string, m *Model, group string, opts datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("support set: %w", err)
	}
	var set *datasets.Attributes
	var report *datasets.LoadReport
	if info.IsDir() {
		if group == "" {
			if len(m.Net.Groups) > 1 {
				return nil, nil, fmt.Errorf("support folder %s defines the classes of one group, and the model has %d (%s): name it with --group",
					path, len(m.Net.Groups), strings.Join(m.Net.Groups, ", "))
			}
			group = m.Net.Groups[0]
		}
		if _, err := m.Group(group); err != nil {
			return nil, nil, err
		}
		if err := emptyClasses(path); err != nil {
			return nil, nil, err
		}
		set, report, err = folder.Read(path, 1, datasets.GroupSpec{Name: group}, m.Shape, opts)
	} else {
		var specs []datasets.GroupSpec
		if specs, err = m.labelledGroups(path, group); err != nil {
			return nil, nil, err
		}
		set, report, err = seedcsv.Read(path, filepath.Dir(path), specs, m.Shape, opts)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("support set: %w", err)
	}
	for _, g := range set.Groups {
		if len(g.Values) == 1 {
			return nil, nil, fmt.Errorf("support set %s: group %s has one class (%s); scoring needs at least 2", path, g.Name, g.Values[0])
		}
	}
	m.Normalize(set.Pixels)
	return set, report, nil
}

// emptyClasses reports the class folders of a support folder that hold no image.
func emptyClasses(root string) error {
	entries, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("support set: %w", err)
	}
	var empty []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, e.Name()))
		if err != nil {
			return fmt.Errorf("support set: %w", err)
		}
		if !slices.ContainsFunc(files, func(f os.DirEntry) bool { return !f.IsDir() && datasets.IsImageFile(f.Name()) }) {
			empty = append(empty, filepath.Join(root, e.Name()))
		}
	}
	if len(empty) > 0 {
		return fmt.Errorf("support set: class folder %s holds no image (.jpg, .jpeg or .png); add images or remove it", strings.Join(empty, ", "))
	}
	return nil
}

// labelledGroups is the declaration of the model's groups (group alone when given) that
// label at least one image of the seed CSV at path.
func (m *Model) labelledGroups(path, group string) ([]datasets.GroupSpec, error) {
	specs, err := m.groupSpecs(group)
	if err != nil {
		return nil, err
	}
	list, _, err := seedcsv.List(path, filepath.Dir(path), specs, datasets.LoadOptions{SkipBadLines: true})
	if err != nil {
		return nil, fmt.Errorf("support set: %w", err)
	}
	var used []datasets.GroupSpec
	for g, spec := range specs {
		if slices.ContainsFunc(list, func(l seedcsv.Listed) bool { return l.Values[g] != "" }) {
			used = append(used, spec)
		}
	}
	if len(used) == 0 {
		return nil, fmt.Errorf("support set %s: no line labels a group of the model (%s)", path, strings.Join(m.Net.Groups, ", "))
	}
	return used, nil
}

// groupSpecs is the run's declaration of the model's groups (name and label prefix) without
// its value lists and class splits, which a support set replaces; only group when given.
func (m *Model) groupSpecs(group string) ([]datasets.GroupSpec, error) {
	byName := map[string]datasets.GroupSpec{}
	for _, g := range m.Config.Dataset.Groups {
		byName[g.Name] = datasets.GroupSpec{Name: g.Name, Prefix: g.Prefix}
	}
	var specs []datasets.GroupSpec
	for _, name := range m.Net.Groups {
		if group != "" && name != group {
			continue
		}
		spec, ok := byName[name]
		if !ok {
			spec = datasets.GroupSpec{Name: name}
		}
		specs = append(specs, spec)
	}
	if len(specs) == 0 {
		_, err := m.Group(group)
		return nil, err
	}
	return specs, nil
}

// Support is a support set embedded once: per group it defines, the head's representation
// of each class.
type Support struct {
	Groups []SupportGroup
	scope  tensors.Scope
}

// SupportGroup is one group's classes in a support set.
type SupportGroup struct {
	Group   int    // index of the model's group (and head)
	Name    string // the group's name
	Classes []string
	Shots   []int // images per class
	classes *ts.Tensor
}

// Embed runs the support images through the backbone once and pools each group's classes
// as its head does, bringing classes of any shot to the run's eval.shot.
func (m *Model) Embed(set *datasets.Attributes) (sup *Support, err error) {
	defer tensors.Recover(&err)
	prev := tensors.SetGrad(false)
	defer tensors.SetGrad(prev)
	sup = &Support{}
	var s tensors.Scope
	defer s.Drop()
	feats := m.Net.Embed(&s, set.Pixels, int64(set.Len()), layers.Eval)
	shot := int64(m.Config.Eval.Shot)
	for _, grp := range set.Groups {
		g, err := m.Group(grp.Name)
		if err != nil {
			return nil, err
		}
		sg := SupportGroup{Group: g, Name: grp.Name, Classes: grp.Values, Shots: make([]int, len(grp.Values))}
		var ids []int64 // class-major
		counts := make([]int64, len(grp.Values))
		for c := range grp.Values {
			start := len(ids)
			for i, label := range grp.Labels {
				if label == c {
					ids = append(ids, int64(i))
				}
			}
			counts[c] = int64(len(ids) - start)
			sg.Shots[c] = len(ids) - start
		}
		maps := s.T(feats.IndexSelect(0, s.Int64(ids, int64(len(ids))), false))
		sg.classes = sup.scope.T(m.Net.Heads[g].Classes(&s, maps, counts, shot).Contiguous(false))
		sup.Groups = append(sup.Groups, sg)
	}
	return sup, nil
}

// Free releases the support's tensors.
func (s *Support) Free() { s.scope.Drop() }
