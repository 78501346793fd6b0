package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

var relnetBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "relnet-cli")
	if err != nil {
		panic(err)
	}
	relnetBin = filepath.Join(dir, "relnet")
	if out, err := exec.Command("go", "build", "-o", relnetBin, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run executes a command and returns its exit code and stderr.
func run(t *testing.T, env []string, name string, args ...string) (int, string) {
	t.Helper()
	r := execute(t, env, name, args...)
	return r.code, r.stderr
}

// executed is what a command did.
type executed struct {
	code           int
	stdout, stderr string
	peakMB         float64 // peak resident set size
}

// execute runs a command to its end; only a command that could not start fails the test.
func execute(t *testing.T, env []string, name string, args ...string) executed {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	peak := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // kB on Linux
	return executed{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String(), peak}
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBadInputGivesOneClearError(t *testing.T) {
	dir := t.TempDir()
	badKey := writeFile(t, filepath.Join(dir, "bad.toml"), "[train]\nepisodes = 10\nepisdoes = 3\n")
	good := writeFile(t, filepath.Join(dir, "good.toml"), "[train]\nepisodes = 10\n")
	cases := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"unknown key", nil, []string{"train", badKey}, []string{badKey + ":3", "episdoes"}},
		{"missing config", nil, []string{"train", filepath.Join(dir, "none.toml")}, []string{"none.toml", "no such file"}},
		{"no config argument", nil, []string{"eval"}, []string{"needs one experiment file"}},
		{"missing data", []string{"FASHION_MNIST_DIR=" + filepath.Join(dir, "nodata"), "RELNET_RESULTS=" + dir},
			[]string{"train", good}, []string{"nodata", "FASHION_MNIST_DIR"}},
		{"no checkpoint", []string{"RELNET_RESULTS=" + dir}, []string{"eval", good}, []string{"no checkpoint", "relnet train"}},
		{"results root is a file", []string{"RELNET_RESULTS=" + good}, []string{"run", good}, []string{"cannot create", good}},
	}
	for _, tc := range cases {
		code, stderr := run(t, tc.env, relnetBin, tc.args...)
		if code == 0 {
			t.Errorf("%s: exit code 0", tc.name)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		last := lines[len(lines)-1]
		for _, w := range tc.want {
			if !strings.Contains(last, w) {
				t.Errorf("%s: error line %q lacks %q", tc.name, last, w)
			}
		}
	}
}

func TestSetupRejectsWrongLibtorch(t *testing.T) {
	lt := t.TempDir()
	writeFile(t, filepath.Join(lt, "include/torch/csrc/api/include/torch/version.h"),
		"#define TORCH_VERSION_MAJOR 1\n#define TORCH_VERSION_MINOR 13\n#define TORCH_VERSION_PATCH 1\n")
	code, stderr := run(t, []string{"LIBTORCH=" + lt, "RELNET_CACHE=" + t.TempDir()}, "bash", "../../scripts/setup.sh")
	if code == 0 || !strings.Contains(stderr, "libtorch 1.13.1") || !strings.Contains(stderr, "2.1") {
		t.Fatalf("exit %d, stderr %q: want a failure naming 1.13.1 and 2.1", code, stderr)
	}
}

func TestSetupCUDARejects(t *testing.T) {
	cpuOnly := t.TempDir() // a libtorch 2.1.0 with no lib/libtorch_cuda.so
	writeFile(t, filepath.Join(cpuOnly, "include/torch/csrc/api/include/torch/version.h"),
		"#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION_MINOR 1\n#define TORCH_VERSION_PATCH 0\n")
	writeFile(t, filepath.Join(cpuOnly, "lib/libtorch_cpu.so"), "")
	for _, tc := range []struct {
		name string
		env  []string
		want []string
	}{
		{"CPU-only LIBTORCH", []string{"RELNET_CUDA=1", "LIBTORCH=" + cpuOnly}, []string{cpuOnly, "no lib/libtorch_cuda.so"}},
		{"RELNET_CUDA not 0 or 1", []string{"RELNET_CUDA=yes"}, []string{"RELNET_CUDA=yes", "set it to 1"}},
	} {
		code, stderr := run(t, append(tc.env, "RELNET_CACHE="+t.TempDir()), "bash", "../../scripts/setup.sh")
		if code == 0 {
			t.Errorf("%s: exit code 0", tc.name)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr %q lacks %q", tc.name, stderr, w)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	out, err := exec.Command(relnetBin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"relnet", "gotch    v0.9.1", "libtorch 2.1.0", "device   cpu (auto; "}
	if os.Getenv("RELNET_EXPECT_CUDA_LINKED") == "1" { // make test-cuda
		want = append(want, "libtorch_cuda linked")
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("version output lacks %q:\n%s", w, out)
		}
	}
}
