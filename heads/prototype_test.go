package heads

import (
	"testing"

	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

func TestPrototypeLogits(t *testing.T) {
	run(t, func() error {
		var s tensors.Scope
		defer s.Drop()
		// 2 classes × 2 shots of 1×1×2 maps: class means (1,0) and (0,3).
		support := s.Float32([]float32{0, 0, 2, 0, 0, 2, 0, 4}, 4, 1, 1, 2)
		queries := s.Float32([]float32{1, 1, 0, 0}, 2, 1, 1, 2)
		got := tensors.Values(Prototype{}.Logits(&s, support, 2, 2, queries, layers.Train))
		// q=(1,1): −(0+1)=−1, −(1+4)=−5; q=(0,0): −1, −9.
		want := []float32{-1, -5, -1, -9}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("logits %v, want %v", got, want)
			}
		}
		return nil
	})
}
