package layers

import (
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/tensors"
)

// macs, while CountMACs runs, accumulates the multiply-accumulates of every convolution and
// linear layer. Tensor work runs on one goroutine, so it needs no lock.
var macs *int64

// CountMACs runs fn and returns the multiply-accumulates of the convolutions and linear
// layers it ran (their forward passes; a backward pass costs about twice as many).
func CountMACs(fn func()) int64 {
	var n int64
	macs = &n
	defer func() { macs = nil }()
	fn()
	return n
}

// countMACs adds the work of one layer that produced y from weight w: every output element
// takes one multiply-accumulate per weight of its output channel.
func countMACs(y, w *ts.Tensor) {
	if macs == nil {
		return
	}
	ys, ws := tensors.Shape(y), tensors.Shape(w)
	perOutput := int64(1)
	for _, d := range ws[1:] {
		perOutput *= d
	}
	n := perOutput
	for _, d := range ys {
		n *= d
	}
	*macs += n
}
