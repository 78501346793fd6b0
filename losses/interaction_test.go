package losses

import (
	"math"
	"testing"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/tensors"
)

// TestInteractionValue checks the loss on a 1-query example computed by hand.
func TestInteractionValue(t *testing.T) {
	// Head g: logits (0, ln 3) → p_g = (0.25, 0.75). Head h: logits (0, 0) → p_h = (0.5, 0.5).
	// M = [[0.8, 0.2], [0.4, 0.6]] → q = p_g·M = (0.5, 0.5)·... = (0.25·0.8+0.75·0.4, 0.25·0.2+0.75·0.6) = (0.5, 0.5)
	// → KL(p_h ‖ q) = 0. A second query with p_h = (0.9, 0.1) gives 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5).
	logitsG := []float32{0, float32(math.Log(3)), 0, float32(math.Log(3))}
	crossH := []float32{0, 0, float32(math.Log(9)), 0}
	m := []float32{0.8, 0.2, 0.4, 0.6}
	want := (0 + (0.9*math.Log(0.9/0.5) + 0.1*math.Log(0.1/0.5))) / 2
	err := tensors.Run(func() error {
		var s tensors.Scope
		defer s.Drop()
		got := tensors.Values(Interaction(&s, s.Float32(logitsG, 2, 2), s.Float32(crossH, 2, 2), s.Float32(m, 2, 2), arch.Symmetric, 0))[0]
		if math.Abs(float64(got)-want) > 1e-5 {
			t.Errorf("interaction %.6f, want %.6f", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A two-query example for the forms. M = [[0.8, 0.2], [0.4, 0.6]]. Query 1: p_g = (0.25,
// 0.75) → q = (0.5, 0.5); query 2: p_g = (0.9, 0.1) → q = (0.76, 0.24). Head h says (0.9,
// 0.1) on both.
var (
	formsG = []float32{0, float32(math.Log(3)), float32(math.Log(9)), 0}
	formsH = []float32{float32(math.Log(9)), 0, float32(math.Log(9)), 0}
	formsM = []float32{0.8, 0.2, 0.4, 0.6}
	formsQ = [][2]float64{{0.5, 0.5}, {0.76, 0.24}}
)

// klByHand is KL((0.9, 0.1) ‖ q).
func klByHand(q [2]float64) float64 { return 0.9*math.Log(0.9/q[0]) + 0.1*math.Log(0.1/q[1]) }

// TestInteractionForms checks each form's value against the hand-computed one: detaching
// the target leaves the value as it is; the gate drops the queries whose target's largest
// probability is below the threshold, which then add 0 to the mean over both queries.
func TestInteractionForms(t *testing.T) {
	kl1, kl2 := klByHand(formsQ[0]), klByHand(formsQ[1])
	for _, c := range []struct {
		form       arch.InteractionForm
		confidence float64
		want       float64
	}{
		{arch.Symmetric, 0, (kl1 + kl2) / 2},
		{arch.Teacher, 0, (kl1 + kl2) / 2},
		{arch.Teacher, 0.6, kl2 / 2}, // query 1's target peaks at 0.5
		{arch.Symmetric, 0.6, kl2 / 2},
		{arch.Teacher, 0.8, 0}, // neither target reaches 0.8
	} {
		err := tensors.Run(func() error {
			var s tensors.Scope
			defer s.Drop()
			got := tensors.Values(Interaction(&s, s.Float32(formsG, 2, 2), s.Float32(formsH, 2, 2), s.Float32(formsM, 2, 2), c.form, c.confidence))[0]
			if math.Abs(float64(got)-c.want) > 1e-5 {
				t.Errorf("%s, confidence %g: %.6f, want %.6f", c.form, c.confidence, got, c.want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestInteractionGradients checks where the gradients go: the symmetric form trains both
// heads; the teacher form gives the source head's logits none, and the predicting head's
// logits z get ∂/∂z_j = p_j (log p_j − log q_j − KL) / queries, computed by hand.
func TestInteractionGradients(t *testing.T) {
	leaf := func(s *tensors.Scope, v []float32) *ts.Tensor {
		x, err := tensors.FromFloat32(v, 2, 2)
		tensors.Check("leaf", err)
		tensors.SetRequiresGrad(x)
		return s.T(x, nil)
	}
	grad := func(s *tensors.Scope, x *ts.Tensor) []float32 {
		g := s.T(x.Grad(false))
		if ok, err := g.Defined(); err != nil || !ok {
			return nil
		}
		return tensors.Values(g)
	}
	for _, form := range []arch.InteractionForm{arch.Symmetric, arch.Teacher} {
		err := tensors.Run(func() error {
			var s tensors.Scope
			defer s.Drop()
			g, h := leaf(&s, formsG), leaf(&s, formsH)
			tensors.Check("backward", Interaction(&s, g, h, s.Float32(formsM, 2, 2), form, 0).Backward())
			gradG, gradH := grad(&s, g), grad(&s, h)
			sourceLearns := false
			for _, v := range gradG {
				sourceLearns = sourceLearns || math.Abs(float64(v)) > 1e-6
			}
			if sourceLearns != (form == arch.Symmetric) {
				t.Errorf("%s: source head's gradient %v", form, gradG)
			}
			if form != arch.Teacher {
				return nil
			}
			p := [2]float64{0.9, 0.1}
			for q, target := range formsQ {
				kl := klByHand(target)
				for j := range 2 {
					want := p[j] * (math.Log(p[j]) - math.Log(target[j]) - kl) / 2
					if got := gradH[2*q+j]; math.Abs(float64(got)-want) > 1e-5 {
						t.Errorf("teacher: ∂/∂z[%d][%d] = %.6f, want %.6f", q, j, got, want)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestCooccurrenceMatrix(t *testing.T) {
	// Group 0 has 2 values, group 1 has 3; image 3 lacks a group-1 label.
	labels := [][]int{{0, 0, 1, 1, 0}, {2, 2, 0, -1, 1}}
	c := NewCooccurrence(labels, []int{2, 3}, 0)
	got := c.Matrix(0, 1, []int{0, 1}, []int{2, 0})
	// value 0 of g co-occurs with h-values {2,2,1}: restricted to cols (2,0) → (2,0)/2.
	// value 1 of g co-occurs with {0}: → (0,1).
	want := []float32{1, 0, 0, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("matrix %v, want %v", got, want)
		}
	}
	smoothed := NewCooccurrence(labels, []int{2, 3}, 1).Matrix(1, 0, []int{1}, []int{0, 1})
	// h-value 1 (one image, g-value 0): counts (1,0) + 1 → (2,1)/3.
	if math.Abs(float64(smoothed[0])-2.0/3) > 1e-6 || math.Abs(float64(smoothed[1])-1.0/3) > 1e-6 {
		t.Errorf("smoothed %v, want (2/3, 1/3)", smoothed)
	}
}
