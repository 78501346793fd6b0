package tensors

import (
	"math"
	"testing"

	"github.com/sugarme/gotch/ts"
)

func TestFloat32RoundTrip(t *testing.T) {
	err := Run(func() error {
		var s Scope
		defer s.Drop()
		data := []float32{1, -2, 3.5, 4, 5, 6}
		x := s.Float32(data, 2, 3)
		if got := Shape(x); got[0] != 2 || got[1] != 3 {
			t.Errorf("shape %v", got)
		}
		got := Values(x)
		for i := range data {
			if got[i] != data[i] {
				t.Fatalf("values %v, want %v", got, data)
			}
		}
		if _, err := FromFloat32(data, 4, 2); err == nil {
			t.Error("shape 4×2 for 6 values accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAdamAndClip runs two steps of clipped Adam on f(p) = sum(c·p) and compares with the
// update rule computed by hand.
func TestAdamAndClip(t *testing.T) {
	err := Run(func() error {
		var s Scope
		defer s.Drop()
		p0 := []float32{1, 2}
		c := []float32{3, 4} // gradient of sum(c·p); norm 5
		p, err := FromFloat32(p0, 2)
		Check("param", err)
		defer p.Drop()
		SetRequiresGrad(p)
		m := s.Float32([]float32{0, 0}, 2)
		v := s.Float32([]float32{0, 0}, 2)
		params := []*ts.Tensor{p}
		const lr, b1, b2, eps, maxNorm = 0.1, 0.9, 0.999, 1e-8, 0.5
		want := []float64{1, 2}
		mw, vw := []float64{0, 0}, []float64{0, 0}
		for step := int64(1); step <= 2; step++ {
			ZeroGrad(params)
			loss := s.T(s.T(p.Mul(s.Float32(c, 2), false)).Sum(p.DType(), false))
			Check("backward", loss.Backward())
			norm := ClipGradNorm(params, maxNorm)
			if math.Abs(norm-5) > 1e-5 {
				t.Errorf("step %d: norm %g, want 5", step, norm)
			}
			AdamStep(params, []*ts.Tensor{m}, []*ts.Tensor{v}, lr, b1, b2, eps, step)
			for i := range want {
				g := float64(c[i]) * maxNorm / (5 + 1e-6)
				mw[i] = b1*mw[i] + (1-b1)*g
				vw[i] = b2*vw[i] + (1-b2)*g*g
				mh := mw[i] / (1 - math.Pow(b1, float64(step)))
				vh := vw[i] / (1 - math.Pow(b2, float64(step)))
				want[i] -= lr * mh / (math.Sqrt(vh) + eps)
			}
		}
		got := Values(p)
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > 1e-5 {
				t.Errorf("param %d: got %.7f, want %.7f", i, got[i], want[i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDevice(t *testing.T) {
	if d, err := Device("auto"); err != nil || (d != "cpu" && d != "cuda") {
		t.Errorf("auto: %q %v", d, err)
	}
	if _, err := Device("tpu"); err == nil {
		t.Error("tpu accepted")
	}
	if !CUDAAvailable() {
		if _, err := Device("cuda"); err == nil {
			t.Error("cuda accepted without a CUDA device")
		}
	}
}

// TestSGDStep runs two steps of SGD with momentum and weight decay on f(p) = sum(c·p) and
// compares with torch.optim.SGD's rule computed by hand.
func TestSGDStep(t *testing.T) {
	err := Run(func() error {
		var s Scope
		defer s.Drop()
		c := []float32{3, -4}
		p, err := FromFloat32([]float32{1, 2}, 2)
		Check("param", err)
		defer p.Drop()
		SetRequiresGrad(p)
		buf := s.Float32([]float32{0, 0}, 2)
		const lr, mom, wd = 0.1, 0.9, 0.01
		want, b := []float64{1, 2}, []float64{0, 0}
		for step := 1; step <= 2; step++ {
			ZeroGrad([]*ts.Tensor{p})
			loss := s.T(s.T(p.Mul(s.Float32(c, 2), false)).Sum(p.DType(), false))
			Check("backward", loss.Backward())
			SGDStep([]*ts.Tensor{p}, []*ts.Tensor{buf}, lr, mom, wd)
			for i := range want {
				g := float64(c[i]) + wd*want[i]
				b[i] = mom*b[i] + g
				want[i] -= lr * b[i]
			}
			got := Values(p)
			for i := range want {
				if math.Abs(float64(got[i])-want[i]) > 1e-6 {
					t.Fatalf("step %d: p = %v, want %v", step, got, want)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
