package tensors

// #include "shim.h"
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Scope owns the tensors one step creates and frees them all in Drop. The zero value is ready.
type Scope struct {
	owned   []*ts.Tensor
	scalars []*ts.Scalar
}

// T records the result of a gotch op in the scope, or panics with *Error if the op failed.
// Typical use: y := s.T(ts.Conv2d(x, w, b, ...)).
func (s *Scope) T(t *ts.Tensor, err error) *ts.Tensor {
	Check("op", err)
	s.owned = append(s.owned, t)
	return t
}

// Drop frees every tensor the scope owns and lets go of its scalars. The scope can be used
// again afterwards.
func (s *Scope) Drop() {
	for _, t := range s.owned {
		t.Drop()
	}
	s.owned = s.owned[:0]
	clear(s.scalars)
	s.scalars = s.scalars[:0]
}

// Scalar makes a float scalar for a gotch op, held by the scope until Drop. gotch frees a
// scalar only by its finalizer, and its ops do not keep the scalar alive while libtorch reads
// it: passed as ts.FloatScalar(v), the scalar could be freed in the middle of the op (seen as
// libtorch's "s.isIntegral(false) INTERNAL ASSERT FAILED" in BatchNorm's AddScalar).
func (s *Scope) Scalar(v float64) *ts.Scalar {
	sc := ts.FloatScalar(v)
	s.scalars = append(s.scalars, sc)
	return sc
}

// Float32 makes a float32 tensor of the given shape from data (copied), owned by the scope.
func (s *Scope) Float32(data []float32, shape ...int64) *ts.Tensor {
	return s.T(FromFloat32(data, shape...))
}

// Int64 makes an int64 tensor of the given shape from data (copied), owned by the scope.
func (s *Scope) Int64(data []int64, shape ...int64) *ts.Tensor {
	if n := numel(shape); n != len(data) {
		Check("from_int64", fmt.Errorf("shape %v needs %d values, got %d", shape, n, len(data)))
	}
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	c := C.relnet_from_int64((*C.int64_t)(p), (*C.int64_t)(unsafe.Pointer(&shape[0])), C.int(len(shape)))
	if c == nil {
		panic(lastError("from_int64"))
	}
	return s.T(ts.FromCtensor(c), nil)
}

// FromFloat32 makes a float32 tensor of the given shape from data (copied). The caller owns it.
func FromFloat32(data []float32, shape ...int64) (*ts.Tensor, error) {
	if n := numel(shape); n != len(data) {
		return nil, fmt.Errorf("from_float32: shape %v needs %d values, got %d", shape, n, len(data))
	}
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	c := C.relnet_from_float32((*C.float)(p), (*C.int64_t)(unsafe.Pointer(&shape[0])), C.int(len(shape)))
	if c == nil {
		return nil, lastError("from_float32")
	}
	return ts.FromCtensor(c), nil
}

// Values copies a tensor's elements (any float dtype) into a new []float32.
func Values(t *ts.Tensor) []float32 {
	shape, err := t.Size()
	Check("size", err)
	out := make([]float32, numel(shape))
	var p unsafe.Pointer
	if len(out) > 0 {
		p = unsafe.Pointer(&out[0])
	}
	if C.relnet_to_float32(t.Ctensor(), (*C.float)(p), C.int64_t(len(out))) < 0 {
		panic(lastError("to_float32"))
	}
	return out
}

// Shape returns a tensor's sizes.
func Shape(t *ts.Tensor) []int64 {
	shape, err := t.Size()
	Check("size", err)
	return shape
}

func numel(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// Float returns x in float32: x itself if it is, else a cast that autograd records (the way
// back from bf16 autocast).
func Float(s *Scope, x *ts.Tensor) *ts.Tensor {
	if x.DType() == gotch.Float {
		return x
	}
	return s.T(x.Totype(gotch.Float, false))
}
