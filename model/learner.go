package model

import (
	"math"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/losses"
	"github.com/relnet/relnet/tensors"
)

// Learner is a model with its Adam optimiser: what a training step updates and a checkpoint
// holds. Use it on the tensor goroutine (tensors.Run).
type Learner struct {
	Model *Model
	Adam  *Adam
}

// NewLearner builds a model (parameters drawn from seed) and its optimiser.
func NewLearner(cfg Config, in layers.Shape, seed uint64, optim arch.Optim) (*Learner, error) {
	m, err := New(cfg, in, seed)
	if err != nil {
		return nil, err
	}
	adam, err := NewAdam(m.Params.TrainableTensors(), optim)
	if err != nil {
		m.Free()
		return nil, err
	}
	return &Learner{Model: m, Adam: adam}, nil
}

// ScaleBackbone sets the backbone's learning rate to scale times the others'; 0 freezes it
// (Model.FrozenBackbone). A scale of 1 changes nothing.
func (l *Learner) ScaleBackbone(scale float64) {
	if scale == 1 {
		return
	}
	l.Model.FrozenBackbone = scale == 0
	p := l.Model.Params
	l.Adam.Scales = nil
	for i, name := range p.Names {
		if p.Trainable[i] {
			s := 1.0
			if isBackbone(name) {
				s = scale
			}
			l.Adam.Scales = append(l.Adam.Scales, s)
		}
	}
}

// NamedTensor is one tensor of a learner's state.
type NamedTensor struct {
	Name   string
	Tensor *ts.Tensor
}

// State lists every tensor of the learner's state in a fixed order: parameters, buffers, then
// Adam's moments of each trainable parameter ("adam.m.NAME", "adam.v.NAME").
func (l *Learner) State() []NamedTensor {
	var out []NamedTensor
	p := l.Model.Params
	for i, name := range p.Names {
		out = append(out, NamedTensor{name, p.Tensors[i]})
	}
	trainable := 0
	for i, name := range p.Names {
		if p.Trainable[i] {
			out = append(out, NamedTensor{"adam.m." + name, l.Adam.M[trainable]}, NamedTensor{"adam.v." + name, l.Adam.V[trainable]})
			trainable++
		}
	}
	return out
}

// Step trains on one episode per group (training episode i, which sets the learning rate)
// and returns the forward pass and the loss; its tensors belong to s. A non-finite loss is
// returned before backward, leaving the weights as they were. cooc feeds the interaction
// loss; nil leaves it out.
func (l *Learner) Step(s *tensors.Scope, eps []*sampling.Episode, cooc *losses.Cooccurrence, i int64) (Output, float64) {
	tensors.ZeroGrad(l.Adam.Params)
	out := l.Model.Forward(s, eps, layers.Train)
	loss, _ := l.Model.Objective(s, eps, out, cooc, i)
	lossV := float64(tensors.Values(loss)[0])
	if math.IsNaN(lossV) || math.IsInf(lossV, 0) {
		return out, lossV
	}
	tensors.Check("backward", loss.Backward())
	l.Adam.Step(i)
	return out, lossV
}

// Free releases the optimiser's and the model's tensors.
func (l *Learner) Free() {
	l.Adam.Free()
	l.Model.Free()
}
