package model

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// TestPretrainerUnlabelledGroupAddsNothing: a group no image of the batch is labelled in adds
// nothing to the loss or the update, so a model with a second, unlabelled group takes the
// same step as one without it; labelling some images in it changes both.
func TestPretrainerUnlabelledGroupAddsNothing(t *testing.T) {
	const n = 4
	in := layers.Shape{C: 1, H: 28, W: 28}
	pixels := make([]float32, n*28*28)
	for i := range pixels {
		pixels[i] = float32(i%97) / 97
	}
	u := datasets.Unlabelled
	step := func(groups []string, labels [][]int) (float64, []float32) {
		var loss float64
		var weights []float32
		err := tensors.Run(func() error {
			m, err := New(Config{Backbone: arch.Backbone{Filters: 4}, Groups: groups}, in, 3)
			if err != nil {
				return err
			}
			defer m.Free()
			p, err := NewPretrainer(m, []int{3, 2}[:len(groups)], 7, PretrainOptim{Momentum: 0.9, WeightDecay: 5e-4}, 0)
			if err != nil {
				return err
			}
			defer p.Free()
			var s tensors.Scope
			defer s.Drop()
			loss, _, _ = p.Step(&s, pixels, n, labels, 0.1)
			weights = tensors.Values(m.BackboneState()[0].Tensor)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return loss, weights
	}
	one, w1 := step([]string{"a"}, [][]int{{0, 1, 2, 0}})
	two, w2 := step([]string{"a", "b"}, [][]int{{0, 1, 2, 0}, {u, u, u, u}})
	if one != two || !slices.Equal(w1, w2) {
		t.Fatalf("an unlabelled group changed the step: loss %v against %v, same weights %v", two, one, slices.Equal(w1, w2))
	}
	some, w3 := step([]string{"a", "b"}, [][]int{{0, 1, 2, 0}, {1, u, 0, u}})
	if some <= one || slices.Equal(w1, w3) {
		t.Fatalf("labels in the second group added nothing: loss %v against %v", some, one)
	}
}

// TestPretrainerRotationLoss: the rotation loss adds its weight times the quarter-turn
// classifier's cross-entropy (about ln 4 before training) to the step's loss, its classifier
// is in the pretraining state, a weight of 0 is the plain step, and non-square images are
// refused.
func TestPretrainerRotationLoss(t *testing.T) {
	const n = 8
	pixels := make([]float32, n*28*28)
	for i := range pixels {
		pixels[i] = float32(i%89) / 89
	}
	step := func(in layers.Shape, weight float64) (loss float64, names []string, err error) {
		err = tensors.Run(func() error {
			m, err := New(Config{Backbone: arch.Backbone{Filters: 4}, Groups: []string{"a"}}, in, 3)
			if err != nil {
				return err
			}
			defer m.Free()
			p, err := NewPretrainer(m, []int{3}, 7, PretrainOptim{Momentum: 0.9}, weight)
			if err != nil {
				return err
			}
			defer p.Free()
			var s tensors.Scope
			defer s.Drop()
			loss, _, _ = p.Step(&s, pixels, n, [][]int{{0, 1, 2, 0, 1, 2, 0, 1}}, 0.1)
			for _, nt := range p.State() {
				names = append(names, nt.Name)
			}
			return nil
		})
		return loss, names, err
	}
	square := layers.Shape{C: 1, H: 28, W: 28}
	plain, plainNames, err := step(square, 0)
	if err != nil {
		t.Fatal(err)
	}
	with, names, err := step(square, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if extra := (with - plain) / 0.5; math.Abs(extra-math.Log(4)) > 0.5 {
		t.Errorf("rotation loss added %.3f (weighted by 0.5 of %.3f), want about ln 4 = %.3f", with-plain, extra, math.Log(4))
	}
	if slices.Contains(plainNames, "pretrain.rotation.weight") || !slices.Contains(names, "pretrain.rotation.weight") {
		t.Errorf("pretraining state without the loss %v, with it %v", plainNames, names)
	}
	if _, _, err := step(layers.Shape{C: 1, H: 28, W: 56}, 0.5); err == nil || !strings.Contains(err.Error(), "square images, not 28×56") {
		t.Errorf("non-square images: %v", err)
	}
}
