package backbone

import (
	"fmt"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

var _ Backbone = (*ResNet12)(nil)

// ResNet12 is the few-shot ResNet-12 (Oreshkin et al. 2018; Lee et al. 2019): four residual
// blocks of three 3×3 conv → BN → LeakyReLU(0.1) units (the last unit's activation after the
// sum), a 1×1 conv → BN shortcut, then a 2×2 max-pool. A block pools only while the feature
// map stays at least minPooledSide on each side, so that a relation head (which pools twice)
// has a map to compare: 84 → 42 → 21 → 10 → 5, but 28 → 14 → 7 → 7 → 7.
type ResNet12 struct {
	blocks [4]*residualBlock
	out    layers.Shape
}

// minPooledSide is the smallest feature-map side a ResNet-12 block pools down to.
const minPooledSide = 4

// residualBlock is one ResNet-12 block.
type residualBlock struct {
	convs    [3]*layers.Conv2D
	bns      [3]*layers.BatchNorm2D
	shortcut *layers.Conv2D
	shortBN  *layers.BatchNorm2D
	pool     bool
}

func newResNet12(p *layers.Params, in layers.Shape, cfg arch.Backbone) (Backbone, error) {
	b := &ResNet12{}
	chans, h, w := in.C, in.H, in.W
	for i, width := range cfg.Widths {
		name := fmt.Sprintf("backbone.block%d", i+1)
		blk := &residualBlock{
			shortcut: layers.NewConv2D(p, name+".shortcut", chans, width, 1, 0),
			shortBN:  layers.NewBatchNorm2D(p, name+".shortcut_bn", width, cfg.BNMomentum),
			pool:     h/2 >= minPooledSide && w/2 >= minPooledSide,
		}
		for j := range blk.convs {
			blk.convs[j] = layers.NewConv2D(p, fmt.Sprintf("%s.conv%d", name, j+1), chans, width, 3, 1)
			blk.bns[j] = layers.NewBatchNorm2D(p, fmt.Sprintf("%s.bn%d", name, j+1), width, cfg.BNMomentum)
			chans = width
		}
		if blk.pool {
			h, w = h/2, w/2
		}
		b.blocks[i] = blk
	}
	out, err := dryRun(in, b.Forward)
	if err != nil {
		return nil, err
	}
	b.out = out
	return b, nil
}

// leakyReLU is max(x, 0.1·x), ResNet-12's activation (gotch's LeakyRelu has slope 0.01).
func leakyReLU(s *tensors.Scope, x *ts.Tensor) *ts.Tensor {
	return s.T(x.Maximum(s.T(x.MulScalar(s.Scalar(0.1), false)), false))
}

// Forward maps images x [B,C,H,W] to feature maps [B,Widths[3],H',W'].
func (b *ResNet12) Forward(s *tensors.Scope, x *ts.Tensor, mode layers.Mode) *ts.Tensor {
	for _, blk := range b.blocks {
		short := layers.ConvBN(s, x, blk.shortcut, blk.shortBN, mode)
		y := x
		for j := range blk.convs {
			y = layers.ConvBN(s, y, blk.convs[j], blk.bns[j], mode)
			if j < 2 {
				y = leakyReLU(s, y)
			}
		}
		x = leakyReLU(s, s.T(y.Add(short, false)))
		switch {
		case blk.pool && mode == layers.Train:
			x = s.T(x.MaxPool2d([]int64{2, 2}, []int64{2, 2}, []int64{0, 0}, []int64{1, 1}, false, false))
		case blk.pool:
			x = layers.MaxPool2(s, x)
		}
	}
	return x
}

// OutShape is the feature-map shape for one input image.
func (b *ResNet12) OutShape() layers.Shape { return b.out }
