package layers

import (
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/tensors"
)

// Linear is y = x·Wᵀ + b.
type Linear struct {
	Weight, Bias *ts.Tensor
}

// NewLinear registers name.weight [out,in] ~ N(0, 0.01) and name.bias = 1 (the paper's init).
func NewLinear(p *Params, name string, in, out int64) *Linear {
	return &Linear{
		Weight: p.add(name+".weight", p.normal(int(out*in), 0.01), true, out, in),
		Bias:   p.add(name+".bias", constant(int(out), 1), true, out),
	}
}

// Forward maps x [B,in] to [B,out].
func (l *Linear) Forward(s *tensors.Scope, x *ts.Tensor) *ts.Tensor {
	y := s.T(ts.Linear(x, l.Weight, l.Bias))
	countMACs(y, l.Weight)
	return y
}
