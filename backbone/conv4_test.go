package backbone

import (
	"strings"
	"testing"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

func TestConv4InfersShape(t *testing.T) {
	cases := []struct {
		in, want layers.Shape
	}{
		{layers.Shape{C: 1, H: 28, W: 28}, layers.Shape{C: 64, H: 5, W: 5}},   // Omniglot / Fashion-MNIST
		{layers.Shape{C: 3, H: 84, W: 84}, layers.Shape{C: 64, H: 19, W: 19}}, // miniImageNet
		{layers.Shape{C: 3, H: 50, W: 37}, layers.Shape{C: 64, H: 11, W: 7}},  // odd size
	}
	for _, tc := range cases {
		err := tensors.Run(func() error {
			p := layers.NewParams(1)
			defer p.Free()
			b, err := New(p, tc.in, arch.Backbone{})
			if err != nil {
				return err
			}
			if got := b.OutShape(); got != tc.want {
				t.Errorf("input %v: features %v, want %v", tc.in, got, tc.want)
			}
			// A real batch of 3 images through the network gives that shape too.
			var s tensors.Scope
			defer s.Drop()
			x := s.Float32(make([]float32, 3*tc.in.C*tc.in.H*tc.in.W), 3, tc.in.C, tc.in.H, tc.in.W)
			shape := tensors.Shape(b.Forward(&s, x, layers.Train))
			if shape[0] != 3 || shape[1] != tc.want.C || shape[2] != tc.want.H || shape[3] != tc.want.W {
				t.Errorf("input %v: forward shape %v", tc.in, shape)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestConv4RejectsTinyInput(t *testing.T) {
	err := tensors.Run(func() error {
		p := layers.NewParams(1)
		defer p.Free()
		_, err := New(p, layers.Shape{C: 1, H: 8, W: 28}, arch.Backbone{})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "1×8×28") {
		t.Fatalf("want an error naming the 1×8×28 input, got %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []arch.Backbone{{Name: "resnet50"}, {Filters: -1}, {BNMomentum: 2}}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := (arch.Backbone{}).Validate(); err != nil {
		t.Errorf("zero config: %v", err)
	}
}
