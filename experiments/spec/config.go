package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/datasets"
)

// Config is one run's full configuration, as a TOML file describes it. Every field has a
// default (see Default), so a file names only what it changes.
type Config struct {
	Experiment ExperimentConfig `toml:"experiment"`
	Dataset    DatasetConfig    `toml:"dataset"`
	Backbone   arch.Backbone    `toml:"backbone"`
	Heads      HeadsConfig      `toml:"heads"`
	Loss       LossConfig       `toml:"loss"`
	Pretrain   arch.Pretrain    `toml:"pretrain"`
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

// DatasetConfig says which images to use and how to split and transform them.
type DatasetConfig struct {
	Source       Source                 `toml:"source"`            // "fashion-mnist" (default), "csv" (seed notebook format), "streetstyle" (StreetStyle-27K manifest), "folder", "synth", "miniimagenet" or "omniglot"
	Dir          string                 `toml:"dir"`               // fashion-mnist: default $FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist
	Path         string                 `toml:"path"`              // csv / streetstyle: the labels file; folder: its root; synth: its TOML; miniimagenet: the folder of images/ and the split CSVs; omniglot: the folder of images_background/ and images_evaluation/ (relative paths: to the config file)
	Depth        int                    `toml:"depth"`             // folder: 1 (root/class/image, default) or 2 (root/a/b/image, class "a/b")
	BadLines     BadLines               `toml:"bad_lines"`         // "error" (default): fail listing every bad line; "skip": load the rest and list them
	MaxPixels    int                    `toml:"max_pixels"`        // csv / streetstyle / folder: the largest image read, width × height from its header (default 100,000,000); a larger one is a bad line
	Undeclared   UndeclaredLabels       `toml:"undeclared_labels"` // csv: "ignore" (default) labels no group declares, or "error"
	Images       string                 `toml:"images"`            // csv / streetstyle: image directory; default the labels file's directory
	Channels     int                    `toml:"channels"`          // csv / streetstyle: decode to 1 (grey) or 3 (RGB) channels; default 3
	Height       int                    `toml:"height"`            // csv / streetstyle: default 84
	Width        int                    `toml:"width"`             // csv / streetstyle: default 84
	Groups       []datasets.GroupSpec   `toml:"groups"`            // csv / streetstyle / cub: the exclusive attribute groups, one relation head each
	Attributes   []string               `toml:"attributes"`        // more groups by name alone, after the [[dataset.groups]] tables (e.g. CUB's ["has_bill_shape", "has_wing_color"]); a run's config.toml lists them as groups
	TestFraction float64                `toml:"test_fraction"`     // csv / streetstyle: share of images held out for testing; default 0.2
	Split        Split                  `toml:"split"`             // "image" (default) or "class"
	SplitSeed    uint64                 `toml:"split_seed"`        // seed of the image split, the same for every run of an experiment; default 1
	ValFraction  float64                `toml:"val_fraction"`      // share of each training class's images kept for validation; default 0.1
	TrainClasses datasets.ClassPatterns `toml:"train_classes"`     // class split, one group: names, globs or ids; Fashion-MNIST default [0,1,3,5,7]
	ValClasses   datasets.ClassPatterns `toml:"val_classes"`       // class split: default none (validate on held-out images of the training classes)
	TestClasses  datasets.ClassPatterns `toml:"test_classes"`      // class split: Fashion-MNIST default [2,4,6,8,9]; left out: the classes train_classes leaves
	// The class lists read from files, one class name or glob a line (blank lines and #
	// comments ignored), instead of the lists above; relative paths: to the config file.
	TrainClassesFile string         `toml:"train_classes_file"`
	ValClassesFile   string         `toml:"val_classes_file"`
	TestClassesFile  string         `toml:"test_classes_file"`
	ClassSplit       ClassPartition `toml:"class_split,omitempty"` // class split: train, val, test fractions of the classes, drawn with split_seed (instead of the lists), each run's config.toml recording the draw by name; or "closer-look" (Chen et al. 2019; with several groups, of the first, the others following its split)
	Crop             Crop           `toml:"crop"`                  // cub: "none" (default) or "bbox" (each image cropped to its bounding box)
	CropMargin       float64        `toml:"crop_margin"`           // cub, crop = "bbox": the box grown by this fraction of its width and height on each side
	Certainty        int            `toml:"attribute_certainty"`   // cub: the least certainty (1 not visible … 4 definitely) at which an attribute value counts as present; default 3
	Normalize        Normalize      `toml:"normalize"`             // "train" (default), "none" or "given" (Mean, Std)
	Mean             []float64      `toml:"mean"`
	Std              []float64      `toml:"std"`
	RotateDeg        float64        `toml:"rotate_degrees"`   // training only: random rotation in ±degrees per image (seed notebook)
	Rotate90         bool           `toml:"rotate90"`         // training only: one random 0/90/180/270° rotation per episode (paper)
	RotationClasses  bool           `toml:"rotation_classes"` // class split: each training class at 0/90/180/270° becomes four classes (Omniglot protocol)
	// LabelFraction keeps, per group named, a seeded fraction in (0, 1] of each class's
	// training images labelled for that group (at least one per class); the others lose that
	// group's label in training only. Validation and test labels stay whole.
	LabelFraction map[string]float64 `toml:"label_fraction"`
}

// HeadsConfig sizes the relation heads and says how they share work.
type HeadsConfig struct {
	arch.Head
	Kind   arch.HeadKind `toml:"kind"`   // "relation" (default); baselines (need loss.kind = "ce"): "prototype" (Snell et al.'s parameter-free head), "classifier" (supervised softmax per group, see docs/multi-head.md), "cosine" (Meta-Baseline); "centroid" (nearest class mean of pretrained features, no episodic training; needs [pretrain])
	Shared bool          `toml:"shared"` // one relation head for every attribute group (the single-head baseline)
	// The interaction loss linking the heads (image split only): interaction (λ, 0 = off),
	// interaction_form, interaction_confidence and interaction_warmup; see arch.Interaction.
	arch.Interaction
}

// Arch is the model's head kind: heads.kind, or one relation head for every group with
// heads.shared.
func (h HeadsConfig) Arch() arch.HeadKind {
	if h.Shared && h.Kind == arch.Relation {
		return arch.SharedRelation
	}
	return h.Kind
}

// LossConfig chooses the training loss.
type LossConfig struct {
	Kind arch.Loss `toml:"kind"` // "mse" (paper, default) or "ce"
}

// PretrainSpec is what a run's pretraining depends on, as TOML: the data and its split, the
// backbone, the [pretrain] table, the seed (initial weights and batch order), the validation
// bank that chooses the best epoch, and the numerics (precision, memory format, device). Runs
// of an experiment with the same PretrainSpec share one pretraining (see PretrainDir).
func (c Config) PretrainSpec() string {
	t := c.Train
	var b bytes.Buffer
	toml.NewEncoder(&b).Encode(struct {
		Dataset  DatasetConfig
		Backbone arch.Backbone
		Pretrain arch.Pretrain
		Seed     uint64
		Bank     [4]int // way, shot, query, val_episodes
		Numerics [3]string
	}{c.Dataset, c.Backbone, c.Pretrain, t.Seed, [4]int{t.Way, t.Shot, t.Query, t.ValEpisodes},
		[3]string{string(t.Precision), string(t.MemoryFormat), string(t.Device)}})
	return b.String()
}

// PretrainDir is where the pretraining of the run is kept, shared by the experiment's runs
// of the same PretrainSpec: <results>/<name>/pretrain-<12 hex digits of its SHA-256>.
func (c Config) PretrainDir() string {
	sum := sha256.Sum256([]byte(c.PretrainSpec()))
	return filepath.Join(c.ExperimentDir(), "pretrain-"+hex.EncodeToString(sum[:6]))
}

// TrainConfig is the episodic training schedule.
type TrainConfig struct {
	Way             int               `toml:"way"`      // default 5
	Shot            int               `toml:"shot"`     // default 1
	Query           int               `toml:"query"`    // queries per class; default 19 (paper, 5-way 1-shot)
	Episodes        int64             `toml:"episodes"` // default 2500
	arch.Optim                        // lr, lr_step, lr_gamma, clip_norm; defaults in arch.Optim
	LogEvery        int64             `toml:"log_every"`        // default 100
	ValEvery        int64             `toml:"val_every"`        // default 500
	ValEpisodes     int               `toml:"val_episodes"`     // default 100
	CheckpointEvery int64             `toml:"checkpoint_every"` // default 500
	Seed            uint64            `toml:"seed"`             // default 1
	Threads         int               `toml:"threads"`          // libtorch intra-op threads; 0 = all cores
	Device          arch.Device       `toml:"device"`           // "cpu" (default), "cuda" or "auto"
	Precision       arch.Precision    `toml:"precision"`        // "fp32" (default) or "bf16" (training, evaluation and predict)
	MemoryFormat    arch.MemoryFormat `toml:"memory_format"`    // "channels_last" (default) or "nchw"
	// BackboneLR is the backbone's learning rate as a multiple of lr (default 1); 0 freezes
	// it: its weights and BatchNorm statistics stay as [pretrain] left them.
	BackboneLR float64 `toml:"backbone_lr"`
	Workers    int     `toml:"workers"`  // episode-building goroutines; default 2
	Prefetch   int     `toml:"prefetch"` // episodes built ahead; default 8
}

// EvalConfig is the fixed test protocol.
type EvalConfig struct {
	Way      int     `toml:"way"`      // default: train.way
	Shot     int     `toml:"shot"`     // default: train.shot
	Query    int     `toml:"query"`    // default 15
	Episodes int     `toml:"episodes"` // default 600 (minimum 600)
	Seed     uint64  `toml:"seed"`     // seed of the test-episode bank; default 2018
	BN       arch.BN `toml:"bn"`       // "eval" (running statistics, default) or "batch" (the paper code's test-batch statistics)
	Batch    int     `toml:"batch"`    // test and validation episodes per backbone call with bn = "eval"; default 1
	// Dataset is a second data set, [eval.dataset]: after training, the run is also scored on
	// its test bank (cross-domain evaluation), written to eval-<Dataset.Name()>.json. Its keys
	// and defaults are [dataset]'s; its images are brought to the run's size and channels.
	Dataset *DatasetConfig `toml:"dataset,omitempty"`
}

// DefaultDataset is a [dataset] table with nothing set: where [eval.dataset] starts from.
func DefaultDataset() *DatasetConfig {
	d := Default().Dataset
	return &d
}

// Name names a data set in a cross-domain result's file and report columns: its source, or
// the base name of the path of a folder, csv or synth source.
func (d DatasetConfig) Name() string {
	if d.Source == Folder || d.Source == SeedCSV || d.Source == Synthetic {
		return strings.TrimSuffix(filepath.Base(d.Path), filepath.Ext(d.Path))
	}
	return string(d.Source)
}

// Default is the configuration every file starts from.
func Default() Config {
	return Config{
		Experiment: ExperimentConfig{Results: "results"},
		Dataset: DatasetConfig{
			Source: FashionMNIST, Split: ImageSplit, ValFraction: 0.1, TestFraction: 0.2,
			Channels: 3, Height: 84, Width: 84,
			Normalize: NormalizeTrain, SplitSeed: 1, Depth: 1, Crop: NoCrop, Certainty: 3, BadLines: BadLinesError, MaxPixels: datasets.DefaultMaxPixels, Undeclared: IgnoreUndeclared,
		},
		Backbone: arch.Backbone{}.WithDefaults(),
		Heads:    HeadsConfig{Head: arch.Head{}.WithDefaults(), Kind: arch.Relation, Interaction: arch.Interaction{}.WithDefaults()},
		Loss:     LossConfig{Kind: arch.MSE},
		Pretrain: arch.Pretrain{Batch: 64, Optimizer: arch.SGD, LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4, Gamma: 0.1, ValEvery: 1},
		Train: TrainConfig{
			Way: 5, Shot: 1, Query: 19, Episodes: 2500, Optim: arch.Optim{}.WithDefaults(),
			LogEvery: 100, ValEvery: 500, ValEpisodes: 100, CheckpointEvery: 500,
			Seed: 1, Device: arch.CPU, Precision: arch.FP32, MemoryFormat: arch.ChannelsLast, Workers: 2, Prefetch: 8, BackboneLR: 1,
		},
		Eval: EvalConfig{Query: 15, Episodes: 600, Seed: 2018, BN: arch.BNEval, Batch: 1},
	}
}

// Label names the run's variant and grid point, e.g. "multihead shot=5": a row of a report.
func (e ExperimentConfig) Label() string { return strings.TrimSpace(e.Variant + " " + e.Point) }

// ExperimentDir is where the experiment's runs write: <results>/<name>.
func (c Config) ExperimentDir() string {
	return filepath.Join(c.Experiment.Results, c.Experiment.Name)
}

// RunDir is where the run writes its files: <results>/<name>/<run>.
func (c Config) RunDir() string { return filepath.Join(c.ExperimentDir(), c.Experiment.Run) }

// Load reads a file that describes a single run (see LoadPlan for experiment files with
// variants and seeds).
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

// Validate checks ranges and the rules between keys (the kinds check themselves when
// decoded); the error is a *FieldError naming the key.
func (c Config) Validate() error {
	for _, check := range []func() error{c.Dataset.validate, c.Dataset.validateClassSources, c.Dataset.validateCUB, c.validatePretrain, c.Train.validate, c.Eval.validate, c.validateEvalDataset, c.validateModel} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (d DatasetConfig) validate() error {
	switch {
	case d.Source.Attributes() && d.Path == "":
		return bad("dataset.path", "source %q needs the labels file", d.Source)
	case (d.Source == SeedCSV || d.Source == StreetStyle || d.Source == CUB) && len(d.Groups) == 0:
		return bad("dataset.groups", "source %q needs at least one [[dataset.groups]] table", d.Source)
	case d.Source.OneGroup() && len(d.Groups) > 1:
		return bad("dataset.groups", "source %q has one attribute group (its classes); declare at most one", d.Source)
	case d.Depth != 1 && d.Depth != 2:
		return bad("dataset.depth", "%d: want 1 (root/class/image) or 2 (root/a/b/image)", d.Depth)
	case d.Split == ImageSplit && (d.TrainClasses != nil || d.ValClasses != nil || d.TestClasses != nil):
		return bad("dataset.train_classes", "class lists split by class: set split = \"class\"")
	case d.Split == ClassSplit && len(d.Groups) > 1 && (d.TrainClasses != nil || d.ValClasses != nil || d.TestClasses != nil):
		return bad("dataset.train_classes", "with several groups, each [[dataset.groups]] table gives its own train_classes, val_classes and test_classes")
	case !d.Source.Attributes() && len(d.Groups) > 0:
		return bad("dataset.groups", "Fashion-MNIST has one label per image; groups are for the other sources")
	case d.TestFraction <= 0 || d.ValFraction+d.TestFraction >= 1:
		return bad("dataset.test_fraction", "%g: must be > 0, with val_fraction + test_fraction < 1", d.TestFraction)
	case d.Channels != 1 && d.Channels != 3:
		return bad("dataset.channels", "%d: want 1 (grey) or 3 (RGB)", d.Channels)
	case d.Height < 1 || d.Width < 1:
		return bad("dataset.height", "%d×%d: must be positive", d.Height, d.Width)
	case d.MaxPixels < 1:
		return bad("dataset.max_pixels", "%d: must be at least 1 (width × height of the largest image read)", d.MaxPixels)
	case d.ValFraction < 0 || d.ValFraction >= 1:
		return bad("dataset.val_fraction", "%g: must be in [0, 1)", d.ValFraction)
	case d.Normalize == NormalizeGiven && (len(d.Mean) == 0 || len(d.Mean) != len(d.Std)):
		return bad("dataset.mean", "normalize = \"given\" needs mean and std with one value per channel")
	case d.ClassSplit.Set() && d.Split != ClassSplit:
		return bad("dataset.class_split", "a split of the classes needs split = \"class\"")
	case d.ClassSplit.Fractions != nil && !validFractions(d.ClassSplit.Fractions):
		return bad("dataset.class_split", "%v: want three fractions (train, val, test) of at least 0 that sum to 1, train and test above 0", d.ClassSplit.Fractions)
	case d.RotationClasses && d.Split != ClassSplit:
		return bad("dataset.rotation_classes", "rotations as new classes need split = \"class\" (the test classes must be unseen)")
	case d.RotateDeg < 0 || d.RotateDeg > 180:
		return bad("dataset.rotate_degrees", "%g: must be in [0, 180]", d.RotateDeg)
	}
	for _, g := range slices.Sorted(maps.Keys(d.LabelFraction)) {
		if f := d.LabelFraction[g]; !(f > 0 && f <= 1) {
			return bad("dataset.label_fraction", "%s = %g: must be in (0, 1]", g, f)
		}
	}
	return nil
}

// validateClassSources checks where the class split comes from: the source's own files
// (miniimagenet), or class lists given inline or in files, one of each role.
func (d DatasetConfig) validateClassSources() error {
	files := []struct {
		key, path string
		list      datasets.ClassPatterns
	}{{"train_classes", d.TrainClassesFile, d.TrainClasses}, {"val_classes", d.ValClassesFile, d.ValClasses}, {"test_classes", d.TestClassesFile, d.TestClasses}}
	for _, f := range files {
		switch {
		case f.path == "":
		case f.list != nil:
			return bad("dataset."+f.key+"_file", "%s and %s_file both give the %s; keep one", f.key, f.key, f.key)
		case d.Split != ClassSplit:
			return bad("dataset."+f.key+"_file", "class lists split by class: set split = \"class\"")
		case len(d.Groups) > 1:
			return bad("dataset."+f.key+"_file", "with several groups, each [[dataset.groups]] table gives its own train_classes, val_classes and test_classes")
		case d.ClassSplit.Set():
			return bad("dataset."+f.key+"_file", "class_split draws the class lists; leave out either")
		}
	}
	if !d.Source.OwnSplit() {
		return nil
	}
	if d.Split != ClassSplit {
		return bad("dataset.split", "source %q is split by class (its files give the split); leave split out or set it to \"class\"", d.Source)
	}
	if d.Source != MiniImageNet {
		return nil
	}
	for _, f := range files {
		if f.path != "" || f.list != nil {
			key := map[bool]string{true: f.key + "_file", false: f.key}[f.path != ""]
			return bad("dataset."+key, "train.csv, val.csv and test.csv are miniimagenet's class split; give no class lists")
		}
	}
	if d.ClassSplit.Set() {
		return bad("dataset.class_split", "train.csv, val.csv and test.csv are miniimagenet's class split; draw none")
	}
	return nil
}

// validateCUB checks the settings of source = "cub" and the class_split named after it.
func (d DatasetConfig) validateCUB() error {
	named := d.ClassSplit.Named != "" && len(d.Groups) > 1
	for _, g := range d.Groups {
		if named && (g.TrainClasses != nil || g.ValClasses != nil || g.TestClasses != nil) {
			return bad("dataset.class_split", "%q splits the first group and the others follow it; group %q gives class lists", d.ClassSplit.Named, g.Name)
		}
	}
	switch {
	case d.Source != CUB && (d.Crop != NoCrop || d.CropMargin != 0):
		return bad("dataset.crop", "cropping to the data's bounding boxes is for source = \"cub\" (streetstyle crops to its boxes always)")
	case d.CropMargin < 0 || d.CropMargin > 1:
		return bad("dataset.crop_margin", "%g: want a fraction of the box in [0, 1]", d.CropMargin)
	case d.Certainty < 1 || d.Certainty > 4:
		return bad("dataset.attribute_certainty", "%d: want CUB's 1 (not visible), 2 (guessing), 3 (probably) or 4 (definitely)", d.Certainty)
	}
	return nil
}

// validFractions reports whether f is a class split's train, val and test fractions.
func validFractions(f []float64) bool {
	if len(f) != 3 || !(f[0] > 0 && f[1] >= 0 && f[2] > 0) {
		return false
	}
	return math.Abs(f[0]+f[1]+f[2]-1) < 1e-9
}

// validateEvalDataset checks [eval.dataset] as [dataset] is checked.
func (c Config) validateEvalDataset() error {
	d := c.Eval.Dataset
	if d == nil {
		return nil
	}
	for _, check := range []func() error{d.validate, d.validateClassSources, d.validateCUB} {
		if err := check(); err != nil {
			return inSection("eval", err)
		}
	}
	return nil
}

func (c Config) validatePretrain() error { return inSection("pretrain", c.Pretrain.Validate()) }

func (t TrainConfig) validate() error {
	if !(t.BackboneLR >= 0) || math.IsInf(t.BackboneLR, 0) {
		return bad("train.backbone_lr", "%g: must be ≥ 0 and finite (a multiple of train.lr; 0 freezes the backbone)", t.BackboneLR)
	}
	err := atLeast([]minimum{
		{"train.way", int64(t.Way), 2}, {"train.shot", int64(t.Shot), 1}, {"train.query", int64(t.Query), 1},
		{"train.episodes", t.Episodes, 1}, {"train.log_every", t.LogEvery, 1}, {"train.val_every", t.ValEvery, 1},
		{"train.val_episodes", int64(t.ValEpisodes), 1}, {"train.checkpoint_every", t.CheckpointEvery, 1},
		{"train.threads", int64(t.Threads), 0},
	})
	if err != nil {
		return err
	}
	return inSection("train", t.Optim.Validate())
}

func (e EvalConfig) validate() error {
	if e.Episodes < 600 {
		return bad("eval.episodes", "%d: use at least 600 test episodes for a 95%% interval worth reporting", e.Episodes)
	}
	return atLeast([]minimum{{"eval.way", int64(e.Way), 2}, {"eval.shot", int64(e.Shot), 1}, {"eval.query", int64(e.Query), 1}, {"eval.batch", int64(e.Batch), 1}})
}

// minimum is the smallest value a key takes.
type minimum struct {
	key      string
	value, n int64
}

// atLeast reports the first key below its minimum.
func atLeast(ms []minimum) error {
	for _, m := range ms {
		if m.value < m.n {
			return bad(m.key, "%d: must be ≥ %d", m.value, m.n)
		}
	}
	return nil
}

// validateModel checks the network's settings and how they fit the data.
func (c Config) validateModel() error {
	if err := inSection("backbone", c.Backbone.Validate()); err != nil {
		return err
	}
	if err := inSection("heads", c.Heads.Head.Validate()); err != nil {
		return err
	}
	if err := inSection("heads", c.Heads.Interaction.Validate()); err != nil {
		return err
	}
	h := c.Heads
	on := h.Interaction.Weight > 0
	switch {
	case h.Kind == arch.Centroid && !c.Pretrain.On() && c.Backbone.Init == "":
		return bad("heads.kind", "the centroid baseline compares pretrained features and trains nothing itself; give the run a [pretrain] stage (pretrain.epochs > 0) or a backbone.init")
	case h.Kind != arch.Relation && h.Kind != arch.Centroid && c.Loss.Kind != arch.CrossEntropy:
		return bad("heads.kind", "the %s baseline is trained with cross-entropy; set loss.kind = \"ce\"", h.Kind)
	case h.Kind != arch.Relation && h.Shared:
		return bad("heads.shared", "a shared head is a relation-head setting; the %s baseline has none to share", h.Kind)
	case h.Kind != arch.Relation && on:
		return bad("heads.interaction", "the interaction loss links relation heads; the %s baseline has none", h.Kind)
	case on && !c.Dataset.Source.Attributes():
		return bad("heads.interaction", "Fashion-MNIST has a single attribute group; the interaction loss links two or more")
	case on && c.Dataset.Split == ClassSplit:
		return bad("heads.interaction", "the interaction loss needs label co-occurrence of classes seen in training; with split = \"class\" the test classes are unseen, so set it to 0")
	}
	return nil
}

// Encode writes the resolved configuration as TOML.
func (c Config) Encode() ([]byte, error) {
	var b bytes.Buffer
	err := toml.NewEncoder(&b).Encode(c)
	return b.Bytes(), err
}

// SameRun reports whether a resolved configuration (config.toml, a checkpoint's header)
// describes the same run as c: every setting counts but those of execution (results root,
// threads, device, memory format, workers, prefetch, evaluation batch), which may change
// between a run and its resumption.
func (c Config) SameRun(text string) bool {
	prev, err := Parse("config.toml", []byte(text))
	return err == nil && prev.withoutExecution() == c.withoutExecution()
}

func (c Config) withoutExecution() string {
	c.Experiment.Results = ""
	if c.Dataset.ClassSplit.Fractions != nil { // the lists a run's config.toml records are drawn from it
		c = c.WithClassLists(make([][3]datasets.ClassPatterns, max(1, len(c.Dataset.Groups))))
	}
	c.Train.Threads, c.Train.Device, c.Train.MemoryFormat, c.Train.Workers, c.Train.Prefetch, c.Eval.Batch = 0, "", "", 0, 0, 0
	text, _ := c.Encode()
	return string(text)
}

// WithClassLists returns c with the class lists set, per group in group order the train, val
// and test lists: the dataset's own lists for a single group, else each group table's.
func (c Config) WithClassLists(lists [][3]datasets.ClassPatterns) Config {
	d := &c.Dataset
	if len(d.Groups) <= 1 {
		d.TrainClasses, d.ValClasses, d.TestClasses = lists[0][0], lists[0][1], lists[0][2]
		return c
	}
	d.Groups = slices.Clone(d.Groups)
	for g, l := range lists {
		d.Groups[g].TrainClasses, d.Groups[g].ValClasses, d.Groups[g].TestClasses = l[0], l[1], l[2]
	}
	return c
}

// SameModel reports whether a resolved configuration builds the same network as c, so that
// a checkpoint of one loads into the other even if, say, the evaluation settings differ.
func (c Config) SameModel(text string) bool {
	prev, err := Parse("checkpoint", []byte(text))
	return err == nil && prev.Backbone == c.Backbone && prev.Heads == c.Heads
}

// inSection puts a part's *FieldError, keyed within its table, under section.
func inSection(section string, err error) error {
	if fe, ok := errors.AsType[*FieldError](err); ok {
		return &FieldError{Key: section + "." + fe.Key, Msg: fe.Msg}
	}
	return err
}
