package docs_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// module is relnet's module path.
const module = "github.com/relnet/relnet/"

// layers ranks every package, lowest first, as docs/design.md draws them: a package imports
// only packages of lower layers, never one of its own layer or above. A new package must be
// placed here (and in the design doc) before its test passes.
var layers = [][]string{
	{"internal/atomicfile", "internal/cpu", "internal/procstat", "internal/progress", "arch", "synth/glyphs"},
	{"tensors", "datasets"},
	{"layers", "datasets/cache", "datasets/fashionmnist", "datasets/folder", "datasets/miniimagenet", "datasets/cub", "datasets/seedcsv", "datasets/streetstyle",
		"datasets/replica",
		"datasets/sampling", "datasets/internal/imagetest"},
	{"backbone", "heads", "losses", "synth"},
	{"model"},
	{"model/checkpoint"},
	{"experiments/spec", "experiments/results", "experiments/report/figure"},
	{"experiments/build", "experiments/report", "experiments/rundata", "export"},
	{"experiments/runner", "experiments/serve", "predict"},
	{"bench"},
	{"cmd/relnet"},
}

// testOnly are the packages with no code but tests: they need no place and no comment.
var testOnly = []string{"docs", "experiments", "scripts"}

// listed is what `go list` says of every package of the module: its import path (without the
// module prefix), its package comment, and the module's packages it imports.
type listed struct {
	path, doc string
	imports   []string
}

func listPackages(t *testing.T) []listed {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Doc}}\t{{join .Imports \" \"}}", "./...")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var pkgs []listed
	for line := range strings.Lines(strings.TrimSpace(string(out))) {
		fields := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		p := listed{path: strings.TrimPrefix(fields[0], module), doc: fields[1]}
		for imp := range strings.FieldsSeq(fields[2]) {
			if rel, ok := strings.CutPrefix(imp, module); ok {
				p.imports = append(p.imports, rel)
			}
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found only %d packages:\n%s", len(pkgs), out)
	}
	return pkgs
}

// TestEveryPackageHasItsComment fails when a package of the module has no package comment
// saying what it owns (`go list`'s .Doc, its first sentence).
func TestEveryPackageHasItsComment(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.doc == "" && !slices.Contains(testOnly, p.path) {
			t.Errorf("package %s has no package comment: say what it owns in a doc.go or above its package clause", p.path)
		}
	}
}

// TestImportsPointDown fails when a package imports one of its own layer or a higher one,
// or is missing from the layers of this test and docs/design.md.
func TestImportsPointDown(t *testing.T) {
	rank := map[string]int{}
	for i, layer := range layers {
		for _, p := range layer {
			rank[p] = i
		}
	}
	for _, p := range listPackages(t) {
		own, ok := rank[p.path]
		if !ok {
			if !slices.Contains(testOnly, p.path) {
				t.Errorf("package %s has no layer: place it in docs/packages_test.go's layers and in docs/design.md", p.path)
			}
			continue
		}
		for _, imp := range p.imports {
			if r, ok := rank[imp]; ok && r >= own {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports point down only", p.path, own, imp, r)
			}
		}
	}
}
