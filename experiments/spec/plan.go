package spec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/relnet/relnet/datasets"
)

// An experiment file is a base configuration plus variations: [[variant]] tables that set any
// keys of the base (dotted keys, e.g. heads.shared = true) and an optional [grid] whose lists
// expand into their cross product. It describes variants × grid points × experiment.seeds runs.

// planFile is an experiment file as decoded: the base configuration and its variations.
type planFile struct {
	Config
	Variants []map[string]any `toml:"variant"`
	Grid     map[string]any   `toml:"grid"`
}

// setting is one key a variant or a grid point sets, with the line that sets it.
type setting struct {
	key   string // dotted, e.g. "train.shot"
	value any
	line  int
}

// variant is one [[variant]] table.
type variant struct {
	name     string
	baseline bool
	sets     []setting
}

// LoadPlan reads an experiment file and expands it into the resolved configuration of every
// run, in a fixed order (variants, then grid points, then seeds).
func LoadPlan(path string) ([]Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return ParsePlan(path, data)
}

// ParsePlan is LoadPlan on bytes already read; path names them in errors.
func ParsePlan(path string, data []byte) ([]Config, error) {
	decodeBase := func() (planFile, error) {
		pf := planFile{Config: Default()}
		if err := DecodeTOML(path, data, &pf, "variant", "grid"); err != nil || pf.Eval.Dataset == nil {
			return pf, err
		}
		pf = planFile{Config: Default()} // again, [eval.dataset] from [dataset]'s defaults
		pf.Eval.Dataset = DefaultDataset()
		return pf, DecodeTOML(path, data, &pf, "variant", "grid")
	}
	pf, err := decodeBase()
	if err != nil {
		return nil, err
	}
	variants, err := readVariants(path, data, pf)
	if err != nil {
		return nil, err
	}
	points, err := readGrid(path, data, pf.Grid)
	if err != nil {
		return nil, err
	}
	seeds := pf.Experiment.Seeds
	if len(seeds) == 0 {
		seeds = []uint64{pf.Train.Seed}
	}
	var runs []Config
	seen := map[string]bool{}
	for _, v := range variants {
		for _, point := range points {
			for _, seed := range seeds {
				// A fresh decode per run: decoding over a copy would share its slices.
				pf, _ := decodeBase()
				cfg := pf.Config
				sets := slices.Concat(v.sets, point)
				for _, s := range sets {
					if err := setKey(&cfg, s); err != nil {
						fe := err.(*FieldError)
						fe.File, fe.Line = path, s.line
						return nil, fe
					}
				}
				cfg.Experiment.Variant, cfg.Experiment.Baseline = v.name, v.baseline
				if len(point) > 0 {
					cfg.Experiment.Point = pointLabel(point)
				}
				cfg.Experiment.Seeds = []uint64{seed}
				cfg.Train.Seed = seed
				cfg.Experiment.Run = runName(cfg.Experiment.Label(), seed)
				if seen[cfg.Experiment.Run] {
					return nil, &FieldError{File: path, Key: "variant.name", Msg: fmt.Sprintf("two runs are named %q; give the variants distinct names and experiment.seeds distinct values", cfg.Experiment.Run)}
				}
				seen[cfg.Experiment.Run] = true
				if err := resolve(path, data, &cfg, sets); err != nil {
					return nil, err
				}
				runs = append(runs, cfg)
			}
		}
	}
	return runs, nil
}

// readVariants reads the [[variant]] tables; a file without any has one variant, the base.
func readVariants(path string, data []byte, pf planFile) ([]variant, error) {
	if len(pf.Variants) == 0 {
		name := pf.Experiment.Variant
		if name == "" && len(pf.Grid) == 0 && pf.Experiment.Point == "" {
			name = "base" // with a grid, its points name the runs
		}
		return []variant{{name: name, baseline: pf.Experiment.Baseline}}, nil
	}
	var out []variant
	names := map[string]bool{}
	for i, m := range pf.Variants {
		header := keyLine(data, "variant", i)
		v := variant{}
		name, ok := m["name"].(string)
		if !ok || name == "" || strings.ContainsAny(name, "/\\") {
			return nil, &FieldError{File: path, Line: header, Key: "variant.name", Msg: fmt.Sprintf("variant %d needs name = \"...\" (a string without slashes; it names the run's directory and its row in reports)", i+1)}
		}
		if names[name] {
			return nil, &FieldError{File: path, Line: header, Key: "variant.name", Msg: fmt.Sprintf("%q is used twice", name)}
		}
		names[name], v.name = true, name
		if b, ok := m["baseline"]; ok {
			if v.baseline, ok = b.(bool); !ok {
				return nil, &FieldError{File: path, Line: keyLine(data, "variant.baseline", i), Key: "variant.baseline", Msg: "want true or false"}
			}
		}
		for _, s := range flatten("", m) {
			if s.key == "name" || s.key == "baseline" {
				continue
			}
			s.line = keyLine(data, "variant."+s.key, i)
			if strings.HasPrefix(s.key, "experiment.") {
				return nil, &FieldError{File: path, Line: s.line, Key: "variant." + s.key, Msg: fmt.Sprintf("variant %q sets it; the [experiment] table is the same for every run", name)}
			}
			v.sets = append(v.sets, s)
		}
		out = append(out, v)
	}
	if n := len(slices.DeleteFunc(slices.Clone(out), func(v variant) bool { return !v.baseline })); n > 1 {
		return nil, &FieldError{File: path, Key: "variant.baseline", Msg: fmt.Sprintf("%d variants are marked baseline = true; mark one", n)}
	}
	return out, nil
}

// readGrid expands [grid] into its points (the cross product of its lists, keys in sorted
// order); without a grid there is one empty point.
func readGrid(path string, data []byte, grid map[string]any) ([][]setting, error) {
	points := [][]setting{nil}
	for _, s := range flatten("", grid) {
		s.line = keyLine(data, "grid."+s.key, -1)
		values, ok := s.value.([]any)
		if !ok || len(values) == 0 {
			return nil, &FieldError{File: path, Line: s.line, Key: "grid." + s.key, Msg: "want a non-empty list of values to try"}
		}
		if strings.HasPrefix(s.key, "experiment.") {
			return nil, &FieldError{File: path, Line: s.line, Key: "grid." + s.key, Msg: "the [experiment] table is the same for every run"}
		}
		var next [][]setting
		for _, p := range points {
			for _, v := range values {
				next = append(next, append(slices.Clone(p), setting{key: s.key, value: v, line: s.line}))
			}
		}
		points = next
	}
	return points, nil
}

// flatten lists the leaves of a decoded TOML table as dotted keys, sorted.
func flatten(prefix string, m map[string]any) []setting {
	var out []setting
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			out = append(out, flatten(key, sub)...)
			continue
		}
		out = append(out, setting{key: key, value: v})
	}
	slices.SortFunc(out, func(a, b setting) int { return strings.Compare(a.key, b.key) })
	return out
}

// pointLabel names a grid point: string values as they are, others by their key's last
// part, e.g. "resnet12 shot=5".
func pointLabel(point []setting) string {
	parts := make([]string, len(point))
	for i, s := range point {
		if v, ok := s.value.(string); ok {
			parts[i] = v
			continue
		}
		parts[i] = fmt.Sprintf("%s=%v", s.key[strings.LastIndex(s.key, ".")+1:], s.value)
	}
	return strings.Join(parts, " ")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// runName is a run's directory name: its label and seed, e.g. "multihead-shot5-seed1".
func runName(label string, seed uint64) string {
	name := unsafeName.ReplaceAllString(strings.ReplaceAll(label, "=", ""), "-")
	return fmt.Sprintf("%s-seed%d", name, seed)
}

// setKey decodes one dotted key's value over cfg, with the decoder's type checks.
func setKey(cfg *Config, s setting) error {
	if strings.HasPrefix(s.key, "eval.dataset.") && cfg.Eval.Dataset == nil {
		cfg.Eval.Dataset = DefaultDataset()
	}
	doc := map[string]any{}
	table := doc
	parts := strings.Split(s.key, ".")
	for _, p := range parts[:len(parts)-1] {
		sub := map[string]any{}
		table[p] = sub
		table = sub
	}
	table[parts[len(parts)-1]] = s.value
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(doc); err != nil {
		return &FieldError{Key: s.key, Msg: err.Error()}
	}
	md, err := toml.NewDecoder(&buf).Decode(cfg)
	if err != nil {
		fe := &FieldError{Key: s.key, Msg: err.Error()}
		var perr toml.ParseError
		if msg, wrong := wrongType(cfg, s); wrong {
			fe.Msg = msg
		} else if errors.As(err, &perr) {
			fe.Msg = perr.Message
		}
		return fe
	}
	if len(md.Undecoded()) > 0 {
		return &FieldError{Key: s.key, Msg: "unknown key (see docs/configuration.md)"}
	}
	return nil
}

// resolve fills the defaults that depend on other keys and validates cfg; an invalid value
// is reported at the line that set it (a variant's or the grid's, else the base's).
func resolve(path string, data []byte, cfg *Config, sets []setting) error {
	if cfg.Experiment.Name == "" {
		cfg.Experiment.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if f := &cfg.Backbone.Init; *f != "" && !filepath.IsAbs(*f) {
		*f = filepath.Join(filepath.Dir(path), *f)
	}
	resolveDataset(path, data, &cfg.Dataset, "dataset", sets)
	if cfg.Eval.Dataset != nil {
		resolveDataset(path, data, cfg.Eval.Dataset, "eval.dataset", sets)
	}
	if cfg.Eval.Way == 0 {
		cfg.Eval.Way = cfg.Train.Way
	}
	if cfg.Eval.Shot == 0 {
		cfg.Eval.Shot = cfg.Train.Shot
	}
	err := cfg.Validate()
	if err == nil {
		return nil
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		return fmt.Errorf("%s: %w", path, err)
	}
	fe.File, fe.Line = path, keyLine(data, fe.Key, -1)
	for _, s := range sets { // a set key is the error's, or one entry of it (a table's key)
		if s.key == fe.Key || strings.HasPrefix(s.key, fe.Key+".") {
			fe.Line = s.line
		}
	}
	if len(sets) > 0 {
		fe.Run = cfg.Experiment.Run
	}
	return fe
}

// resolveDataset resolves a data set table, [dataset] or [eval.dataset] (key): its paths
// relative to the file, the class split a source's own files give, the groups its attributes
// name.
func resolveDataset(path string, data []byte, d *DatasetConfig, key string, sets []setting) {
	for _, f := range []*string{&d.Path, &d.Images, &d.TrainClassesFile, &d.ValClassesFile, &d.TestClassesFile} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(filepath.Dir(path), *f)
		}
	}
	if d.Source.OwnSplit() && findKeyLine(data, key+".split", -1) == 0 && !slices.ContainsFunc(sets, func(s setting) bool { return s.key == key+".split" }) {
		d.Split = ClassSplit // the source's files are its class split
	}
	for _, name := range d.Attributes {
		d.Groups = append(d.Groups, datasets.GroupSpec{Name: name})
	}
	d.Attributes = nil
}

// keyLine finds the line of TOML text that sets a dotted key (through a [table] header and a
// key, or a dotted key), or else the line of the header that opens it, or of its closest
// parent. With nth ≥ 0, only element nth of the array of tables the key starts with (e.g.
// the third [[variant]]) is searched. 0 if nothing matches.
func keyLine(data []byte, key string, nth int) int {
	for ; key != ""; key = key[:max(strings.LastIndex(key, "."), 0)] {
		if line := findKeyLine(data, key, nth); line > 0 {
			return line
		}
	}
	return 0
}

func findKeyLine(data []byte, key string, nth int) int {
	array, _, _ := strings.Cut(key, ".")
	current, elements := "", 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(strings.TrimSpace(sc.Text()), "#")
		text = strings.TrimSpace(text)
		inElement := nth < 0 || elements-1 == nth
		if strings.HasPrefix(text, "[") {
			current = normalKey(strings.Trim(text, "[] \t"))
			if strings.HasPrefix(text, "[[") && current == array {
				elements++
				inElement = nth < 0 || elements-1 == nth
			}
			if current == key && inElement {
				return line
			}
			continue
		}
		lhs, _, ok := strings.Cut(text, "=")
		if !ok || !inElement {
			continue
		}
		full := normalKey(lhs)
		if current != "" {
			full = current + "." + full
		}
		if full == key {
			return line
		}
	}
	return 0
}

// normalKey writes a TOML key without quotes or spaces around its dots.
func normalKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// Shard selects the runs with index ≡ Index (mod Count), so that Count machines (a Slurm job
// array, a Kubernetes Indexed Job) split one experiment between them. The zero Shard is all
// runs.
type Shard struct{ Index, Count int }

// ParseShard reads "i/n" with 0 ≤ i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: want i/n with 0 ≤ i < n, e.g. 0/4 (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)", s)
	}
	return Shard{i, n}, nil
}

// Runs returns the runs of this shard, in plan order.
func (s Shard) Runs(runs []Config) []Config {
	var out []Config
	for i, r := range runs {
		if s.Count == 0 || i%s.Count == s.Index {
			out = append(out, r)
		}
	}
	return out
}
