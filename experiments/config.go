package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/relnet/relnet/backbone"
	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/heads"
	"github.com/relnet/relnet/losses"
	"github.com/relnet/relnet/model"
)

// Config is one run's full configuration, as a TOML file describes it. Every field has a
// default (see Default), so a file names only what it changes.
type Config struct {
	Experiment ExperimentConfig `toml:"experiment"`
	Dataset    DatasetConfig    `toml:"dataset"`
	Backbone   backbone.Config  `toml:"backbone"`
	Heads      HeadsConfig      `toml:"heads"`
	Loss       LossConfig       `toml:"loss"`
	Train      TrainConfig      `toml:"train"`
	Eval       EvalConfig       `toml:"eval"`
}

// ExperimentConfig names the experiment, its seeds and where its files go.
type ExperimentConfig struct {
	Name    string   `toml:"name"`    // default: the config file's base name
	Results string   `toml:"results"` // results root; each run writes <results>/<name>/<run>/; default "results"
	Seeds   []uint64 `toml:"seeds"`   // one run per seed and variant (sets train.seed); default [train.seed]
	// Written into each run's resolved config by the planner, not set by hand:
	Variant  string `toml:"variant"`  // the [[variant]]'s name; default "base"
	Point    string `toml:"point"`    // the [grid] point, e.g. "shot=5"
	Run      string `toml:"run"`      // the run's directory: variant, point and seed, e.g. "multihead-shot5-seed1"
	Baseline bool   `toml:"baseline"` // the variant others are compared with in reports
}

// Label names the run's variant and grid point, e.g. "multihead shot=5": a row of a report.
func (e ExperimentConfig) Label() string { return strings.TrimSpace(e.Variant + " " + e.Point) }

// DatasetConfig says which images to use and how to split and transform them.
type DatasetConfig struct {
	Source          string               `toml:"source"`        // "fashion-mnist", "csv" (seed notebook format) or "streetstyle" (StreetStyle-27K manifest)
	Dir             string               `toml:"dir"`           // fashion-mnist: default $FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist
	Path            string               `toml:"path"`          // csv / streetstyle: the labels file (relative paths: to the config file)
	Images          string               `toml:"images"`        // csv / streetstyle: image directory; default the labels file's directory
	Channels        int                  `toml:"channels"`      // csv / streetstyle: decode to 1 (grey) or 3 (RGB) channels; default 3
	Height          int                  `toml:"height"`        // csv / streetstyle: default 84
	Width           int                  `toml:"width"`         // csv / streetstyle: default 84
	Groups          []datasets.GroupSpec `toml:"groups"`        // csv / streetstyle: the exclusive attribute groups, one relation head each
	TestFraction    float64              `toml:"test_fraction"` // csv / streetstyle: share of images held out for testing; default 0.2
	Split           string               `toml:"split"`         // "image" (seed notebook: all classes, held-out images) or "class"
	SplitSeed       uint64               `toml:"split_seed"`    // seed of the image split, the same for every run of an experiment; default 1
	ValFraction     float64              `toml:"val_fraction"`  // share of each training class's images kept for validation; default 0.1
	TrainClasses    []int                `toml:"train_classes"` // class split only; default [0,1,3,5,7]
	ValClasses      []int                `toml:"val_classes"`   // class split only; default none (validate on held-out images of the training classes)
	TestClasses     []int                `toml:"test_classes"`  // class split only; default [2,4,6,8,9]
	Normalize       string               `toml:"normalize"`     // "train" (mean/std of the training split, default), "none", or "given" (Mean, Std)
	Mean            []float64            `toml:"mean"`
	Std             []float64            `toml:"std"`
	RotateDeg       float64              `toml:"rotate_degrees"`   // training only: random rotation in ±degrees per image (seed notebook)
	Rotate90        bool                 `toml:"rotate90"`         // training only: one random 0/90/180/270° rotation per episode (paper)
	RotationClasses bool                 `toml:"rotation_classes"` // class split: each training class at 0/90/180/270° becomes four classes (Omniglot protocol)
}

// HeadsConfig sizes the relation heads and says how they share work.
type HeadsConfig struct {
	heads.Config
	Kind        string  `toml:"kind"`        // "relation" (default); baselines (need loss.kind = "ce"): "prototype" (Snell et al.'s parameter-free head) or "classifier" (supervised softmax per group, see the README)
	Shared      bool    `toml:"shared"`      // one relation head for every attribute group (the single-head baseline)
	Interaction float64 `toml:"interaction"` // λ of the interaction loss linking the heads; 0 = off (image split only)
}

// LossConfig chooses the training loss.
type LossConfig struct {
	Kind losses.Kind `toml:"kind"` // "mse" (paper, default) or "ce"
}

// TrainConfig is the episodic training schedule.
type TrainConfig struct {
	Way             int     `toml:"way"`              // default 5
	Shot            int     `toml:"shot"`             // default 1
	Query           int     `toml:"query"`            // queries per class; default 19 (paper, 5-way 1-shot)
	Episodes        int64   `toml:"episodes"`         // default 2500
	LR              float64 `toml:"lr"`               // default 1e-3
	LRStep          int64   `toml:"lr_step"`          // default 100000; negative = never decay
	LRGamma         float64 `toml:"lr_gamma"`         // default 0.5
	ClipNorm        float64 `toml:"clip_norm"`        // default 0.5; negative = no clipping
	LogEvery        int64   `toml:"log_every"`        // default 100
	ValEvery        int64   `toml:"val_every"`        // default 500
	ValEpisodes     int     `toml:"val_episodes"`     // default 100
	CheckpointEvery int64   `toml:"checkpoint_every"` // default 500
	Seed            uint64  `toml:"seed"`             // default 1
	Threads         int     `toml:"threads"`          // libtorch intra-op threads; 0 = all cores
	Device          string  `toml:"device"`           // "cpu" (default), "cuda" or "auto"
	Workers         int     `toml:"workers"`          // episode-building goroutines; default 2
	Prefetch        int     `toml:"prefetch"`         // episodes built ahead; default 8
}

// EvalConfig is the fixed test protocol.
type EvalConfig struct {
	Way      int    `toml:"way"`      // default: train.way
	Shot     int    `toml:"shot"`     // default: train.shot
	Query    int    `toml:"query"`    // default 15
	Episodes int    `toml:"episodes"` // default 600 (minimum 600)
	Seed     uint64 `toml:"seed"`     // seed of the test-episode bank; default 2018
	BN       string `toml:"bn"`       // "eval" (running statistics, default) or "batch" (the paper code's test-batch statistics)
}

// Default is the configuration every file starts from.
func Default() Config {
	return Config{
		Experiment: ExperimentConfig{Results: "results"},
		Dataset: DatasetConfig{
			Source: "fashion-mnist", Split: "image", ValFraction: 0.1, TestFraction: 0.2,
			Channels: 3, Height: 84, Width: 84,
			TrainClasses: []int{0, 1, 3, 5, 7}, TestClasses: []int{2, 4, 6, 8, 9},
			Normalize: "train", SplitSeed: 1,
		},
		Backbone: backbone.Config{}.WithDefaults(),
		Heads:    HeadsConfig{Config: heads.Config{}.WithDefaults(), Kind: "relation"},
		Loss:     LossConfig{Kind: losses.MSE},
		Train: TrainConfig{
			Way: 5, Shot: 1, Query: 19, Episodes: 2500,
			LR: 1e-3, LRStep: 100000, LRGamma: 0.5, ClipNorm: 0.5,
			LogEvery: 100, ValEvery: 500, ValEpisodes: 100, CheckpointEvery: 500,
			Seed: 1, Device: "cpu", Workers: 2, Prefetch: 8,
		},
		Eval: EvalConfig{Query: 15, Episodes: 600, Seed: 2018, BN: "eval"},
	}
}

// Load reads a file that describes a single run (see LoadPlan for experiment files with
// variants and seeds). Unknown keys, wrong types and invalid values are errors naming the
// file, the line and the key.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load on bytes already read; path names them in errors.
func Parse(path string, data []byte) (Config, error) {
	runs, err := ParsePlan(path, data)
	if err != nil {
		return Config{}, err
	}
	return SelectRun(path, runs, "")
}

// SelectRun picks the run named name from an experiment's runs; an empty name picks the only
// one.
func SelectRun(path string, runs []Config, name string) (Config, error) {
	var names []string
	for _, r := range runs {
		if r.Experiment.Run == name || (name == "" && len(runs) == 1) {
			return r, nil
		}
		names = append(names, r.Experiment.Run)
	}
	if name == "" {
		return Config{}, fmt.Errorf("%s describes %d runs (%s): use `relnet run`, or name one with --run", path, len(runs), strings.Join(names, ", "))
	}
	return Config{}, fmt.Errorf("%s has no run %q (runs: %s)", path, name, strings.Join(names, ", "))
}

// DecodeTOML decodes data (read from path) into v over the values v already holds. Syntax
// errors, wrong types and unknown keys are errors naming the file, the line and the key; keys
// under the freeTables are not checked (v decodes them into maps, checked later).
func DecodeTOML(path string, data []byte, v any, freeTables ...string) error {
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(v)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return fmt.Errorf("%s:%d: %s", path, perr.Position.Line, perr.Message)
		}
		// Type errors come as "toml: line N (last key "k"): message".
		if m := typeError.FindStringSubmatch(err.Error()); m != nil {
			return fmt.Errorf("%s:%s: %s: %s", path, m[1], m[2], m[3])
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, k := range md.Undecoded() {
		if !slices.Contains(freeTables, k[0]) {
			return fmt.Errorf("%s:%d: unknown key %q (see the README's configuration reference)", path, keyLine(data, k.String(), -1), k.String())
		}
	}
	return nil
}

var typeError = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// fieldError is an invalid value of one key (dotted TOML path).
type fieldError struct{ key, msg string }

func (e *fieldError) Error() string { return e.msg }

func bad(key, format string, args ...any) error {
	return &fieldError{key: key, msg: key + ": " + fmt.Sprintf(format, args...)}
}

// Validate checks every value; the error names the TOML key.
func (c Config) Validate() error {
	d, t, e := c.Dataset, c.Train, c.Eval
	switch {
	case d.Source != "fashion-mnist" && d.Source != "csv" && d.Source != "streetstyle" && d.Source != "synth":
		return bad("dataset.source", "%q is not a known source (want \"fashion-mnist\", \"csv\", \"streetstyle\" or \"synth\")", d.Source)
	case d.Source != "fashion-mnist" && d.Path == "":
		return bad("dataset.path", "source %q needs the labels file", d.Source)
	case d.Source != "fashion-mnist" && d.Source != "synth" && len(d.Groups) == 0:
		return bad("dataset.groups", "source %q needs at least one [[dataset.groups]] table", d.Source)
	case d.Source != "fashion-mnist" && d.Split != "image":
		return bad("dataset.split", "source %q supports only the image split so far", d.Source)
	case d.Source == "fashion-mnist" && len(d.Groups) > 0:
		return bad("dataset.groups", "Fashion-MNIST has one label per image; groups are for csv and streetstyle sources")
	case d.TestFraction <= 0 || d.ValFraction+d.TestFraction >= 1:
		return bad("dataset.test_fraction", "%g: must be > 0, with val_fraction + test_fraction < 1", d.TestFraction)
	case d.Channels != 1 && d.Channels != 3:
		return bad("dataset.channels", "%d: want 1 (grey) or 3 (RGB)", d.Channels)
	case d.Height < 1 || d.Width < 1:
		return bad("dataset.height", "%d×%d: must be positive", d.Height, d.Width)
	case d.Split != "image" && d.Split != "class":
		return bad("dataset.split", "%q: want \"image\" or \"class\"", d.Split)
	case d.ValFraction < 0 || d.ValFraction >= 1:
		return bad("dataset.val_fraction", "%g: must be in [0, 1)", d.ValFraction)
	case d.Normalize != "train" && d.Normalize != "none" && d.Normalize != "given":
		return bad("dataset.normalize", "%q: want \"train\", \"none\" or \"given\"", d.Normalize)
	case d.Normalize == "given" && (len(d.Mean) == 0 || len(d.Mean) != len(d.Std)):
		return bad("dataset.mean", "normalize = \"given\" needs mean and std with one value per channel")
	case d.RotationClasses && d.Split != "class":
		return bad("dataset.rotation_classes", "rotations as new classes need split = \"class\" (the test classes must be unseen)")
	case d.RotateDeg < 0 || d.RotateDeg > 180:
		return bad("dataset.rotate_degrees", "%g: must be in [0, 180]", d.RotateDeg)
	case t.Way < 2:
		return bad("train.way", "%d: must be ≥ 2", t.Way)
	case t.Shot < 1:
		return bad("train.shot", "%d: must be ≥ 1", t.Shot)
	case t.Query < 1:
		return bad("train.query", "%d: must be ≥ 1", t.Query)
	case t.Episodes < 1:
		return bad("train.episodes", "%d: must be ≥ 1", t.Episodes)
	case t.LogEvery < 1:
		return bad("train.log_every", "%d: must be ≥ 1", t.LogEvery)
	case t.ValEvery < 1:
		return bad("train.val_every", "%d: must be ≥ 1", t.ValEvery)
	case t.ValEpisodes < 1:
		return bad("train.val_episodes", "%d: must be ≥ 1", t.ValEpisodes)
	case t.CheckpointEvery < 1:
		return bad("train.checkpoint_every", "%d: must be ≥ 1", t.CheckpointEvery)
	case t.Threads < 0:
		return bad("train.threads", "%d: must be ≥ 0", t.Threads)
	case e.Way < 2:
		return bad("eval.way", "%d: must be ≥ 2", e.Way)
	case e.Shot < 1:
		return bad("eval.shot", "%d: must be ≥ 1", e.Shot)
	case e.Query < 1:
		return bad("eval.query", "%d: must be ≥ 1", e.Query)
	case e.Episodes < 600:
		return bad("eval.episodes", "%d: use at least 600 test episodes for a 95%% interval worth reporting", e.Episodes)
	case e.BN != "eval" && e.BN != "batch":
		return bad("eval.bn", "%q: want \"eval\" or \"batch\"", e.BN)
	}
	switch t.Device {
	case "cpu", "cuda", "auto":
	default:
		return bad("train.device", "%q: want \"cpu\", \"cuda\" or \"auto\"", t.Device)
	}
	if err := c.Backbone.Validate(); err != nil {
		return withKey("backbone", err)
	}
	if err := c.Heads.Validate(); err != nil {
		return withKey("heads", err)
	}
	switch {
	case c.Heads.Kind != "relation" && c.Heads.Kind != "prototype" && c.Heads.Kind != "classifier":
		return bad("heads.kind", "%q: want \"relation\", \"prototype\" or \"classifier\"", c.Heads.Kind)
	case c.Heads.Kind != "relation" && c.Loss.Kind != losses.CrossEntropy:
		return bad("heads.kind", "the %s baseline is trained with cross-entropy; set loss.kind = \"ce\"", c.Heads.Kind)
	case c.Heads.Kind != "relation" && c.Heads.Shared:
		return bad("heads.shared", "a shared head is a relation-head setting; the %s baseline has none to share", c.Heads.Kind)
	case c.Heads.Kind != "relation" && c.Heads.Interaction > 0:
		return bad("heads.interaction", "the interaction loss links relation heads; the %s baseline has none", c.Heads.Kind)
	}
	if c.Heads.Interaction < 0 {
		return bad("heads.interaction", "%g: must be ≥ 0", c.Heads.Interaction)
	}
	if c.Heads.Interaction > 0 && d.Source == "fashion-mnist" {
		return bad("heads.interaction", "Fashion-MNIST has a single attribute group; the interaction loss links two or more")
	}
	if c.Heads.Interaction > 0 && d.Split == "class" {
		return bad("heads.interaction", "the interaction loss needs label co-occurrence of classes seen in training; with split = \"class\" the test classes are unseen, so set it to 0")
	}
	if err := c.Loss.Kind.Validate(); err != nil {
		return bad("loss.kind", "%q: want \"mse\" or \"ce\"", c.Loss.Kind)
	}
	if err := c.optim().Validate(); err != nil {
		return withKey("train", err)
	}
	return nil
}

// withKey turns a part's "section.key = ..." message into a fieldError for that section.
func withKey(section string, err error) error {
	msg := err.Error()
	key, _, ok := strings.Cut(msg, " ")
	if !ok || !strings.Contains(key, ".") {
		return bad(section, "%s", msg)
	}
	_, field, _ := strings.Cut(key, ".")
	return &fieldError{key: section + "." + field, msg: section + "." + field + msg[len(key):]}
}

func (c Config) optim() model.OptimConfig {
	return model.OptimConfig{LR: c.Train.LR, LRStep: c.Train.LRStep, LRGamma: c.Train.LRGamma, ClipNorm: c.Train.ClipNorm}
}

func (c Config) modelConfig() model.Config {
	return model.Config{Backbone: c.Backbone, Head: c.Heads.Config, Loss: c.Loss.Kind,
		SharedHead: c.Heads.Shared, Prototype: c.Heads.Kind == "prototype", Interaction: c.Heads.Interaction,
		Classifier: c.Heads.Kind == "classifier", Centroid: c.Dataset.Split == "class"}
}

// Encode writes the resolved configuration as TOML.
func (c Config) Encode() ([]byte, error) {
	var b bytes.Buffer
	err := toml.NewEncoder(&b).Encode(c)
	return b.Bytes(), err
}
