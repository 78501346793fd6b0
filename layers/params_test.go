package layers

import (
	"math"
	"testing"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/tensors"
)

func TestParamsInitAndRegistry(t *testing.T) {
	err := tensors.Run(func() error {
		p := NewParams(3)
		defer p.Free()
		blk := NewConvBlock(p, "b", 4, 32, 0, true, 0.1)
		lin := NewLinear(p, "fc", 10, 2)
		wantNames := []string{"b.conv.weight", "b.conv.bias", "b.bn.weight", "b.bn.bias", "b.bn.running_mean", "b.bn.running_var", "fc.weight", "fc.bias"}
		if len(p.Names) != len(wantNames) {
			t.Fatalf("names %v", p.Names)
		}
		for i, n := range wantNames {
			if p.Names[i] != n {
				t.Errorf("name %d = %q, want %q", i, p.Names[i], n)
			}
		}
		if got := len(p.TrainableTensors()); got != 6 {
			t.Errorf("%d trainable tensors, want 6 (running statistics are buffers)", got)
		}
		if got, want := p.Count(), int64(32*4*9+32+32+32+10*2+2); got != want {
			t.Errorf("count %d, want %d", got, want)
		}
		// Paper initialisation: conv N(0, sqrt(2/(3·3·32))), BN weight 1, linear bias 1.
		w := tensors.Values(blk.Conv.Weight)
		var ss float64
		for _, v := range w {
			ss += float64(v) * float64(v)
		}
		std, want := math.Sqrt(ss/float64(len(w))), math.Sqrt(2.0/(9*32))
		if math.Abs(std-want) > 0.1*want {
			t.Errorf("conv weight std %.4f, want ≈ %.4f", std, want)
		}
		for _, v := range tensors.Values(blk.BN.Weight) {
			if v != 1 {
				t.Fatalf("BN weight %v, want 1", v)
			}
		}
		for _, v := range tensors.Values(lin.Bias) {
			if v != 1 {
				t.Fatalf("linear bias %v, want 1", v)
			}
		}
		// Same seed, same weights.
		q := NewParams(3)
		defer q.Free()
		again := NewConvBlock(q, "b", 4, 32, 0, true, 0.1)
		w2 := tensors.Values(again.Conv.Weight)
		for i := range w {
			if w[i] != w2[i] {
				t.Fatal("same seed gave different weights")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDuplicateNameIsAnError(t *testing.T) {
	err := tensors.Run(func() error {
		p := NewParams(1)
		defer p.Free()
		NewLinear(p, "fc", 2, 2)
		NewLinear(p, "fc", 2, 2)
		return nil
	})
	if err == nil {
		t.Fatal("duplicate parameter name accepted")
	}
}

func TestBatchNormModes(t *testing.T) {
	err := tensors.Run(func() error {
		p := NewParams(1)
		defer p.Free()
		bn := NewBatchNorm2D(p, "bn", 1, 0.5)
		var s tensors.Scope
		defer s.Drop()
		x := s.Float32([]float32{1, 3, 5, 7}, 4, 1, 1, 1) // mean 4, biased var 5
		// EvalBatch: batch statistics, running statistics untouched.
		y := tensors.Values(bn.Forward(&s, x, EvalBatch))
		if math.Abs(float64(y[0])+3/math.Sqrt(5+1e-5)) > 1e-5 {
			t.Errorf("batch-normalised %v", y)
		}
		if m := tensors.Values(bn.RunningMean)[0]; m != 0 {
			t.Errorf("EvalBatch changed the running mean to %v", m)
		}
		// Train: running mean moves halfway to 4; running var halfway to the unbiased 20/3.
		bn.Forward(&s, x, Train)
		if m, v := tensors.Values(bn.RunningMean)[0], tensors.Values(bn.RunningVar)[0]; math.Abs(float64(m)-2) > 1e-6 || math.Abs(float64(v)-(0.5+10.0/3)) > 1e-5 {
			t.Errorf("running mean %v var %v", m, v)
		}
		// Eval: uses the running statistics.
		y = tensors.Values(bn.Forward(&s, x, Eval))
		want := (1 - 2) / math.Sqrt(0.5+10.0/3+1e-5)
		if math.Abs(float64(y[0])-want) > 1e-5 {
			t.Errorf("eval-normalised %v, want %v first", y, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMaxPool2 compares MaxPool2 with libtorch's max_pool2d on even and odd sizes.
func TestMaxPool2(t *testing.T) {
	err := tensors.Run(func() error {
		for _, hw := range [][2]int64{{6, 8}, {7, 5}} {
			data := make([]float32, 2*3*hw[0]*hw[1])
			for i := range data {
				data[i] = float32((i*7919)%23) - 11
			}
			var s tensors.Scope
			x := s.Float32(data, 2, 3, hw[0], hw[1])
			got := tensors.Values(MaxPool2(&s, x))
			want := tensors.Values(s.T(x.MaxPool2d([]int64{2, 2}, []int64{2, 2}, []int64{0, 0}, []int64{1, 1}, false, false)))
			s.Drop()
			if len(got) != len(want) {
				t.Fatalf("%v: %d outputs, max_pool2d %d", hw, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%v: output %d = %v, max_pool2d %v", hw, i, got[i], want[i])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConvBNFolds gives a BatchNorm running statistics, weights and biases far from their
// initial values and checks ConvBN in each mode against conv then BatchNorm: equal to float
// rounding in Eval, where BatchNorm is folded into the convolution, and exactly equal in the
// modes that normalise with batch statistics.
func TestConvBNFolds(t *testing.T) {
	err := tensors.Run(func() error {
		p := NewParams(2)
		defer p.Free()
		conv := NewConv2D(p, "conv", 3, 4, 3, 1)
		bn := NewBatchNorm2D(p, "bn", 4, 0.1)
		var s tensors.Scope
		defer s.Drop()
		for i, v := range [][]float32{{0.5, 2, -1, 1.5}, {0.1, -0.3, 0.7, 0}, {-0.2, 0.4, 1.1, -2}, {0.05, 3, 0.6, 1.7}} {
			tensors.CopyInto([]*ts.Tensor{bn.Weight, bn.Bias, bn.RunningMean, bn.RunningVar}[i], s.Float32(v, 4))
		}
		tensors.CopyInto(conv.Bias, s.Float32([]float32{0.3, -0.2, 0.1, 0.9}, 4))
		data := make([]float32, 2*3*6*5)
		for i := range data {
			data[i] = float32((i*7919)%23)/11 - 1
		}
		x := s.Float32(data, 2, 3, 6, 5)
		for _, mode := range []Mode{Eval, EvalBatch} {
			got := tensors.Values(ConvBN(&s, x, conv, bn, mode))
			want := tensors.Values(bn.Forward(&s, conv.Forward(&s, x), mode))
			for i := range want {
				tol := 0.0
				if mode == Eval {
					tol = 1e-5 * math.Max(1, math.Abs(float64(want[i])))
				}
				if d := math.Abs(float64(got[i] - want[i])); d > tol {
					t.Fatalf("mode %d, output %d: ConvBN %v, conv then BatchNorm %v", mode, i, got[i], want[i])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
