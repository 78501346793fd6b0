package model

import (
	"slices"
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
			p, err := NewPretrainer(m, []int{3, 2}[:len(groups)], 7, PretrainOptim{Momentum: 0.9, WeightDecay: 5e-4})
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
