package model

import (
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/tensors"
)

// Adam holds the moment buffers of every trainable parameter.
type Adam struct {
	Config arch.Optim // with its defaults filled
	Params []*ts.Tensor
	M, V   []*ts.Tensor
	Steps  int64 // updates applied so far
	// Scales multiplies each parameter's learning rate (nil: 1 for every one).
	Scales  []float64
	beta1   float64
	beta2   float64
	epsilon float64
}

// NewAdam makes zeroed moment buffers for params.
func NewAdam(params []*ts.Tensor, cfg arch.Optim) (a *Adam, err error) {
	defer tensors.Recover(&err)
	a = &Adam{Config: cfg.WithDefaults(), Params: params, beta1: 0.9, beta2: 0.999, epsilon: 1e-8}
	a.M, a.V = zerosLike(params), zerosLike(params)
	return a, nil
}

// zerosLike makes a zero tensor of each of params' shapes (optimiser state). Call it under
// tensors.Recover: a failure panics.
func zerosLike(params []*ts.Tensor) []*ts.Tensor {
	out := make([]*ts.Tensor, len(params))
	for i, p := range params {
		shape := tensors.Shape(p)
		n := 1
		for _, d := range shape {
			n *= int(d)
		}
		z, err := tensors.FromFloat32(make([]float32, n), shape...)
		tensors.Check("optimiser state", err)
		out[i] = z
	}
	return out
}

// Step clips the gradients, applies one update at the learning rate of episode i, and
// returns the gradient norm before clipping.
func (a *Adam) Step(i int64) float64 {
	norm := tensors.ClipGradNorm(a.Params, a.Config.ClipNorm)
	a.Steps++
	lr := a.Config.LRAt(i)
	if a.Scales == nil {
		tensors.AdamStep(a.Params, a.M, a.V, lr, a.beta1, a.beta2, a.epsilon, a.Steps)
		return norm
	}
	for lo := 0; lo < len(a.Params); { // each run of parameters with one scale in one call
		hi := lo + 1
		for hi < len(a.Params) && a.Scales[hi] == a.Scales[lo] {
			hi++
		}
		tensors.AdamStep(a.Params[lo:hi], a.M[lo:hi], a.V[lo:hi], lr*a.Scales[lo], a.beta1, a.beta2, a.epsilon, a.Steps)
		lo = hi
	}
	return norm
}

// Free releases the moment buffers.
func (a *Adam) Free() {
	for i := range a.M {
		a.M[i].Drop()
		a.V[i].Drop()
	}
}
