package spec

import (
	"errors"
	"strings"
	"testing"
)

func TestParseGoodConfig(t *testing.T) {
	cfg, err := Parse("good.toml", []byte(`
[experiment]
name = "x"
[dataset]
split = "class"
train_classes = [0, 1, 2, 3, 4]
test_classes = [5, 6, 7, 8, 9]
[train]
shot = 5
episodes = 10
[heads]
padding = "1"
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Train.Shot != 5 || cfg.Eval.Shot != 5 || cfg.Eval.Way != 5 || cfg.Train.Query != 19 || cfg.Heads.Padding != "1" {
		t.Errorf("unexpected resolved config: %+v", cfg)
	}
	if cfg.Backbone.Filters != 64 || cfg.Eval.Episodes != 600 || cfg.Eval.BN != "eval" {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	// The resolved config encodes and parses back to the same thing.
	text, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("again.toml", text)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, text)
	}
	text2, _ := again.Encode()
	if string(text) != string(text2) {
		t.Errorf("encode/parse round trip differs:\n%s\n---\n%s", text, text2)
	}
}

func TestQuickstartConfigIsValid(t *testing.T) {
	cfg, err := Load("../quickstart.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Experiment.Name != "quickstart" || cfg.Dataset.Split != "image" {
		t.Errorf("quickstart: %+v", cfg.Experiment)
	}
}

func TestPrototypeNeedsCrossEntropy(t *testing.T) {
	_, err := Parse("p.toml", []byte("[heads]\nkind = \"prototype\"\n"))
	if err == nil || !strings.Contains(err.Error(), "heads.kind") || !strings.Contains(err.Error(), "p.toml:2") {
		t.Errorf("want a heads.kind error at p.toml:2, got %v", err)
	}
	if _, err := Parse("p.toml", []byte("[heads]\nkind = \"prototype\"\n[loss]\nkind = \"ce\"\n")); err != nil {
		t.Error(err)
	}
}

// TestErrorsCarryTheirPlaceAsData checks that callers get the file, line and key from the
// error itself, for each way a value can be bad.
func TestErrorsCarryTheirPlaceAsData(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		line       int
		key        string
	}{
		{"unknown key", "[train]\n\nepisodez = 3\n", 3, "train.episodez"},
		{"wrong type", "[train]\nepisodes = 2.5\n", 2, "train.episodes"},
		{"unknown kind", "[dataset]\n\nsource = \"imagenet\"\n", 3, "dataset.source"},
		{"bad loss", "[loss]\nkind = \"hinge\"\n", 2, "loss.kind"},
		{"range", "[train]\nway = 1\n", 2, "train.way"},
		{"image limit", "[dataset]\nsource = \"folder\"\npath = \"x\"\nmax_pixels = 0\n", 4, "dataset.max_pixels"},
		{"part", "[heads]\nhidden = -2\n", 2, "heads.hidden"},
		{"optimiser", "[train]\nlr_gamma = 3.0\n", 2, "train.lr_gamma"},
		{"rule between keys", "[heads]\nkind = \"classifier\"\n", 2, "heads.kind"},
		{"variant", "[[variant]]\nname = \"a\"\ntrain.way = 1\n", 3, "train.way"},
	} {
		_, err := ParsePlan("e.toml", []byte(tc.text))
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: %v is not a *FieldError", tc.name, err)
			continue
		}
		if fe.File != "e.toml" || fe.Line != tc.line || fe.Key != tc.key {
			t.Errorf("%s: got %s:%d key %q, want e.toml:%d key %q (%v)", tc.name, fe.File, fe.Line, fe.Key, tc.line, tc.key, err)
		}
	}
}

// TestClassListsTakeNamesGlobsAndIds checks the class lists: integers and strings decode,
// encode back as written, and other values are errors at their line.
func TestClassListsTakeNamesGlobsAndIds(t *testing.T) {
	cfg, err := Parse("c.toml", []byte("[dataset]\nsplit = \"class\"\ntrain_classes = [0, \"dress\", \"Armenian/*\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Dataset.TrainClasses, " "); got != "0 dress Armenian/*" || cfg.Dataset.TestClasses != nil {
		t.Errorf("train %q, test %v", got, cfg.Dataset.TestClasses)
	}
	text, _ := cfg.Encode()
	if !strings.Contains(string(text), `train_classes = [0, "dress", "Armenian/*"]`) {
		t.Errorf("encoded:\n%s", text)
	}
	_, err = Parse("c.toml", []byte("[dataset]\nsplit = \"class\"\n\ntrain_classes = [1.5]\n"))
	if err == nil || !strings.Contains(err.Error(), "c.toml:4") || !strings.Contains(err.Error(), "dataset.train_classes") {
		t.Errorf("a float class: %v", err)
	}
	if _, err := Parse("c.toml", []byte("[dataset]\ntest_classes = [\"a\"]\n")); err == nil || !strings.Contains(err.Error(), `set split = "class"`) {
		t.Errorf("class lists with the image split: %v", err)
	}
}

// TestEvalDatasetTable reads [eval.dataset] from [dataset]'s defaults, resolves its path
// beside the file, and names its bad keys and values with their line.
func TestEvalDatasetTable(t *testing.T) {
	const base = "[dataset]\nsource = \"folder\"\npath = \"own\"\n[eval.dataset]\nsource = \"cub\"\npath = \"birds/CUB_200_2011\"\nsplit = \"class\"\nclass_split = \"closer-look\"\n"
	cfg, err := Parse("/exp/cross.toml", []byte(base+"[[eval.dataset.groups]]\nname = \"species\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Eval.Dataset
	if d == nil || d.Path != "/exp/birds/CUB_200_2011" || d.ValFraction != 0.1 || d.Certainty != 3 || len(d.Groups) != 1 || d.Name() != "cub" {
		t.Fatalf("eval.dataset %+v", d)
	}
	if none, err := Parse("own.toml", []byte("[dataset]\nsource = \"folder\"\npath = \"own\"\n")); err != nil || none.Eval.Dataset != nil {
		t.Errorf("without the table: %+v, %v", none.Eval.Dataset, err)
	}
	for text, want := range map[string]string{
		base + "[[eval.dataset.groups]]\nname = \"species\"\ncolour = 1\n":          "cross.toml:11: eval.dataset.groups.colour: unknown key",
		base + "test_fraction = 2.0\n[[eval.dataset.groups]]\nname = \"species\"\n": "cross.toml:9: eval.dataset.test_fraction: 2",
		base: "eval.dataset.groups: source \"cub\" needs at least one [[dataset.groups]] table",
	} {
		if _, err := Parse("cross.toml", []byte(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
}
