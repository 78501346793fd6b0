package rundata

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets/replica"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/spec"
)

// benchmarkRun parses the experiment text as the file exp.toml in dir, with its results
// under dir, and loads and splits its data.
func benchmarkRun(t *testing.T, dir, text string) (spec.Config, *Run, error) {
	t.Helper()
	cfg, err := spec.Parse(filepath.Join(dir, "exp.toml"), []byte(text+"[train]\nway = 2\nquery = 1\n[eval]\nway = 2\nquery = 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Experiment.Results = filepath.Join(dir, "results")
	d, err := NewLoader(nil).Load(cfg)
	if err != nil {
		return cfg, nil, err
	}
	run, err := New(cfg, d)
	return cfg, run, err
}

// TestMiniImageNetSplitsByItsFiles: the replica's train.csv, val.csv and test.csv are the
// training, validation and test classes, and data inspect shows each class's role.
func TestMiniImageNetSplitsByItsFiles(t *testing.T) {
	dir := t.TempDir()
	if err := replica.MiniImageNet(filepath.Join(dir, "mini"), 4); err != nil {
		t.Fatal(err)
	}
	cfg, run, err := benchmarkRun(t, dir, "[dataset]\nsource = \"miniimagenet\"\npath = \"mini\"\nheight = 6\nwidth = 6\n")
	if err != nil {
		t.Fatal(err)
	}
	for r, p := range []*sampling.Pool{run.Train[0].Pool(), run.Val[0].Pool(), run.Test[0].Pool()} {
		if got, want := poolClasses(p), slices.Sorted(slices.Values(replica.MiniImageNetClasses[r])); !slices.Equal(got, want) {
			t.Errorf("role %d: classes %v, want %v", r, got, want)
		}
	}
	checkDisjoint(t, run.Train[0].Pool(), run.Val[0].Pool(), run.Test[0].Pool())
	var b strings.Builder
	if err := Inspect(cfg, "", "", &b, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"class split: train 3 classes, 12 images; val 2 classes, 8 images; test 3 classes, 12 images",
		"n01532829     4       train", "n02091244     4       val", "n02099601     4       test"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("data inspect does not say %q:\n%s", want, b.String())
		}
	}
}

// TestOmniglotTrainsOnBackgroundTestsOnEvaluation: the replica's background alphabets train
// (at four rotations each with rotation_classes), its evaluation alphabets test.
func TestOmniglotTrainsOnBackgroundTestsOnEvaluation(t *testing.T) {
	dir := t.TempDir()
	if err := replica.Omniglot(filepath.Join(dir, "omniglot"), 2, 8); err != nil {
		t.Fatal(err)
	}
	_, run, err := benchmarkRun(t, dir, "[dataset]\nsource = \"omniglot\"\npath = \"omniglot\"\nchannels = 1\nheight = 4\nwidth = 4\nval_fraction = 0.25\nrotation_classes = true\n")
	if err != nil {
		t.Fatal(err)
	}
	test := poolClasses(run.Test[0].Pool())
	if want := []string{"Atlantean/character01", "Atlantean/character02", "Ojibwe_(Canadian_Aboriginal_Syllabics)/character01",
		"Ojibwe_(Canadian_Aboriginal_Syllabics)/character02"}; !slices.Equal(test, want) {
		t.Errorf("test classes %v, want %v", test, want)
	}
	train := poolClasses(run.Train[0].Pool())
	if len(train) != 16 || !strings.HasPrefix(train[0], "Greek/character01") {
		t.Errorf("training classes %v, want the 4 background characters at 4 rotations", train)
	}
	if val := poolClasses(run.Val[0].Pool()); len(val) != 4 || val[0] != "Greek/character01" {
		t.Errorf("validation classes %v, want held-out images of the 4 background characters", val)
	}
}

// TestClassListsFromFiles: list files relative to the config file (a comment, a glob, CRLF)
// give the split, and a line naming no class is an error naming the file and line.
func TestClassListsFromFiles(t *testing.T) {
	dir := t.TempDir()
	if err := replica.Omniglot(filepath.Join(dir, "omniglot"), 2, 4); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Join(dir, "splits"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "splits", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("val.txt", "# validation\r\nLatin/*\r\n")
	write("test.txt", "Greek/character01\nGreek/character02\n\n")
	exp := "[dataset]\nsource = \"omniglot\"\npath = \"omniglot\"\nchannels = 1\nheight = 4\nwidth = 4\n" +
		"val_classes_file = \"splits/val.txt\"\ntest_classes_file = \"splits/test.txt\"\n"
	_, run, err := benchmarkRun(t, dir, exp)
	if err != nil {
		t.Fatal(err)
	}
	if got := poolClasses(run.Test[0].Pool()); !slices.Equal(got, []string{"Greek/character01", "Greek/character02"}) {
		t.Errorf("test classes %v", got)
	}
	if got := poolClasses(run.Val[0].Pool()); len(got) != 2 || got[0] != "Latin/character01" {
		t.Errorf("validation classes %v", got)
	}
	if got := poolClasses(run.Train[0].Pool()); len(got) != 4 || got[0] != "Atlantean/character01" {
		t.Errorf("training classes %v", got)
	}
	write("test.txt", "Greek/character01\nGreek/character09\n")
	_, _, err = benchmarkRun(t, dir, exp)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "splits", "test.txt")+`:2: "Greek/character09" matches no class`) {
		t.Errorf("a class not in the data: %v", err)
	}
}

// TestCUBCloserLookSplitsSpeciesAndAttributesFollow: class_split = "closer-look" puts the
// replica's sorted species 0, 2, 4, 6 in training, 1, 5 in validation and 3, 7 in test; the
// attribute heads follow: their training images are the training species' only, their test
// images the test species', every value in each; data inspect shows the species' roles.
func TestCUBCloserLookSplitsSpeciesAndAttributesFollow(t *testing.T) {
	dir := t.TempDir()
	if err := replica.CUB(filepath.Join(dir, "cub"), 6); err != nil {
		t.Fatal(err)
	}
	cfg, run, err := benchmarkRun(t, dir, `[dataset]
source = "cub"
path = "cub"
split = "class"
class_split = "closer-look"
crop = "bbox"
crop_margin = 0.1
attribute_certainty = 2
height = 6
width = 6
[[dataset.groups]]
name = "species"
[[dataset.groups]]
name = "has_bill_shape"
[[dataset.groups]]
name = "has_wing_color"
`)
	if err != nil {
		t.Fatal(err)
	}
	s := replica.CUBSpecies
	for r, want := range [3][]string{{s[0], s[2], s[4], s[6]}, {s[1], s[5]}, {s[3], s[7]}} {
		p := []*sampling.Pool{run.Train[0].Pool(), run.Val[0].Pool(), run.Test[0].Pool()}[r]
		if got := poolClasses(p); !slices.Equal(got, want) {
			t.Errorf("species role %d: %v, want %v", r, got, want)
		}
		for g := 1; g < 3; g++ {
			ap := []*sampling.Pool{run.Train[g].Pool(), run.Val[g].Pool(), run.Test[g].Pool()}[r]
			for _, i := range poolImages(ap) {
				if sp := p.Images.ClassName(p.Images.Labels[i]); !slices.Contains(want, sp) {
					t.Errorf("group %s, role %d: image %d of species %s", run.Groups[g], r, i, sp)
				}
			}
			if len(ap.Classes) != 3 {
				t.Errorf("group %s, role %d: values %v, want all 3", run.Groups[g], r, poolClasses(ap))
			}
		}
	}
	if run.KeptOut != 0 {
		t.Errorf("%d images kept out; the attribute heads follow the species", run.KeptOut)
	}
	var b strings.Builder
	if err := Inspect(cfg, "", "", &b, nil); err != nil {
		t.Fatal(err)
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	for _, want := range []string{"class split: train 4 classes, 24 images; val 2 classes, 12 images; test 2 classes, 12 images",
		"002.Laysan_Albatross 6 val", "004.Groove_billed_Ani 6 test", "group has_bill_shape: 3 values, 40 images labelled, 8 unlabelled"} {
		if !strings.Contains(out, want) {
			t.Errorf("data inspect does not say %q:\n%s", want, b.String())
		}
	}
}
