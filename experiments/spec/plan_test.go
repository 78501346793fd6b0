package spec

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
)

const ablationFile = `[experiment]
name = "abl"
seeds = [1, 2]

[train]
episodes = 10
shot = 1

[grid]
train.shot = [1, 5]

[[variant]]
name = "single"
baseline = true
heads.shared = true

[[variant]]
name = "multi"
[variant.heads]
interaction = 0.0
hidden = 4
`

func TestPlanExpandsVariantsGridAndSeeds(t *testing.T) {
	runs, err := ParsePlan("abl.toml", []byte(ablationFile))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Experiment.Run)
	}
	want := []string{
		"single-shot1-seed1", "single-shot1-seed2", "single-shot5-seed1", "single-shot5-seed2",
		"multi-shot1-seed1", "multi-shot1-seed2", "multi-shot5-seed1", "multi-shot5-seed2",
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("runs %v, want %v", names, want)
	}
	for _, r := range runs {
		single := strings.HasPrefix(r.Experiment.Run, "single")
		shot5 := strings.Contains(r.Experiment.Run, "shot5")
		seed2 := strings.HasSuffix(r.Experiment.Run, "seed2")
		switch {
		case r.Heads.Shared != single || r.Experiment.Baseline != single:
			t.Errorf("%s: shared %v baseline %v", r.Experiment.Run, r.Heads.Shared, r.Experiment.Baseline)
		case !single && r.Heads.Hidden != 4, single && r.Heads.Hidden == 4:
			t.Errorf("%s: hidden %d", r.Experiment.Run, r.Heads.Hidden)
		case (r.Train.Shot == 5) != shot5 || (r.Eval.Shot == 5) != shot5:
			t.Errorf("%s: shots %d/%d", r.Experiment.Run, r.Train.Shot, r.Eval.Shot)
		case (r.Train.Seed == 2) != seed2 || r.Train.Episodes != 10 || r.Experiment.Name != "abl":
			t.Errorf("%s: seed %d episodes %d", r.Experiment.Run, r.Train.Seed, r.Train.Episodes)
		}
	}
	if runs[2].Experiment.Label() != "single shot=5" {
		t.Errorf("label %q", runs[2].Experiment.Label())
	}
	// Every run's resolved config parses back to itself: it is a one-run experiment file.
	for _, r := range runs {
		text, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse("config.toml", text)
		if err != nil {
			t.Fatalf("%s: %v\n%s", r.Experiment.Run, err, text)
		}
		text2, _ := again.Encode()
		if string(text) != string(text2) {
			t.Errorf("%s: resolved config does not round-trip:\n%s\n---\n%s", r.Experiment.Run, text, text2)
		}
	}
}

func TestPlanWithoutVariantsIsOneRun(t *testing.T) {
	runs, err := ParsePlan("q.toml", []byte("[train]\nseed = 7\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Experiment.Run != "base-seed7" || runs[0].Experiment.Name != "q" {
		t.Fatalf("runs %+v", runs)
	}
	if _, err := Parse("abl.toml", []byte(ablationFile)); err == nil || !strings.Contains(err.Error(), "describes 8 runs") {
		t.Errorf("Parse of an 8-run file: %v", err)
	}
}

// TestErrorsNameFileLineAndKey covers the base configuration, variants and the grid.
func TestErrorsNameFileLineAndKey(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"unknown key in variant", "[[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\nheads.shraed = true\n",
			[]string{"x.toml:5", "heads.shraed: unknown key"}},
		{"wrong type in variant", "[[variant]]\nname = \"a\"\n\ntrain.episodes = \"many\"\n",
			[]string{"x.toml:4", "train.episodes", "is a TOML string, want an integer"}},
		{"bad value in variant", "[[variant]]\nname = \"a\"\n[variant.eval]\nepisodes = 10\n",
			[]string{"x.toml:4", "eval.episodes", "600", "run a-seed1"}},
		{"bad value in grid", "[grid]\ntrain.way = [5, 1]\n", []string{"x.toml:2", "train.way", "way1-seed1"}},
		{"grid not a list", "[grid]\ntrain.way = 5\n", []string{"x.toml:2", "grid.train.way", "list"}},
		{"variant without name", "[train]\nway = 5\n[[variant]]\nheads.shared = true\n", []string{"x.toml:3", "name"}},
		{"duplicate variant", "[[variant]]\nname = \"a\"\n[[variant]]\nname = \"a\"\n", []string{"x.toml:3", "twice"}},
		{"variant sets experiment", "[[variant]]\nname = \"a\"\nexperiment.name = \"b\"\n", []string{"x.toml:3", "experiment.name"}},
		{"two baselines", "[[variant]]\nname = \"a\"\nbaseline = true\n[[variant]]\nname = \"b\"\nbaseline = true\n", []string{"2 variants"}},
		{"unknown base key", "[experiment]\nseedz = [1]\n", []string{"x.toml:2", "experiment.seedz"}},
		{"same seed twice", "[experiment]\nseeds = [3, 3]\n", []string{"base-seed3"}},
		{"unknown key", "[train]\nepisodes = 10\nepisodez = 3\n", []string{"x.toml:3", "train.episodez: unknown key"}},
		{"unknown table", "[trian]\nepisodes = 10\n", []string{"x.toml:1", "trian: unknown key"}},
		{"wrong type", "[train]\n\nepisodes = \"many\"\n", []string{"x.toml:3", "episodes"}},
		{"bad value", "[eval]\nepisodes = 100\n", []string{"x.toml:2", "eval.episodes", "600"}},
		{"bad enum", "[dataset]\nsplit = \"random\"\n", []string{"x.toml:2", "dataset.split"}},
		{"bad part value", "[backbone]\nfilters = -4\n", []string{"x.toml:2", "backbone.filters"}},
		{"bad loss", "[loss]\nkind = \"hinge\"\n", []string{"x.toml:2", "loss.kind"}},
		{"class_split with the image split", "[dataset]\nclass_split = [0.6, 0.2, 0.2]\n", []string{"x.toml:2", "dataset.class_split", `split = "class"`}},
		{"class_split not summing to 1", "[dataset]\nsplit = \"class\"\nclass_split = [0.6, 0.2, 0.3]\n", []string{"x.toml:3", "dataset.class_split", "sum to 1"}},
		{"class_split of two", "[dataset]\nsplit = \"class\"\nclass_split = [0.8, 0.2]\n", []string{"x.toml:3", "three fractions"}},
		{"label_fraction of 0", "[dataset]\nlabel_fraction = { color = 0.5, pattern = 0 }\n", []string{"x.toml:2", "dataset.label_fraction", "pattern = 0", "(0, 1]"}},
		{"label_fraction in a grid", "[grid]\ndataset.label_fraction.pattern = [1.0, 1.5]\n", []string{"x.toml:2", "dataset.label_fraction", "pattern1.5-seed1"}},
		{"interaction form", "[heads]\ninteraction = 0.1\ninteraction_form = \"one-way\"\n", []string{"x.toml:3", "heads.interaction_form", `"teacher"`}},
		{"interaction confidence", "[heads]\ninteraction_confidence = 1.5\n", []string{"x.toml:2", "heads.interaction_confidence", "[0, 1)"}},
		{"interaction warm-up", "[[variant]]\nname = \"a\"\nheads.interaction_warmup = -1\n", []string{"x.toml:3", "heads.interaction_warmup", "run a-seed1"}},
		{"unknown pretrain key", "[pretrain]\nepochs = 5\nepoch = 3\n", []string{"x.toml:3", "pretrain.epoch: unknown key"}},
		{"pretrain lr", "[pretrain]\nepochs = 5\nlr = -0.1\n", []string{"x.toml:3", "pretrain.lr", "positive"}},
		{"pretrain optimizer", "[pretrain]\noptimizer = \"rmsprop\"\n", []string{"x.toml:2", "pretrain.optimizer", `"sgd" or "adam"`}},
		{"pretrain decay epochs", "[pretrain]\nlr_decay_epochs = [60, 40]\n", []string{"x.toml:2", "pretrain.lr_decay_epochs", "increasing"}},
		{"pretrain momentum", "[[variant]]\nname = \"a\"\npretrain.momentum = 1\n", []string{"x.toml:3", "pretrain.momentum", "[0, 1)", "run a-seed1"}},
		{"backbone_lr", "[train]\nbackbone_lr = -1\n", []string{"x.toml:2", "train.backbone_lr", "freezes"}},
		{"centroid without pretraining", "[heads]\nkind = \"centroid\"\n", []string{"x.toml:2", "heads.kind", "[pretrain]"}},
		{"cosine without cross-entropy", "[heads]\nkind = \"cosine\"\n", []string{"x.toml:2", "heads.kind", `loss.kind = "ce"`}},
		{"syntax", "[train\n", []string{"x.toml:", "table name"}},
		{"miniimagenet with an image split", "[dataset]\nsource = \"miniimagenet\"\npath = \"mini\"\nsplit = \"image\"\n", []string{"x.toml:4", "dataset.split", "split by class"}},
		{"miniimagenet with class lists", "[dataset]\nsource = \"miniimagenet\"\npath = \"mini\"\ntest_classes = [\"n01*\"]\n", []string{"x.toml:4", "dataset.test_classes", "give no class lists"}},
		{"miniimagenet with a class file", "[dataset]\nsource = \"miniimagenet\"\npath = \"mini\"\n\nval_classes_file = \"val.txt\"\n", []string{"x.toml:5", "dataset.val_classes_file"}},
		{"miniimagenet with class_split", "[dataset]\nsource = \"miniimagenet\"\npath = \"mini\"\nclass_split = [0.6, 0.2, 0.2]\n", []string{"x.toml:4", "dataset.class_split"}},
		{"omniglot in a variant with an image split", "[dataset]\nsplit = \"image\"\n[[variant]]\nname = \"a\"\ndataset.source = \"omniglot\"\ndataset.path = \"o\"\n", []string{"x.toml:2", "dataset.split"}},
		{"class file and list", "[dataset]\nsource = \"folder\"\npath = \"f\"\nsplit = \"class\"\ntest_classes = [\"a\"]\ntest_classes_file = \"t.txt\"\n", []string{"x.toml:6", "dataset.test_classes_file", "keep one"}},
		{"crop off cub", "[dataset]\nsource = \"folder\"\npath = \"f\"\ncrop = \"bbox\"\n", []string{"x.toml:4", "dataset.crop", "cub"}},
		{"crop kind", "[dataset]\ncrop = \"box\"\n", []string{"x.toml:2", "dataset.crop"}},
		{"cub certainty", "[dataset]\nsource = \"cub\"\npath = \"c\"\nattribute_certainty = 5\n[[dataset.groups]]\nname = \"species\"\n", []string{"x.toml:4", "dataset.attribute_certainty"}},
		{"cub without groups", "[dataset]\nsource = \"cub\"\npath = \"c\"\n", []string{"dataset.groups"}},
		{"class_split name", "[dataset]\nsplit = \"class\"\nclass_split = \"closest\"\n", []string{"x.toml:3", "dataset.class_split", "closer-look"}},
		{"closer-look with group lists", "[dataset]\nsource = \"cub\"\npath = \"c\"\nsplit = \"class\"\nclass_split = \"closer-look\"\n[[dataset.groups]]\nname = \"species\"\n[[dataset.groups]]\nname = \"has_bill_shape\"\ntest_classes = [\"dagger\"]\n",
			[]string{"dataset.class_split", "has_bill_shape"}},
		{"class file with the image split", "[dataset]\nsource = \"folder\"\npath = \"f\"\ntrain_classes_file = \"t.txt\"\n", []string{"x.toml:4", "dataset.train_classes_file", `split = "class"`}},
	}
	for _, tc := range cases {
		_, err := ParsePlan("x.toml", []byte(tc.text))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
}

// TestOwnSplitSourcesImplyAClassSplit: miniimagenet and omniglot split by class without
// saying so, their class list files are relative to the config file, and a source without a
// split of its own keeps the image split.
func TestOwnSplitSourcesImplyAClassSplit(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Split
	}{
		{"[dataset]\nsource = \"miniimagenet\"\npath = \"mini\"\n", ClassSplit},
		{"[dataset]\nsource = \"omniglot\"\npath = \"omniglot\"\ntest_classes_file = \"splits/test.txt\"\n", ClassSplit},
		{"[dataset]\nsource = \"omniglot\"\npath = \"omniglot\"\nsplit = \"class\"\n", ClassSplit},
		{"[dataset]\nsource = \"folder\"\npath = \"f\"\n", ImageSplit},
	} {
		cfg, err := Parse("/exp/x.toml", []byte(tc.text))
		if err != nil || cfg.Dataset.Split != tc.want {
			t.Errorf("%q: split %q, %v; want %q", tc.text, cfg.Dataset.Split, err, tc.want)
		}
		if f := cfg.Dataset.TestClassesFile; f != "" && f != "/exp/splits/test.txt" {
			t.Errorf("test_classes_file = %q, want it relative to the config file", f)
		}
	}
}

func TestKeyLine(t *testing.T) {
	text := []byte("[train]\nway = 5 # five\n[[variant]]\nname = \"a\"\n\"heads\" . shared = true\n[[variant]]\nname = \"b\"\n[variant.heads]\nshared = false\n")
	cases := []struct {
		key  string
		nth  int
		want int
	}{
		{"train.way", -1, 2}, {"train", -1, 1}, {"train.shot", -1, 1}, {"variant.heads.shared", 0, 5},
		{"variant.heads.shared", 1, 9}, {"variant", 1, 6}, {"variant.name", 1, 7}, {"eval.way", -1, 0},
	}
	for _, c := range cases {
		if got := keyLine(text, c.key, c.nth); got != c.want {
			t.Errorf("keyLine(%s, %d) = %d, want %d", c.key, c.nth, got, c.want)
		}
	}
}

func TestSameRunIgnoresOnlyExecutionSettings(t *testing.T) {
	cfg, err := Parse("q.toml", []byte("[train]\nepisodes = 10\n"))
	if err != nil {
		t.Fatal(err)
	}
	text, _ := cfg.Encode()
	moved := cfg
	moved.Train.Threads, moved.Train.Workers, moved.Experiment.Results = 7, 3, "/elsewhere"
	if !moved.SameRun(string(text)) {
		t.Error("a change of threads, workers or results root made another run")
	}
	changed := cfg
	changed.Train.LR = 0.5
	if changed.SameRun(string(text)) {
		t.Error("a change of train.lr was taken for the same run")
	}
}

// TestSameRunIgnoresTheListsAClassSplitDrew: a run's config.toml records the drawn lists
// beside class_split; the experiment file, without them, is still the same run.
func TestSameRunIgnoresTheListsAClassSplitDrew(t *testing.T) {
	cfg, err := Parse("q.toml", []byte("[dataset]\nsplit = \"class\"\nclass_split = [0.6, 0.2, 0.2]\n"))
	if err != nil {
		t.Fatal(err)
	}
	recorded := cfg.WithClassLists([][3]datasets.ClassPatterns{{{"0", "1", "3"}, {"5"}, {"2", "4"}}})
	text, _ := recorded.Encode()
	if !strings.Contains(string(text), "train_classes = [0, 1, 3]") {
		t.Fatalf("the draw is not in the config:\n%s", text)
	}
	if !cfg.SameRun(string(text)) {
		t.Error("the recorded draw made another run")
	}
	other := cfg
	other.Dataset.ClassSplit = ClassPartition{Fractions: []float64{0.8, 0, 0.2}}
	if other.SameRun(string(text)) {
		t.Error("another class_split was taken for the same run")
	}
}

func TestGridWithoutVariantsNamesRunsByPoint(t *testing.T) {
	runs, err := ParsePlan("g.toml", []byte("[grid]\ntrain.shot = [1, 5]\nbackbone.name = [\"conv4\", \"resnet12\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Experiment.Run)
		text, _ := r.Encode()
		again, err := Parse("config.toml", text)
		if err != nil || again.Experiment.Run != r.Experiment.Run {
			t.Errorf("%s does not round-trip: %v %q", r.Experiment.Run, err, again.Experiment.Run)
		}
	}
	if got := strings.Join(names, " "); got != "conv4-shot1-seed1 conv4-shot5-seed1 resnet12-shot1-seed1 resnet12-shot5-seed1" {
		t.Errorf("runs %s", got)
	}
}

func TestExampleExperimentFilesAreValid(t *testing.T) {
	files, _ := filepath.Glob("../*.toml")
	want := map[string]int{"quickstart.toml": 1, "classsplit.toml": 3, "heads-ablation.toml": 5, "shots-backbones.toml": 4, "seed-notebook.toml": 1, "pretrain-classsplit.toml": 18, "pretrain-heads.toml": 16, "pretrain-glyphs.toml": 8, "cub.toml": 2}
	for _, f := range files {
		runs, err := LoadPlan(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if n, ok := want[filepath.Base(f)]; ok && len(runs) != n {
			t.Errorf("%s: %d runs, want %d", f, len(runs), n)
		}
		delete(want, filepath.Base(f))
	}
	if len(want) > 0 {
		t.Errorf("missing example files: %v", want)
	}
}
