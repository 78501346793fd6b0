package tensors

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/sugarme/gotch/ts"
)

func TestMapsLibrary(t *testing.T) {
	const lib = "libtorch_cuda.so"
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"7f0c1a000000-7f0c1a200000 r--p 00000000 fe:01 1234 /root/.cache/relnet/libtorch-2.1.0-cuda/lib/libtorch_cuda.so", true},
		{"7f0c1a000000-7f0c1a200000 r-xp 00200000 fe:01 1234 /opt/libtorch/lib/libtorch_cuda.so.2.1", true},
		{"7f0c1a000000-7f0c1a200000 r-xp 00200000 fe:01 1234 /my libs/libtorch_cuda.so", true},
		{"7f0c1a000000-7f0c1a200000 r-xp 00200000 fe:01 1234 /opt/libtorch/lib/libtorch_cuda.so (deleted)", true},
		{"7f0c1a000000-7f0c1a200000 r-xp 00200000 fe:01 1234 /opt/libtorch/lib/libtorch_cuda_linalg.so", false},
		{"7f0c1a000000-7f0c1a200000 r-xp 00200000 fe:01 1234 /opt/libtorch/lib/libtorch_cpu.so", false},
		{"7f0c1a000000-7f0c1a200000 r-xp 00200000 fe:01 1234 /opt/libtorch_cuda.so/lib/libc10.so", false},
		{"7f0c1a000000-7f0c1a200000 rw-p 00000000 00:00 0 [heap]", false},
		{"7f0c1a000000-7f0c1a200000 rw-p 00000000 00:00 0", false},
		{"", false},
	} {
		maps := "55d0c0000000-55d0c0100000 r--p 00000000 fe:01 99 /usr/bin/relnet\n" + tc.line + "\n"
		if got := MapsLibrary(maps, lib); got != tc.want {
			t.Errorf("MapsLibrary(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

// TestCUDALinkedBuild checks the CUDA-linked build; make test-cuda sets
// RELNET_EXPECT_CUDA_LINKED=1, and then the test fails, rather than skips, when this test
// binary was linked CPU-only. libtorch_cuda must be mapped; without a GPU (this machine)
// "auto" must resolve to the CPU and "cuda" must be refused clearly; and a small convolution's
// forward and backward pass on the CPU must give the numbers computed by hand.
func TestCUDALinkedBuild(t *testing.T) {
	if os.Getenv("RELNET_EXPECT_CUDA_LINKED") != "1" {
		t.Skipf("RELNET_EXPECT_CUDA_LINKED is not 1 (make test-cuda sets it); libtorch_cuda mapped: %v", CUDALinked())
	}
	if !CUDALinked() {
		t.Fatal("libtorch_cuda.so is not mapped into the test process: it was linked CPU-only " +
			"(build it through make test-cuda or RELNET_CUDA=1 make, which use go.cuda.work)")
	}
	err := Run(func() error {
		if err := Setup(Options{}); err != nil { // the CPU
			return err
		}
		auto, err := Device("auto")
		if err != nil {
			t.Fatalf("Device(auto): %v", err)
		}
		cuda, cudaErr := Device("cuda")
		if CUDAAvailable() {
			t.Logf("libtorch reports a CUDA device")
			if auto != "cuda" || cuda != "cuda" || cudaErr != nil {
				t.Errorf("with a CUDA device: auto = %q, cuda = %q (%v); want cuda for both", auto, cuda, cudaErr)
			}
		} else {
			if auto != "cpu" {
				t.Errorf("without a CUDA device, Device(auto) = %q, want cpu", auto)
			}
			if cudaErr == nil || !strings.Contains(cudaErr.Error(), "no CUDA device") {
				t.Errorf("without a CUDA device, Device(cuda) = %q, %v; want an error saying there is no CUDA device", cuda, cudaErr)
			}
		}
		convByHand(t)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// convByHand convolves x = 1…9 (1×1×3×3) with w = 1…4 (1×1×2×2) and bias 0.5, then takes
// the gradients of the sum of the output.
func convByHand(t *testing.T) {
	t.Helper()
	var s Scope
	defer s.Drop()
	x := s.Float32([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3)
	w := s.Float32([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	b := s.Float32([]float32{0.5}, 1)
	for _, p := range []*ts.Tensor{x, w, b} {
		SetRequiresGrad(p)
	}
	y := s.T(ts.Conv2d(x, w, b, []int64{1, 1}, []int64{0, 0}, []int64{1, 1}, 1))
	Check("backward", s.T(y.Sum(y.DType(), false)).Backward())
	for _, c := range []struct {
		name string
		got  *ts.Tensor
		want []float32
	}{
		// each output is the window's dot product with w, plus 0.5
		{"output", y, []float32{37.5, 47.5, 67.5, 77.5}},
		// d/dw: the sum of the four windows over each weight's position
		{"weight gradient", s.T(w.Grad(false)), []float32{12, 16, 24, 28}},
		// d/db: one per output
		{"bias gradient", s.T(b.Grad(false)), []float32{4}},
		// d/dx: the sum of the weights that touch each pixel
		{"input gradient", s.T(x.Grad(false)), []float32{1, 3, 2, 4, 10, 6, 3, 7, 4}},
	} {
		got := Values(c.got)
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if math.Abs(float64(got[i]-c.want[i])) > 1e-5 {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}
