package heads

import (
	"math"
	"testing"

	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// TestCosineLogits checks the cosine head against values computed by hand: features averaged
// over positions, normalised, averaged per class, and compared by cosine; Meta-Baseline's
// learned temperature (10 at the start) scales them.
func TestCosineLogits(t *testing.T) {
	run(t, func() error {
		var s tensors.Scope
		defer s.Drop()
		// 2 classes × 2 shots of 2×1×2 maps. Pooled: class 0 (3,4) and (1,0), unit (0.6,0.8)
		// and (1,0), mean (0.8,0.4); class 1 (0,2) and (0,5), mean (0,1).
		support := s.Float32([]float32{2, 4, 8, 0, 1, 1, 0, 0, 0, 0, 2, 2, 0, 0, 0, 10}, 4, 2, 1, 2)
		queries := s.Float32([]float32{1, 1, 0, 0, 0, 0, 6, 0}, 2, 2, 1, 2) // pooled (1,0) and (0,3)
		c0 := 0.8 / math.Sqrt(0.8)
		want := []float64{c0, 0, 0.4 / math.Sqrt(0.8), 1}
		p := layers.NewParams(1)
		defer p.Free()
		for _, h := range []struct {
			head  Cosine
			scale float64
		}{{Cosine{}, 1}, {NewCosine(p, "cosine"), 10}} {
			got := tensors.Values(h.head.Logits(&s, support, 2, 2, queries, layers.Train))
			for i := range want {
				if math.Abs(float64(got[i])-h.scale*want[i]) > 1e-5 {
					t.Fatalf("scale %g: logits %v, want %v × %g", h.scale, got, want, h.scale)
				}
			}
		}
		if p.Count() != 1 {
			t.Errorf("Meta-Baseline's head has %d trainable scalars, want 1 (its temperature)", p.Count())
		}
		return nil
	})
}
