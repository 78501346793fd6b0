package rundata

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/synth"
)

// synthesize generates the synthetic set that the synth TOML file d.Path describes into
// dataRoot/<name>/, unless an identical set is already there, and returns d pointing at its
// labels file and images (with the generator's three groups unless d declares groups).
func synthesize(d spec.DatasetConfig, dataRoot string) (spec.DatasetConfig, error) {
	path := d.Path
	text, err := os.ReadFile(path)
	if err != nil {
		return d, fmt.Errorf("dataset.path: %w", err)
	}
	var sc synth.Config
	if err := spec.DecodeTOML(path, text, &sc); err != nil {
		return d, err
	}
	if err := sc.Validate(); err != nil {
		return d, fmt.Errorf("%s: %w", path, err)
	}
	out := filepath.Join(dataRoot, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	d.Path, d.Images = filepath.Join(out, synth.LabelsFile), filepath.Join(out, synth.ImagesDir)
	if len(d.Groups) == 0 {
		d.Groups = []datasets.GroupSpec{{Name: synth.GroupCategory}, {Name: synth.GroupColor}, {Name: synth.GroupPattern}}
	}
	if generated(out, sc) {
		return d, nil
	}
	if err := os.MkdirAll(dataRoot, 0o755); err != nil {
		return d, fmt.Errorf("synthetic data: %w", err)
	}
	// Generate beside the target and rename into place, so that runs sharing a results
	// directory (shards of one experiment) never read a half-written set.
	tmp, err := os.MkdirTemp(dataRoot, ".synth-*")
	if err != nil {
		return d, fmt.Errorf("synthetic data: %w", err)
	}
	defer os.RemoveAll(tmp)
	if _, err := synth.Generate(sc, FashionMNISTDir(d), tmp, 0); err != nil {
		return d, err
	}
	if generated(out, sc) { // another run sharing the directory was quicker
		return d, nil
	}
	if err := os.RemoveAll(out); err != nil {
		return d, err
	}
	if err := os.Rename(tmp, out); err != nil && !errors.Is(err, fs.ErrExist) && !errors.Is(err, syscall.ENOTEMPTY) {
		return d, fmt.Errorf("synthetic data: %w", err)
	}
	return d, nil
}

// generated reports whether dir holds the complete set sc describes.
func generated(dir string, sc synth.Config) bool {
	prev, err := os.ReadFile(filepath.Join(dir, synth.ConfigFile))
	if err != nil {
		return false
	}
	var existing synth.Config
	if spec.DecodeTOML(dir, prev, &existing) != nil || !reflect.DeepEqual(existing, sc.WithDefaults()) {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, synth.LabelsFile))
	return err == nil
}
