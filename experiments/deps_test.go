// Package experiments_test holds the checks that span the experiment packages.
package experiments_test

import (
	"os/exec"
	"strings"
	"testing"
)

// libtorchDeps lists the packages pkg depends on (itself included) that are gotch or use cgo,
// outside the standard library.
func libtorchDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}} {{len .CgoFiles}}{{end}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	var found []string
	for _, line := range strings.Fields(strings.ReplaceAll(string(out), " ", "|")) {
		dep, cgoFiles, _ := strings.Cut(line, "|")
		if strings.Contains(dep, "sugarme/gotch") || cgoFiles != "0" {
			found = append(found, dep)
		}
	}
	return found
}

// TestPureGoPackagesLinkNoLibtorch fails when a package that reads experiment files, writes
// results or draws reports gains a dependency on gotch or on cgo: `relnet config`, `relnet
// report`, the fuzzers and the report tests must build and run without libtorch.
func TestPureGoPackagesLinkNoLibtorch(t *testing.T) {
	// The check itself: the runner does link libtorch, through gotch and relnet's shim.
	if deps := libtorchDeps(t, "github.com/relnet/relnet/experiments/runner"); len(deps) == 0 {
		t.Fatal("no gotch or cgo found below experiments/runner: the check cannot see them")
	}
	for _, pkg := range []string{
		"github.com/relnet/relnet/experiments/spec",
		"github.com/relnet/relnet/experiments/results",
		"github.com/relnet/relnet/experiments/report",
		"github.com/relnet/relnet/experiments/report/figure",
		"github.com/relnet/relnet/experiments/serve",
		"github.com/relnet/relnet/experiments/rundata",
		"github.com/relnet/relnet/arch",
		"github.com/relnet/relnet/datasets",
		"github.com/relnet/relnet/datasets/cache",
		"github.com/relnet/relnet/datasets/fashionmnist",
		"github.com/relnet/relnet/datasets/folder",
		"github.com/relnet/relnet/datasets/miniimagenet",
		"github.com/relnet/relnet/datasets/cub",
		"github.com/relnet/relnet/datasets/replica",
		"github.com/relnet/relnet/datasets/internal/imagetest",
		"github.com/relnet/relnet/datasets/sampling",
		"github.com/relnet/relnet/datasets/seedcsv",
		"github.com/relnet/relnet/datasets/streetstyle",
		"github.com/relnet/relnet/synth",
		"github.com/relnet/relnet/synth/glyphs",
	} {
		if deps := libtorchDeps(t, pkg); len(deps) > 0 {
			t.Errorf("%s depends on %s: keep gotch and cgo below experiments/runner", pkg, strings.Join(deps, ", "))
		}
	}
}
