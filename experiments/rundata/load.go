package rundata

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/cache"
	"github.com/relnet/relnet/datasets/cub"
	"github.com/relnet/relnet/datasets/fashionmnist"
	"github.com/relnet/relnet/datasets/folder"
	"github.com/relnet/relnet/datasets/miniimagenet"
	"github.com/relnet/relnet/datasets/seedcsv"
	"github.com/relnet/relnet/datasets/streetstyle"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/internal/atomicfile"
)

// Decoded is a data set as read from its files, before any split: Fashion-MNIST's two files,
// or one multi-attribute set with its load report.
type Decoded struct {
	fashionTrain, fashionTest *datasets.Images
	Attrs                     *datasets.Attributes // multi-attribute sources
	Report                    *datasets.LoadReport // multi-attribute sources
}

// Loader decodes each data set once: runs that share a data configuration get the same
// decoded set from memory, and multi-attribute sets are also kept in a cache file under the
// results root (data-cache/), so that other processes (later runs, Slurm array tasks) read
// it instead of decoding every image again. A cache file is trusted only while the data
// configuration and every source file's size and modification time are unchanged; a stale
// or corrupt one is decoded anew and rewritten. A Loader is safe for concurrent use.
type Loader struct {
	Log io.Writer // where cache use and load times are reported; nil: nowhere

	mu   sync.Mutex
	sets map[string]*Decoded
}

// NewLoader returns a Loader that reports to log.
func NewLoader(log io.Writer) *Loader { return &Loader{Log: log} }

// CacheDir is the directory of the decoded-set cache files under a results root.
const CacheDir = "data-cache"

// dataKey is what a decoded set depends on: the dataset settings that reach the decoder.
type dataKey struct {
	Source     spec.Source
	Dir        string                `json:",omitempty"`
	Path       string                `json:",omitempty"`
	Images     string                `json:",omitempty"`
	Depth      int                   `json:",omitempty"`
	Groups     []datasets.GroupSpec  `json:",omitempty"`
	Channels   int                   `json:",omitempty"`
	Height     int                   `json:",omitempty"`
	Width      int                   `json:",omitempty"`
	BadLines   spec.BadLines         `json:",omitempty"`
	MaxPixels  int                   `json:",omitempty"`
	Undeclared spec.UndeclaredLabels `json:",omitempty"`
	Crop       spec.Crop             `json:",omitempty"`
	CropMargin float64               `json:",omitempty"`
	Certainty  int                   `json:",omitempty"`
}

func keyOf(d spec.DatasetConfig) dataKey {
	if !d.Source.Attributes() {
		return dataKey{Source: d.Source, Dir: FashionMNISTDir(d)}
	}
	groups := slices.Clone(d.Groups)
	for i := range groups { // a group's class split does not change what is decoded
		groups[i].TrainClasses, groups[i].ValClasses, groups[i].TestClasses = nil, nil, nil
	}
	k := dataKey{Source: d.Source, Path: d.Path, Images: d.Images, Groups: groups, Channels: d.Channels, Height: d.Height,
		Width: d.Width, BadLines: d.BadLines, MaxPixels: d.MaxPixels, Undeclared: d.Undeclared}
	switch d.Source {
	case spec.Folder:
		k.Depth, k.Images = d.Depth, ""
	case spec.MiniImageNet, spec.Omniglot:
		k.Images = ""
	case spec.CUB:
		k.Images, k.Crop, k.CropMargin, k.Certainty = "", d.Crop, d.CropMargin, d.Certainty
	}
	return k
}

func (k dataKey) String() string {
	text, _ := json.Marshal(k)
	return string(text)
}

// Load returns cfg's decoded data set.
func (l *Loader) Load(cfg spec.Config) (*Decoded, error) {
	key := keyOf(cfg.Dataset).String()
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := l.sets[key]; ok {
		return d, nil
	}
	start := time.Now()
	var d *Decoded
	var err error
	if cfg.Dataset.Source.Attributes() {
		d, err = l.loadAttributes(cfg, key)
	} else {
		d = &Decoded{}
		d.fashionTrain, d.fashionTest, err = fashionmnist.Load(FashionMNISTDir(cfg.Dataset))
	}
	if err != nil {
		return nil, err
	}
	l.logf("data: %s loaded in %.2f s\n", cfg.Dataset.Source, time.Since(start).Seconds())
	if r := d.Report; r != nil {
		l.logf("data: %s: %s\n", r.Source, r.Summary("; "))
		if len(r.Skipped) > 0 {
			l.logf("data: every skipped line and its reason: %s in each run directory\n", results.DataFile)
		}
	}
	if l.sets == nil {
		l.sets = map[string]*Decoded{}
	}
	l.sets[key] = d
	return d, nil
}

func (l *Loader) logf(format string, args ...any) {
	if l.Log != nil {
		fmt.Fprintf(l.Log, format, args...)
	}
}

// loadAttributes reads a multi-attribute set from its cache file when that is valid, else
// from its labels file and images, and then writes the cache.
func (l *Loader) loadAttributes(cfg spec.Config, key string) (*Decoded, error) {
	d := cfg.Dataset
	if d.Source == spec.Synthetic {
		var err error
		if d, err = synthesize(d, filepath.Join(cfg.Experiment.Results, "data")); err != nil {
			return nil, err
		}
		key = keyOf(d).String()
	}
	sum := sha256.Sum256([]byte(key))
	path := filepath.Join(cfg.Experiment.Results, CacheDir, hex.EncodeToString(sum[:12])+".bin")
	unlock, err := lockCache(path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cacheKey, err := cacheKeyOf(d, key)
	if err != nil {
		return nil, err
	}
	set, report, err := cache.Read(path, cacheKey)
	switch {
	case err == nil:
		l.logf("data: %d decoded images read from the cache %s\n", set.Len(), path)
		return &Decoded{Attrs: set, Report: report}, nil
	case !errors.Is(err, os.ErrNotExist):
		l.logf("data: decoding again, not using the cache: %v\n", err)
	}
	if set, report, err = readAttributes(d); err != nil {
		return nil, l.listBadLines(cfg, err)
	}
	if err := cache.Write(path, cacheKey, set, report); err != nil {
		l.logf("data: could not write the cache (the data is loaded all the same): %v\n", err)
	}
	return &Decoded{Attrs: set, Report: report}, nil
}

// lockCache takes the cache file's lock (an flock on path.lock), waiting while another
// process decodes the same set, so that runs started together (Slurm array tasks) decode it
// once and the others read the cache it writes.
func lockCache(path string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("data cache: %w", err)
	}
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("data cache: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("data cache: locking %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}

// cacheKeyOf is what a cached set of d must match: the data settings, the labels file and its
// images; for an image folder, every directory under its root, whose modification times
// change when an image is added or removed.
func cacheKeyOf(d spec.DatasetConfig, key string) (cache.Key, error) {
	switch d.Source {
	case spec.Folder, spec.Omniglot:
	case spec.MiniImageNet: // the split files there are; the images are the set's Files
		return existingFiles(key, d.Path, miniimagenet.SplitFiles[:]), nil
	case spec.CUB:
		return existingFiles(key, cub.Folder(d.Path), cub.TextFiles), nil
	default:
		return cache.Key{Config: key, Files: []string{d.Path}, ImageDir: imageDir(d)}, nil
	}
	k := cache.Key{Config: key, ImageDir: d.Path}
	err := filepath.WalkDir(d.Path, func(path string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() {
			k.Files = append(k.Files, path)
		}
		return err
	})
	if err != nil {
		return k, fmt.Errorf("dataset.path: %w", err)
	}
	return k, nil
}

// existingFiles is the cache key of a set whose Files are relative to dir, read from those of
// names (relative to dir) that exist.
func existingFiles(key, dir string, names []string) cache.Key {
	k := cache.Key{Config: key, ImageDir: dir}
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			k.Files = append(k.Files, filepath.Join(dir, name))
		}
	}
	return k
}

// BadLinesFile, in an experiment's directory, lists every bad line of a data set that
// failed to load (dataset.bad_lines = "error").
const BadLinesFile = "bad-lines.txt"

// listBadLines writes the full list of a *datasets.BadLinesError to the experiment's
// BadLinesFile and names it in the error; other errors pass through.
func (l *Loader) listBadLines(cfg spec.Config, err error) error {
	var bad *datasets.BadLinesError
	if !errors.As(err, &bad) {
		return err
	}
	var b strings.Builder
	for _, s := range bad.Lines {
		fmt.Fprintf(&b, "%s: %s\n", s.Where(bad.Source), s.Reason)
	}
	path := filepath.Join(cfg.ExperimentDir(), BadLinesFile)
	if werr := atomicfile.Write(path, []byte(b.String())); werr != nil {
		return fmt.Errorf("%w\n(the full list could not be written: %v)", err, werr)
	}
	return fmt.Errorf("%w\nthe full list of %d is in %s", err, len(bad.Lines), path)
}

// OmniglotParts are the folders of source = "omniglot" under dataset.path, as Omniglot's
// official archives unpack: the background alphabets (training) and the evaluation alphabets
// (test).
var OmniglotParts = [2]string{"images_background", "images_evaluation"}

// readAttributes decodes the multi-attribute source d names (seed-notebook CSV, StreetStyle
// manifest, image folder, miniImageNet, Omniglot or CUB-200-2011) and its images to the configured size.
func readAttributes(d spec.DatasetConfig) (*datasets.Attributes, *datasets.LoadReport, error) {
	shape := datasets.ImageShape{Channels: d.Channels, Height: d.Height, Width: d.Width}
	opts := datasets.LoadOptions{Workers: runtime.NumCPU(), SkipBadLines: d.BadLines == spec.BadLinesSkip,
		StrictLabels: d.Undeclared == spec.RejectUndeclared, MaxPixels: d.MaxPixels}
	var g datasets.GroupSpec // of a source with one group
	if len(d.Groups) > 0 {
		g = d.Groups[0]
	}
	switch d.Source {
	case spec.StreetStyle:
		return streetstyle.Read(d.Path, imageDir(d), d.Groups, shape, opts)
	case spec.Folder:
		return folder.Read(d.Path, d.Depth, g, shape, opts)
	case spec.MiniImageNet:
		return miniimagenet.Read(d.Path, g, shape, opts)
	case spec.Omniglot:
		return folder.ReadParts(d.Path, OmniglotParts[:], 2, g, shape, opts)
	case spec.CUB:
		return cub.Read(d.Path, d.Groups, cub.Options{Crop: d.Crop == spec.BoxCrop, Margin: d.CropMargin, Certainty: d.Certainty}, shape, opts)
	}
	return seedcsv.Read(d.Path, imageDir(d), d.Groups, shape, opts)
}

// imageDir is dataset.images, by default the labels file's directory.
func imageDir(d spec.DatasetConfig) string {
	if d.Images != "" {
		return d.Images
	}
	return filepath.Dir(d.Path)
}

// FashionMNISTDir resolves dataset.dir.
func FashionMNISTDir(d spec.DatasetConfig) string {
	if d.Dir != "" {
		return d.Dir
	}
	if env := os.Getenv("FASHION_MNIST_DIR"); env != "" {
		return env
	}
	return "/usr/share/datasets/fashion-mnist"
}

// Inspect writes the data report of cfg's multi-attribute dataset to w: images per group and
// value (with split = "class", each class's role and the classes and images per role),
// unlabelled counts, skipped lines with reasons, and the co-occurrence of groups g1
// and g2 when both are named. How the set was loaded (decoded or from the cache, and how long
// it took) goes to log.
func Inspect(cfg spec.Config, g1, g2 string, w, log io.Writer) error {
	d, err := NewLoader(log).Load(cfg)
	if err != nil {
		return err
	}
	set, ds := d.Attrs, cfg.Dataset
	if !ds.Source.Attributes() {
		if set, err = fashionAsAttributes(d); err != nil {
			return err
		}
		ds = withFashionClassLists(ds)
	}
	roles, err := ClassRoles(ds, set)
	if err != nil {
		return err
	}
	return datasets.WriteInspection(w, set, d.Report, roles, g1, g2)
}

// fashionAsAttributes is Fashion-MNIST's training and test files as one set of one group,
// class: the images a class split draws from.
func fashionAsAttributes(d *Decoded) (*datasets.Attributes, error) {
	all, err := datasets.Concat("fashion-mnist", d.fashionTrain, d.fashionTest)
	if err != nil {
		return nil, err
	}
	return &datasets.Attributes{Name: all.Name, Channels: all.Channels, Height: all.Height, Width: all.Width, Pixels: all.Pixels,
		Files: make([]string, all.Len()), Groups: []datasets.Group{{Name: "class", Values: all.ClassNames, Labels: all.Labels}}}, nil
}
