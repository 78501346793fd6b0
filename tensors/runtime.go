package tensors

// #cgo CXXFLAGS: -std=c++17 -O2 -D_GLIBCXX_USE_CXX11_ABI=0
// #cgo CXXFLAGS: -I${SRCDIR}/../.libtorch/include -I${SRCDIR}/../.libtorch/include/torch/csrc/api/include
// #cgo LDFLAGS: -L${SRCDIR}/../.libtorch/lib -ltorch_cpu -lc10
// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// Options configure the libtorch process state. The zero value means: as many intra-op
// threads as cores, seed 0, the CPU. (glibc's malloc is tuned before the Go runtime starts,
// see shim.cpp; RELNET_MALLOC=default turns that off.)
type Options struct {
	Threads int    // intra-op threads; 0 = runtime.NumCPU()
	Seed    uint64 // libtorch's global RNG seed
	// Device is where every tensor relnet makes is created (see Device for the names):
	// parameters, buffers, optimiser state, episodes and labels.
	Device string
	// ChannelsLast makes every 4-d float tensor relnet creates (images, convolution weights
	// and their optimiser moments) channels-last (NHWC) instead of NCHW; libtorch's ops keep
	// the format, so the feature maps follow.
	ChannelsLast bool
}

// Setup applies the options. Call it once, on the tensor goroutine, before any tensor op.
func Setup(o Options) error {
	device, err := Device(o.Device)
	if err != nil {
		return err
	}
	name := C.CString(device)
	defer C.free(unsafe.Pointer(name))
	if C.relnet_set_device(name) < 0 {
		return lastError("set_device")
	}
	current = device
	on := 0
	if o.ChannelsLast {
		on = 1
	}
	C.relnet_set_channels_last(C.int(on))
	threads := o.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	if C.relnet_set_num_threads(C.int(threads)) < 0 {
		return lastError("set_num_threads")
	}
	if C.relnet_manual_seed(C.uint64_t(o.Seed)) < 0 {
		return lastError("manual_seed")
	}
	return nil
}

// Threads reports libtorch's intra-op thread count on this thread.
func Threads() int { return int(C.relnet_get_num_threads()) }

// TorchVersion is the libtorch version relnet was compiled against.
func TorchVersion() string { return C.GoString(C.relnet_torch_version()) }

// HeapInUseMB is the memory allocated with C's malloc and not yet freed, in MB: libtorch's
// tensors and everything else outside the Go heap. Unlike RSS it does not hide a leak that
// fills holes in the heap.
func HeapInUseMB() float64 { return float64(C.relnet_heap_in_use()) / (1 << 20) }

// CUDAAvailable reports whether libtorch can reach a CUDA device.
func CUDAAvailable() bool { return C.relnet_cuda_available() == 1 }

// current is the device Setup chose.
var current = "cpu"

// CurrentDevice is the device tensors are created on: "cpu" until Setup says otherwise.
func CurrentDevice() string { return current }

// Device resolves a configured device name: "cpu", "cuda" or "auto" (CUDA when available).
// "meta" (shapes without data, which libtorch refuses to mix with tensors of other devices)
// is for tests that check where tensors are made.
func Device(name string) (string, error) {
	switch strings.ToLower(name) {
	case "", "cpu":
		return "cpu", nil
	case "meta":
		return "meta", nil
	case "auto":
		if CUDAAvailable() {
			return "cuda", nil
		}
		return "cpu", nil
	case "cuda":
		if !CUDAAvailable() {
			return "", fmt.Errorf("device %q: libtorch reports no CUDA device; use \"cpu\" or \"auto\"", name)
		}
		return "cuda", nil
	}
	return "", fmt.Errorf("device %q: want \"cpu\", \"cuda\" or \"auto\"", name)
}

// SetGrad turns autograd recording on or off for this thread and returns the previous state.
func SetGrad(enabled bool) bool {
	v := 0
	if enabled {
		v = 1
	}
	return C.relnet_set_grad_enabled(C.int(v)) == 1
}

// BF16 runs fn under libtorch's CPU autocast to bfloat16 on this thread (PyTorch's
// torch.autocast("cpu", torch.bfloat16)): convolutions, linear layers and matrix products
// compute in bf16 from fp32 weights, other ops in the precision of their inputs. Autograd
// records the casts, so gradients reach the fp32 weights.
func BF16(fn func()) {
	if C.relnet_autocast_bf16(1) < 0 {
		panic(lastError("autocast"))
	}
	defer C.relnet_autocast_bf16(0)
	fn()
}

// Run executes fn on a fresh goroutine locked to its OS thread and waits for it: libtorch's
// per-thread state (threads, grad mode, errors) then stays with the work. A tensors panic
// inside fn is returned as an error.
func Run(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var err error
		defer func() { done <- err }()
		defer Recover(&err)
		err = fn()
	}()
	return <-done
}

func lastError(op string) error {
	return &Error{Op: op, Err: fmt.Errorf("%s", C.GoString(C.relnet_last_error()))}
}
