package backbone

import (
	"fmt"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// Backbone maps images to feature maps of a fixed per-image shape.
type Backbone interface {
	// Forward maps images x [B,C,H,W] to feature maps [B,C',H',W'].
	Forward(s *tensors.Scope, x *ts.Tensor, mode layers.Mode) *ts.Tensor
	// OutShape is the feature-map shape of one image.
	OutShape() layers.Shape
}

var _ Backbone = (*Conv4)(nil)

// Conv4 is the embedding module of Sung et al.: four 3×3 conv blocks of Filters channels,
// 2×2 max-pool after blocks 1 and 2 (no padding there), blocks 3 and 4 padded and unpooled.
type Conv4 struct {
	blocks [4]*layers.ConvBlock
	in     layers.Shape
	out    layers.Shape
}

// New builds the configured backbone for inputs of shape in, registering its parameters
// under "backbone.".
func New(p *layers.Params, in layers.Shape, cfg arch.Backbone) (Backbone, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("backbone.%w", err)
	}
	cfg = cfg.WithDefaults()
	if cfg.Name == arch.ResNet12 {
		return newResNet12(p, in, cfg)
	}
	f := cfg.Filters
	b := &Conv4{in: in}
	chans := in.C
	for i := range b.blocks {
		pad, pool := int64(1), false
		if i < 2 {
			pad, pool = 0, true
		}
		b.blocks[i] = layers.NewConvBlock(p, fmt.Sprintf("backbone.block%d", i+1), chans, f, pad, pool, cfg.BNMomentum)
		chans = f
	}
	h, w := in.H, in.W
	for _, blk := range b.blocks {
		h, w = blk.OutSize(h), blk.OutSize(w)
	}
	if h < 1 || w < 1 {
		return nil, fmt.Errorf("backbone conv4: input %d×%d×%d is too small (two unpadded 3×3 conv + 2×2 pool blocks need at least 10×10)", in.C, in.H, in.W)
	}
	out, err := dryRun(in, b.Forward)
	if err != nil {
		return nil, err
	}
	b.out = out
	return b, nil
}

// Forward maps images x [B,C,H,W] to feature maps [B,Filters,H',W'].
func (b *Conv4) Forward(s *tensors.Scope, x *ts.Tensor, mode layers.Mode) *ts.Tensor {
	for _, blk := range b.blocks {
		x = blk.Forward(s, x, mode)
	}
	return x
}

// OutShape is the feature-map shape for one input image.
func (b *Conv4) OutShape() layers.Shape { return b.out }

// dryRun pushes two zero images through forward without gradients or BN updates and reads the
// feature shape.
func dryRun(in layers.Shape, forward func(*tensors.Scope, *ts.Tensor, layers.Mode) *ts.Tensor) (out layers.Shape, err error) {
	defer tensors.Recover(&err)
	prev := tensors.SetGrad(false)
	defer tensors.SetGrad(prev)
	var s tensors.Scope
	defer s.Drop()
	x := s.Float32(make([]float32, 2*in.C*in.H*in.W), 2, in.C, in.H, in.W)
	shape := tensors.Shape(forward(&s, x, layers.Eval))
	if len(shape) != 4 {
		return out, fmt.Errorf("backbone: expected a 4-d feature map, got shape %v", shape)
	}
	return layers.Shape{C: shape[1], H: shape[2], W: shape[3]}, nil
}
