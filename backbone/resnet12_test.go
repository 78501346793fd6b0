package backbone

import (
	"testing"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

func TestResNet12InfersShape(t *testing.T) {
	small := [4]int64{8, 16, 24, 32}
	cases := []struct {
		in     layers.Shape
		widths [4]int64
		want   layers.Shape
	}{
		{layers.Shape{C: 3, H: 84, W: 84}, [4]int64{}, layers.Shape{C: 640, H: 5, W: 5}}, // the standard
		{layers.Shape{C: 1, H: 28, W: 28}, small, layers.Shape{C: 32, H: 7, W: 7}},       // stops pooling at 7
		{layers.Shape{C: 3, H: 32, W: 32}, small, layers.Shape{C: 32, H: 4, W: 4}},
		{layers.Shape{C: 3, H: 50, W: 37}, small, layers.Shape{C: 32, H: 6, W: 4}},
	}
	for _, tc := range cases {
		err := tensors.Run(func() error {
			p := layers.NewParams(1)
			defer p.Free()
			b, err := New(p, tc.in, arch.Backbone{Name: "resnet12", Widths: tc.widths})
			if err != nil {
				return err
			}
			if got := b.OutShape(); got != tc.want {
				t.Errorf("input %v: features %v, want %v", tc.in, got, tc.want)
			}
			var s tensors.Scope
			defer s.Drop()
			x := s.Float32(make([]float32, 2*tc.in.C*tc.in.H*tc.in.W), 2, tc.in.C, tc.in.H, tc.in.W)
			if shape := tensors.Shape(b.Forward(&s, x, layers.Train)); shape[1] != tc.want.C || shape[2] != tc.want.H || shape[3] != tc.want.W {
				t.Errorf("input %v: training forward shape %v", tc.in, shape)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestResNet12IsResidual zeroes the scale of every block's last BatchNorm, which leaves each
// block's output equal to LeakyReLU(shortcut) pooled, and checks the forward pass against that.
func TestResNet12IsResidual(t *testing.T) {
	err := tensors.Run(func() error {
		p := layers.NewParams(3)
		defer p.Free()
		in := layers.Shape{C: 2, H: 16, W: 16}
		bb, err := New(p, in, arch.Backbone{Name: "resnet12", Widths: [4]int64{4, 4, 4, 4}})
		if err != nil {
			return err
		}
		r := bb.(*ResNet12)
		defer tensors.SetGrad(tensors.SetGrad(false))
		var s tensors.Scope
		defer s.Drop()
		for _, blk := range r.blocks {
			tensors.Check("zero", blk.bns[2].Weight.Zero_())
		}
		pixels := make([]float32, in.C*in.H*in.W)
		for i := range pixels {
			pixels[i] = float32(i%7) - 3
		}
		x := s.Float32(pixels, 1, in.C, in.H, in.W)
		want := x
		for _, blk := range r.blocks {
			want = leakyReLU(&s, blk.shortBN.Forward(&s, blk.shortcut.Forward(&s, want), layers.Eval))
			if blk.pool {
				want = layers.MaxPool2(&s, want)
			}
		}
		got, exp := tensors.Values(r.Forward(&s, x, layers.Eval)), tensors.Values(want)
		for i := range exp {
			if d := got[i] - exp[i]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("element %d: %v, want %v", i, got[i], exp[i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
