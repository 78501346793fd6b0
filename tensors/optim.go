package tensors

// #include "shim.h"
import "C"

import (
	"unsafe"

	"github.com/sugarme/gotch/ts"
)

// handles is a C array of gotch tensor handles, for the shim's batched kernels.
type handles []unsafe.Pointer

func handlesOf(tensors []*ts.Tensor) handles {
	h := make(handles, len(tensors))
	for i, t := range tensors {
		h[i] = t.Ctensor()
	}
	return h
}

func (h handles) ptr() *unsafe.Pointer {
	if len(h) == 0 {
		return nil
	}
	return &h[0]
}

// SetRequiresGrad marks a tensor as a leaf whose gradient autograd accumulates.
func SetRequiresGrad(t *ts.Tensor) {
	if C.relnet_requires_grad(t.Ctensor(), 1) < 0 {
		panic(lastError("requires_grad"))
	}
}

// CopyInto copies src's values into dst without recording autograd history.
func CopyInto(dst, src *ts.Tensor) {
	if C.relnet_copy(dst.Ctensor(), src.Ctensor()) < 0 {
		panic(lastError("copy"))
	}
}

// ZeroGrad zeroes the accumulated gradients of params.
func ZeroGrad(params []*ts.Tensor) {
	h := handlesOf(params)
	if C.relnet_zero_grad(h.ptr(), C.int(len(h))) < 0 {
		panic(lastError("zero_grad"))
	}
}

// ClipGradNorm rescales the gradients of params to a joint L2 norm of at most maxNorm
// (maxNorm ≤ 0: no clipping) and returns the norm before clipping.
func ClipGradNorm(params []*ts.Tensor, maxNorm float64) float64 {
	h := handlesOf(params)
	n := float64(C.relnet_clip_grad_norm(h.ptr(), C.int(len(h)), C.double(maxNorm)))
	if n < 0 {
		panic(lastError("clip_grad_norm"))
	}
	return n
}

// AdamStep applies one Adam update to params with moment buffers m and v (same shapes);
// step counts updates from 1.
func AdamStep(params, m, v []*ts.Tensor, lr, beta1, beta2, eps float64, step int64) {
	hp, hm, hv := handlesOf(params), handlesOf(m), handlesOf(v)
	if C.relnet_adam_step(hp.ptr(), hm.ptr(), hv.ptr(), C.int(len(hp)), C.double(lr),
		C.double(beta1), C.double(beta2), C.double(eps), C.int64_t(step)) < 0 {
		panic(lastError("adam_step"))
	}
}

// SGDStep applies one step of SGD with momentum and L2 weight decay to params, with momentum
// buffers bufs (same shapes, zero at the start), as torch.optim.SGD without dampening:
// g += wd·p; b = momentum·b + g; p −= lr·b.
func SGDStep(params, bufs []*ts.Tensor, lr, momentum, wd float64) {
	hp, hb := handlesOf(params), handlesOf(bufs)
	if C.relnet_sgd_step(hp.ptr(), hb.ptr(), C.int(len(hp)), C.double(lr), C.double(momentum), C.double(wd)) < 0 {
		panic(lastError("sgd_step"))
	}
}
