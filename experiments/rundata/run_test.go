package rundata

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/spec"
)

// poolImages lists the image indices of a pool.
func poolImages(p *sampling.Pool) []int {
	var out []int
	for _, ids := range p.ByClass {
		out = append(out, ids...)
	}
	slices.Sort(out)
	return out
}

// poolClasses lists the class names of a pool.
func poolClasses(p *sampling.Pool) []string {
	var out []string
	for _, c := range p.Classes {
		out = append(out, p.Images.ClassNames[c])
	}
	return out
}

// TestClassSplitByGlobOnADepth2Folder splits an Omniglot-like folder by alphabet: the test
// and validation alphabets' characters never reach training, and no image is in two splits.
func TestClassSplitByGlobOnADepth2Folder(t *testing.T) {
	cfg, err := spec.Parse("f.toml", []byte(`
[dataset]
source = "folder"
path = "glyphs"
depth = 2
channels = 1
height = 28
width = 28
split = "class"
test_classes = ["alphabet0[3-4]/*"]
val_classes = ["alphabet02/*"]
[train]
way = 3
query = 2
[eval]
way = 3
query = 2
`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := attributeData(cfg, glyphSet())
	if err != nil {
		t.Fatal(err)
	}
	train, val, test := d.Train[0].Pool(), d.Val[0].Pool(), d.Test[0].Pool()
	if got := poolClasses(test); len(got) != 8 || got[0] != "alphabet03/character00" || got[7] != "alphabet04/character03" {
		t.Errorf("test classes %v", got)
	}
	if got := poolClasses(val); len(got) != 4 || got[0] != "alphabet02/character00" {
		t.Errorf("validation classes %v", got)
	}
	if got := poolClasses(train); len(got) != 8 || got[7] != "alphabet01/character03" {
		t.Errorf("training classes %v", got)
	}
	checkDisjoint(t, train, val, test)
}

// glyphSet is an Omniglot-like set of 5 alphabets × 4 characters × 4 images of 2×2 pixels.
func glyphSet() *datasets.Attributes {
	set := &datasets.Attributes{Name: "glyphs", Channels: 1, Height: 2, Width: 2}
	grp := datasets.Group{Name: "class"}
	for a := range 5 {
		for c := range 4 {
			grp.Values = append(grp.Values, fmt.Sprintf("alphabet%02d/character%02d", a, c))
			for range 4 {
				grp.Labels = append(grp.Labels, len(grp.Values)-1)
				set.Files = append(set.Files, "x.png")
			}
		}
	}
	set.Groups = []datasets.Group{grp}
	set.Pixels = make([]float32, set.Len()*4)
	for i := range set.Pixels {
		set.Pixels[i] = float32(i%7) / 7
	}
	return set
}

// checkDisjoint fails if an image is in two of the pools.
func checkDisjoint(t *testing.T, train, val, test *sampling.Pool) {
	t.Helper()
	seen := map[int]string{}
	for name, p := range map[string]*sampling.Pool{"train": train, "val": val, "test": test} {
		for _, i := range poolImages(p) {
			if prev, ok := seen[i]; ok {
				t.Errorf("image %d is in %s and %s", i, prev, name)
			}
			seen[i] = name
		}
	}
}

// TestClassSplitByFractionsIsDrawnAndRecorded: class_split draws 12/4/4 of 20 classes; the
// run's configuration with the draw recorded (config.toml) splits the same way, and lists
// that are not the draw are refused.
func TestClassSplitByFractionsIsDrawnAndRecorded(t *testing.T) {
	cfg, err := spec.Parse("f.toml", []byte(`
[dataset]
source = "folder"
path = "glyphs"
channels = 1
split = "class"
class_split = [0.6, 0.2, 0.2]
[train]
way = 3
query = 2
[eval]
way = 3
query = 2
`))
	if err != nil {
		t.Fatal(err)
	}
	set := glyphSet()
	d, err := attributeData(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Drawn) != 1 || len(d.Drawn[0][0]) != 12 || len(d.Drawn[0][1]) != 4 || len(d.Drawn[0][2]) != 4 {
		t.Fatalf("drawn %v, want 12/4/4 classes", d.Drawn)
	}
	train, val, test := d.Train[0].Pool(), d.Val[0].Pool(), d.Test[0].Pool()
	for k, p := range []*sampling.Pool{train, val, test} {
		if got := poolClasses(p); !slices.Equal(got, d.Drawn[0][k]) {
			t.Errorf("split %d has classes %v, the draw %v", k, got, d.Drawn[0][k])
		}
	}
	checkDisjoint(t, train, val, test)

	recorded, err := attributeData(cfg.WithClassLists(d.Drawn), set)
	if err != nil {
		t.Fatal(err)
	}
	if got := poolClasses(recorded.Test[0].Pool()); !slices.Equal(got, d.Drawn[0][2]) {
		t.Errorf("with the draw recorded, test classes %v, want %v", got, d.Drawn[0][2])
	}
	edited := slices.Clone(d.Drawn)
	edited[0][0], edited[0][2] = edited[0][2], edited[0][0]
	if _, err := attributeData(cfg.WithClassLists(edited), set); err == nil || !strings.Contains(err.Error(), "not its draw") {
		t.Errorf("lists that are not the draw: %v", err)
	}
}

// TestClassSplitOfSeveralGroupsKeepsHeldOutImagesOutOfTraining splits two groups by their own
// lists: an image whose colour is held out for test never trains the category head, even if
// its category is a training class, and the run counts it.
func TestClassSplitOfSeveralGroupsKeepsHeldOutImagesOutOfTraining(t *testing.T) {
	cfg, err := spec.Parse("g.toml", []byte(`
[dataset]
source = "csv"
path = "x.csv"
split = "class"
[[dataset.groups]]
name = "category"
test_classes = ["dress", "skirt"]
[[dataset.groups]]
name = "color"
test_classes = ["red", "black"]
[train]
way = 2
query = 1
[eval]
way = 2
query = 1
`))
	if err != nil {
		t.Fatal(err)
	}
	set := twoGroupSet()
	categories, colors := set.Groups[0].Values, set.Groups[1].Values
	cat, col := set.Groups[0], set.Groups[1]
	d, err := attributeData(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	var trained []int
	for g := range d.Groups {
		trained = append(trained, poolImages(d.Train[g].Pool())...)
		trained = append(trained, poolImages(d.Val[g].Pool())...)
	}
	for g := range d.Groups {
		for _, i := range poolImages(d.Test[g].Pool()) {
			if slices.Contains(trained, i) {
				t.Errorf("image %d (%s, %s) is in training and in %s's test split", i, categories[cat.Labels[i]], colors[col.Labels[i]], d.Groups[g])
			}
		}
	}
	for _, i := range trained {
		if categories[cat.Labels[i]] == "dress" || categories[cat.Labels[i]] == "skirt" || col.Labels[i] >= 2 {
			t.Fatalf("image %d (%s, %s) reached training", i, categories[cat.Labels[i]], colors[col.Labels[i]])
		}
	}
	// Red or black shirts and coats (40 images) and blue or green dresses and skirts (40) are
	// lost to training.
	if d.KeptOut != 80 {
		t.Errorf("kept out of training: %d images, want 80", d.KeptOut)
	}
}

// twoGroupSet is 160 one-pixel images of every (category, colour) pair of 4 × 4 values, 10
// each.
func twoGroupSet() *datasets.Attributes {
	set := &datasets.Attributes{Name: "x.csv", Channels: 1, Height: 1, Width: 1}
	cat := datasets.Group{Name: "category", Values: []string{"dress", "shirt", "coat", "skirt"}}
	col := datasets.Group{Name: "color", Values: []string{"blue", "green", "red", "black"}}
	for i := range 160 {
		cat.Labels = append(cat.Labels, i%4)
		col.Labels = append(col.Labels, (i/4)%4)
		set.Files = append(set.Files, fmt.Sprint(i))
	}
	set.Groups, set.Pixels = []datasets.Group{cat, col}, make([]float32, 160)
	for i := range set.Pixels {
		set.Pixels[i] = float32(i%7) / 7
	}
	return set
}

// TestLabelFractionThinsTrainingLabelsOnly keeps 25% of the colour labels of each training
// class: the colour head trains on those alone, the co-occurrence counts see only them, the
// category head and the validation and test splits keep every label, and a fraction for a
// group the data lacks is an error naming it.
func TestLabelFractionThinsTrainingLabelsOnly(t *testing.T) {
	parse := func(fraction string) spec.Config {
		cfg, err := spec.Parse("l.toml", []byte(`
[dataset]
source = "csv"
path = "x.csv"
label_fraction = { `+fraction+` }
test_fraction = 0.25
[[dataset.groups]]
name = "category"
[[dataset.groups]]
name = "color"
[heads]
interaction = 0.1
[train]
way = 2
query = 1
[eval]
way = 2
query = 1
`))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	whole, err := attributeData(parse(`category = 1.0`), twoGroupSet())
	if err != nil {
		t.Fatal(err)
	}
	thin, err := attributeData(parse(`color = 0.25`), twoGroupSet())
	if err != nil {
		t.Fatal(err)
	}
	all, kept := whole.Train[1].Pool(), thin.Train[1].Pool()
	for _, c := range all.Classes {
		n := len(all.ByClass[c])
		if want := (n + 3) / 4; len(kept.ByClass[c]) != want {
			t.Errorf("colour %d: %d of %d training labels kept, want %d", c, len(kept.ByClass[c]), n, want)
		}
		for _, i := range kept.ByClass[c] {
			if !slices.Contains(all.ByClass[c], i) {
				t.Errorf("colour %d: kept image %d is not a training image", c, i)
			}
		}
	}
	if thin.LabelsKept["color"] != kept.Len() || thin.LabelsOf["color"] != all.Len() {
		t.Errorf("counted %d of %d colour labels, want %d of %d", thin.LabelsKept["color"], thin.LabelsOf["color"], kept.Len(), all.Len())
	}
	same := func(what string, a, b *sampling.Pool) {
		if !slices.Equal(poolImages(a), poolImages(b)) {
			t.Errorf("%s changed with label_fraction", what)
		}
	}
	same("category training", whole.Train[0].Pool(), thin.Train[0].Pool())
	same("colour validation", whole.Val[1].Pool(), thin.Val[1].Pool())
	same("colour test", whole.Test[1].Pool(), thin.Test[1].Pool())
	labelled := 0
	for i, v := range thin.TrainLabels[1] {
		if v != datasets.Unlabelled {
			labelled++
			if !slices.Contains(kept.ByClass[v], i) {
				t.Errorf("co-occurrence counts image %d's colour, whose label is not kept", i)
			}
		}
	}
	if labelled != kept.Len() {
		t.Errorf("co-occurrence sees %d colour labels, want %d", labelled, kept.Len())
	}
	if _, err := New(parse(`colour = 0.5`), &Decoded{Attrs: twoGroupSet()}); err == nil || !strings.Contains(err.Error(), `"colour"`) || !strings.Contains(err.Error(), "category, color") {
		t.Errorf("unknown group: %v", err)
	}
}
