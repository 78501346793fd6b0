package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/tensors"
)

// Params is every named tensor of a model in creation order: trainable parameters and
// buffers (BatchNorm running statistics). It owns them; Free releases them.
type Params struct {
	Names     []string
	Tensors   []*ts.Tensor
	Trainable []bool
	rng       *rand.Rand
}

// NewParams returns an empty registry whose initial values are drawn from seed.
func NewParams(seed uint64) *Params {
	return &Params{rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

// add creates a tensor from data and registers it under name.
func (p *Params) add(name string, data []float32, trainable bool, shape ...int64) *ts.Tensor {
	for _, n := range p.Names {
		if n == name {
			panic(&tensors.Error{Op: "params", Err: fmt.Errorf("duplicate parameter name %q", name)})
		}
	}
	t, err := tensors.FromFloat32(data, shape...)
	tensors.Check("param "+name, err)
	if trainable {
		tensors.SetRequiresGrad(t)
	}
	p.Names = append(p.Names, name)
	p.Tensors = append(p.Tensors, t)
	p.Trainable = append(p.Trainable, trainable)
	return t
}

func (p *Params) normal(n int, std float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(p.rng.NormFloat64() * std)
	}
	return out
}

func constant(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TrainableTensors returns the trainable parameters, in registry order.
func (p *Params) TrainableTensors() []*ts.Tensor {
	var out []*ts.Tensor
	for i, t := range p.Tensors {
		if p.Trainable[i] {
			out = append(out, t)
		}
	}
	return out
}

// Count is the number of trainable scalars.
func (p *Params) Count() int64 {
	var n int64
	for _, t := range p.TrainableTensors() {
		size := int64(1)
		for _, d := range tensors.Shape(t) {
			size *= d
		}
		n += size
	}
	return n
}

// Free releases every tensor of the registry.
func (p *Params) Free() {
	for _, t := range p.Tensors {
		t.Drop()
	}
	p.Names, p.Tensors, p.Trainable = nil, nil, nil
}

// heStd is the paper's convolution init: N(0, sqrt(2/n)) with n = k·k·out_channels.
func heStd(k, out int64) float64 { return math.Sqrt(2 / float64(k*k*out)) }

// Scalar registers a trainable scalar parameter name (shape [1]) with initial value v.
func (p *Params) Scalar(name string, v float32) *ts.Tensor {
	return p.add(name, []float32{v}, true, 1)
}
