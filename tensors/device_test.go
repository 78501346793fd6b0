package tensors

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestConstructorsMakeTensorsOnTheDevice makes a float and an int64 tensor with the device set
// to "meta" (shapes without data, so their values cannot be read), then on the CPU again.
func TestConstructorsMakeTensorsOnTheDevice(t *testing.T) {
	err := Run(func() error {
		if err := Setup(Options{Threads: 1, Device: "meta"}); err != nil {
			return err
		}
		var s Scope
		defer s.Drop()
		for name, x := range map[string]func(){
			"Float32": func() { Values(s.Float32([]float32{1, 2}, 2)) },
			"Int64":   func() { Values(s.Int64([]int64{1, 2}, 2)) },
		} {
			if readable(x) {
				t.Errorf("%s with the device set to meta made a tensor whose values can be read", name)
			}
		}
		if got := CurrentDevice(); got != "meta" {
			t.Errorf("CurrentDevice() = %q after Setup to meta", got)
		}
		if err := Setup(Options{Threads: 1}); err != nil {
			return err
		}
		if !readable(func() { Values(s.Float32([]float32{1, 2}, 2)) }) {
			t.Error("back on the CPU, Float32 made a tensor whose values cannot be read")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readable(read func()) (ok bool) {
	defer func() { ok = recover() == nil }()
	read()
	return true
}

func TestSetupRejectsAnUnknownDevice(t *testing.T) {
	err := Run(func() error { return Setup(Options{Device: "tpu"}) })
	if err == nil || !strings.Contains(err.Error(), `"tpu"`) {
		t.Errorf("Setup with device tpu: %v", err)
	}
	if err := Run(func() error { return Setup(Options{Device: "auto"}) }); err != nil {
		t.Errorf("Setup with device auto: %v", err)
	}
}

// TestTensorsAreMadeOnlyOnTheDevice fails when code outside this package creates a tensor
// with one of gotch's constructors (package-level functions of gotch/ts that return a tensor
// and take none, such as ts.Zeros or ts.OfSlice) or names a device (a gotch/ts function or
// method with a gotch.Device parameter, such as To, or gotch.CPU): such a tensor would stay
// on the CPU when train.device is "cuda". Tensors are made by Scope.Float32, Scope.Int64 and
// FromFloat32, on Setup's device.
func TestTensorsAreMadeOnlyOnTheDevice(t *testing.T) {
	banned := gotchDeviceAPI(t)
	if len(banned) < 50 || !banned["ts.Zeros"] || !banned["ts.OfSlice"] || !banned[".To"] || !banned["gotch.CPU"] {
		t.Fatalf("found %d device-naming names in gotch (%v...): the scan cannot see gotch's API", len(banned), sample(banned))
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "results") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == filepath.Join(root, "tensors") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		gotchNames := map[string]string{} // local import name → "ts" or "gotch"
		for _, imp := range file.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			short := map[string]string{"github.com/sugarme/gotch/ts": "ts", "github.com/sugarme/gotch": "gotch"}[p]
			if short == "" {
				continue
			}
			local := short
			if imp.Name != nil {
				local = imp.Name.Name
			}
			gotchNames[local] = short
		}
		if len(gotchNames) == 0 {
			return nil
		}
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			name := "." + sel.Sel.Name // a method
			if id, ok := sel.X.(*ast.Ident); ok && gotchNames[id.Name] != "" {
				name = gotchNames[id.Name] + "." + sel.Sel.Name
			}
			if banned[name] {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d: %s makes or moves a tensor off the configured device; use tensors.Scope.Float32, Int64 or FromFloat32",
					rel, fset.Position(sel.Pos()).Line, strings.TrimPrefix(name, "."))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// gotchDeviceAPI lists gotch's names that make a tensor from nothing or name a device:
// "ts.F" for package-level constructors and functions with a device parameter, ".M" for
// methods with a device parameter, "gotch.X" for device values and constructors.
func gotchDeviceAPI(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/sugarme/gotch/ts").Output()
	if err != nil {
		t.Fatalf("go list gotch/ts: %v", err)
	}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, strings.TrimSpace(string(out)), func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	banned := map[string]bool{"gotch.CPU": true, "gotch.CudaIfAvailable": true, "gotch.NewCuda": true, "gotch.CudaBuilder": true}
	mentions := func(fields *ast.FieldList, types ...string) bool {
		if fields == nil {
			return false
		}
		for _, f := range fields.List {
			for _, typ := range types {
				if typeString(f.Type) == typ {
					return true
				}
			}
		}
		return false
	}
	for _, file := range pkgs["ts"].Files {
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || !fn.Name.IsExported() {
				continue
			}
			device := mentions(fn.Type.Params, "gotch.Device")
			switch {
			case fn.Recv != nil && device:
				banned["."+fn.Name.Name] = true
			case fn.Recv == nil && (device || !mentions(fn.Type.Params, "*Tensor", "[]*Tensor", "...*Tensor") && mentions(fn.Type.Results, "*Tensor")):
				banned["ts."+fn.Name.Name] = true
			}
		}
	}
	return banned
}

func typeString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + typeString(e.X)
	case *ast.ArrayType:
		return "[]" + typeString(e.Elt)
	case *ast.Ellipsis:
		return "..." + typeString(e.Elt)
	case *ast.SelectorExpr:
		return typeString(e.X) + "." + e.Sel.Name
	}
	return "?"
}

func sample(m map[string]bool) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[:min(len(keys), 5)]
}
