package losses

import (
	"math"
	"testing"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/tensors"
)

func TestLossValues(t *testing.T) {
	logits := []float32{0, 1, -1, 2, 0.5, -0.5} // 2 queries × 3 classes
	labels := []int64{1, 0}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	// MSE over all 6 pairs against one-hot targets.
	var mse float64
	for i, l := range logits {
		target := 0.0
		if int64(i%3) == labels[i/3] {
			target = 1
		}
		d := sig(float64(l)) - target
		mse += d * d
	}
	mse /= 6
	// CE: mean of log-sum-exp minus the label's logit.
	var ce float64
	for q := 0; q < 2; q++ {
		row := logits[q*3 : q*3+3]
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v))
		}
		ce += math.Log(z) - float64(row[labels[q]])
	}
	ce /= 2
	for _, tc := range []struct {
		kind arch.Loss
		want float64
	}{{arch.MSE, mse}, {arch.CrossEntropy, ce}} {
		err := tensors.Run(func() error {
			var s tensors.Scope
			defer s.Drop()
			got := tensors.Values(Compute(&s, tc.kind, s.Float32(logits, 2, 3), s.Int64(labels, 2)))
			if math.Abs(float64(got[0])-tc.want) > 1e-6 {
				t.Errorf("%s: got %.7f, want %.7f", tc.kind, got[0], tc.want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
