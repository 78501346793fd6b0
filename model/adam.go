package model

import (
	"fmt"
	"math"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/tensors"
)

// OptimConfig is Adam with step decay and optional gradient-norm clipping. Zero fields take
// the paper's values.
type OptimConfig struct {
	LR       float64 `toml:"lr"`        // default 1e-3
	LRStep   int64   `toml:"lr_step"`   // episodes between decays; default 100000 (0 in TOML → default; negative → never)
	LRGamma  float64 `toml:"lr_gamma"`  // decay factor; default 0.5
	ClipNorm float64 `toml:"clip_norm"` // max gradient L2 norm; default 0.5; negative → off
}

// WithDefaults fills zero fields.
func (c OptimConfig) WithDefaults() OptimConfig {
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.LRStep == 0 {
		c.LRStep = 100000
	}
	if c.LRGamma == 0 {
		c.LRGamma = 0.5
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 0.5
	}
	return c
}

// Validate reports a bad field by its TOML name.
func (c OptimConfig) Validate() error {
	c = c.WithDefaults()
	if c.LR <= 0 || math.IsNaN(c.LR) {
		return fmt.Errorf("train.lr = %g: must be > 0", c.LR)
	}
	if c.LRGamma <= 0 || c.LRGamma > 1 {
		return fmt.Errorf("train.lr_gamma = %g: must be in (0, 1]", c.LRGamma)
	}
	return nil
}

// LRAt is the learning rate for training episode i (0-based).
func (c OptimConfig) LRAt(i int64) float64 {
	c = c.WithDefaults()
	if c.LRStep < 0 {
		return c.LR
	}
	return c.LR * math.Pow(c.LRGamma, float64(i/c.LRStep))
}

// Adam holds the moment buffers of every trainable parameter.
type Adam struct {
	Config  OptimConfig
	Params  []*ts.Tensor
	M, V    []*ts.Tensor
	Steps   int64 // updates applied so far
	beta1   float64
	beta2   float64
	epsilon float64
}

// NewAdam makes zeroed moment buffers for params.
func NewAdam(params []*ts.Tensor, cfg OptimConfig) (a *Adam, err error) {
	defer tensors.Recover(&err)
	a = &Adam{Config: cfg.WithDefaults(), Params: params, beta1: 0.9, beta2: 0.999, epsilon: 1e-8}
	for _, p := range params {
		shape := tensors.Shape(p)
		n := 1
		for _, d := range shape {
			n *= int(d)
		}
		m, err := tensors.FromFloat32(make([]float32, n), shape...)
		tensors.Check("adam state", err)
		v, err := tensors.FromFloat32(make([]float32, n), shape...)
		tensors.Check("adam state", err)
		a.M, a.V = append(a.M, m), append(a.V, v)
	}
	return a, nil
}

// Step clips the gradients, applies one update at the learning rate of episode i, and
// returns the gradient norm before clipping.
func (a *Adam) Step(i int64) float64 {
	norm := tensors.ClipGradNorm(a.Params, a.Config.ClipNorm)
	a.Steps++
	tensors.AdamStep(a.Params, a.M, a.V, a.Config.LRAt(i), a.beta1, a.beta2, a.epsilon, a.Steps)
	return norm
}

// Free releases the moment buffers.
func (a *Adam) Free() {
	for i := range a.M {
		a.M[i].Drop()
		a.V[i].Drop()
	}
}
