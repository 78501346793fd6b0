package losses

import (
	"math"
	"testing"

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
		got := tensors.Values(Interaction(&s, s.Float32(logitsG, 2, 2), s.Float32(crossH, 2, 2), s.Float32(m, 2, 2)))[0]
		if math.Abs(float64(got)-want) > 1e-5 {
			t.Errorf("interaction %.6f, want %.6f", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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
