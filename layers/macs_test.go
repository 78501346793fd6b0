package layers

import (
	"testing"

	"github.com/relnet/relnet/tensors"
)

// TestCountMACs counts a padded 3×3 convolution and a linear layer by hand.
func TestCountMACs(t *testing.T) {
	err := tensors.Run(func() error {
		p := NewParams(1)
		defer p.Free()
		conv := NewConv2D(p, "conv", 3, 4, 3, 1)
		lin := NewLinear(p, "fc", 10, 3)
		var s tensors.Scope
		defer s.Drop()
		x := s.Float32(make([]float32, 2*3*6*5), 2, 3, 6, 5)
		v := s.Float32(make([]float32, 2*10), 2, 10)
		got := CountMACs(func() {
			conv.Forward(&s, x)
			lin.Forward(&s, v)
		})
		// 2 images × 4 channels × 6×5 outputs × (3·3·3) weights, then 2 rows × 3 outputs × 10.
		if want := int64(2*4*6*5*27 + 2*3*10); got != want {
			t.Errorf("CountMACs = %d, want %d", got, want)
		}
		if after := CountMACs(func() {}); after != 0 {
			t.Errorf("an empty count gave %d", after)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
