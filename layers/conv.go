package layers

import (
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/tensors"
)

// Shape is the C×H×W shape of one image or feature map.
type Shape struct{ C, H, W int64 }

// Mode selects how BatchNorm normalises.
type Mode int

const (
	// Train normalises with batch statistics and updates the running ones.
	Train Mode = iota
	// Eval normalises with the running statistics (PyTorch's eval()).
	Eval
	// EvalBatch normalises test batches with their own statistics and updates nothing (the
	// paper code's behaviour, which never calls eval()).
	EvalBatch
)

// Conv2D is a square-kernel, stride-1 convolution.
type Conv2D struct {
	Weight, Bias *ts.Tensor
	Padding      int64
}

// NewConv2D registers name.weight [out,in,k,k] ~ N(0, sqrt(2/(k·k·out))) and name.bias = 0.
func NewConv2D(p *Params, name string, in, out, k, padding int64) *Conv2D {
	return &Conv2D{
		Weight:  p.add(name+".weight", p.normal(int(out*in*k*k), heStd(k, out)), true, out, in, k, k),
		Bias:    p.add(name+".bias", make([]float32, out), true, out),
		Padding: padding,
	}
}

// Forward convolves x [B,in,H,W].
func (c *Conv2D) Forward(s *tensors.Scope, x *ts.Tensor) *ts.Tensor {
	return Conv(s, x, c.Weight, c.Bias, c.Padding)
}

// Conv is a stride-1 convolution with explicit weights; bias may be nil.
func Conv(s *tensors.Scope, x, weight, bias *ts.Tensor, padding int64) *ts.Tensor {
	if bias == nil {
		bias = ts.None
	}
	y := s.T(ts.Conv2d(x, weight, bias, []int64{1, 1}, []int64{padding, padding}, []int64{1, 1}, 1))
	countMACs(y, weight)
	return y
}

// BatchNorm2D normalises each channel; Weight = 1, Bias = 0 at start.
type BatchNorm2D struct {
	Weight, Bias, RunningMean, RunningVar *ts.Tensor
	Momentum                              float64
}

// NewBatchNorm2D registers name.weight, name.bias and the running-statistics buffers.
func NewBatchNorm2D(p *Params, name string, channels int64, momentum float64) *BatchNorm2D {
	n := int(channels)
	return &BatchNorm2D{
		Weight:      p.add(name+".weight", constant(n, 1), true, channels),
		Bias:        p.add(name+".bias", make([]float32, n), true, channels),
		RunningMean: p.add(name+".running_mean", make([]float32, n), false, channels),
		RunningVar:  p.add(name+".running_var", constant(n, 1), false, channels),
		Momentum:    momentum,
	}
}

// Forward normalises x [B,C,H,W] as mode says.
// Under bf16 autocast its input is cast back to fp32 first: BatchNorm stays in fp32.
func (b *BatchNorm2D) Forward(s *tensors.Scope, x *ts.Tensor, mode Mode) *ts.Tensor {
	const eps = 1e-5
	x = tensors.Float(s, x)
	switch mode {
	case Train:
		return s.T(ts.BatchNorm(x, b.Weight, b.Bias, b.RunningMean, b.RunningVar, true, b.Momentum, eps, false))
	case EvalBatch:
		return s.T(ts.BatchNorm(x, b.Weight, b.Bias, ts.None, ts.None, true, b.Momentum, eps, false))
	default:
		return s.T(ts.BatchNorm(x, b.Weight, b.Bias, b.RunningMean, b.RunningVar, false, b.Momentum, eps, false))
	}
}

// Affine is BatchNorm with running statistics (Eval) as a per-channel affine map,
// y = x·scale + shift: scale = weight/√(running_var + ε), shift = bias − running_mean·scale.
func (b *BatchNorm2D) Affine(s *tensors.Scope) (scale, shift *ts.Tensor) {
	const eps = 1e-5
	scale = s.T(b.Weight.Mul(s.T(s.T(b.RunningVar.AddScalar(s.Scalar(eps), false)).Rsqrt(false)), false))
	shift = s.T(b.Bias.Sub(s.T(b.RunningMean.Mul(scale, false)), false))
	return scale, shift
}

// FoldWeight scales each output channel of a convolution weight [out,in,k,k] by scale [out]:
// the weight of conv followed by Affine's map, with FoldBias.
func FoldWeight(s *tensors.Scope, weight, scale *ts.Tensor) *ts.Tensor {
	return s.T(weight.Mul(s.T(scale.View([]int64{-1, 1, 1, 1}, false)), false))
}

// FoldBias is a convolution's bias after Affine's map: bias·scale + shift (shift for no bias).
func FoldBias(s *tensors.Scope, bias, scale, shift *ts.Tensor) *ts.Tensor {
	if bias == nil {
		return shift
	}
	return s.T(s.T(bias.Mul(scale, false)).Add(shift, false))
}

// ConvBN is bn(conv(x)). With running statistics (Eval) BatchNorm is a per-channel affine
// map, folded into the convolution's weight and bias: one convolution and no normalisation
// pass over the feature maps, the same values up to float rounding (TestConvBNFolds).
func ConvBN(s *tensors.Scope, x *ts.Tensor, conv *Conv2D, bn *BatchNorm2D, mode Mode) *ts.Tensor {
	if mode != Eval {
		return bn.Forward(s, conv.Forward(s, x), mode)
	}
	scale, shift := bn.Affine(s)
	return Conv(s, x, FoldWeight(s, conv.Weight, scale), FoldBias(s, conv.Bias, scale, shift), conv.Padding)
}

// ConvBlock is Sung et al.'s unit: 3×3 conv → BatchNorm → ReLU → optional 2×2 max-pool.
type ConvBlock struct {
	Conv *Conv2D
	BN   *BatchNorm2D
	Pool bool
}

// NewConvBlock registers name.conv and name.bn.
func NewConvBlock(p *Params, name string, in, out, padding int64, pool bool, bnMomentum float64) *ConvBlock {
	return &ConvBlock{
		Conv: NewConv2D(p, name+".conv", in, out, 3, padding),
		BN:   NewBatchNorm2D(p, name+".bn", out, bnMomentum),
		Pool: pool,
	}
}

// Forward runs the block on x [B,in,H,W].
func (b *ConvBlock) Forward(s *tensors.Scope, x *ts.Tensor, mode Mode) *ts.Tensor {
	return b.Activate(s, ConvBN(s, x, b.Conv, b.BN, mode), mode)
}

// Activate runs the block's ReLU → pool on y, already convolved and normalised.
func (b *ConvBlock) Activate(s *tensors.Scope, y *ts.Tensor, mode Mode) *ts.Tensor {
	y = s.T(y.Relu(false))
	switch {
	case b.Pool && mode == Train:
		y = s.T(y.MaxPool2d([]int64{2, 2}, []int64{2, 2}, []int64{0, 0}, []int64{1, 1}, false, false))
	case b.Pool:
		y = MaxPool2(s, y)
	}
	return y
}

// MaxPool2 is a 2×2, stride-2 max-pool (floor mode) of x [B,C,H,W], taken as the elementwise
// maximum of even and odd rows, then of even and odd columns: the same values as max_pool2d
// (TestMaxPool2), 1.4–1.6× faster episodes at inference. Training keeps max_pool2d, whose
// backward is cheaper than maximum's.
func MaxPool2(s *tensors.Scope, x *ts.Tensor) *ts.Tensor {
	shape := tensors.Shape(x)
	for dim := int64(2); dim <= 3; dim++ {
		n := shape[dim] / 2 * 2
		even := s.T(x.Slice(dim, []int64{0}, []int64{n}, 2, false))
		odd := s.T(x.Slice(dim, []int64{1}, []int64{n}, 2, false))
		x = s.T(even.Maximum(odd, false))
	}
	return x
}

// OutSize is the spatial size after the block for an input side of n, or < 1 if it vanishes.
func (b *ConvBlock) OutSize(n int64) int64 {
	n = n + 2*b.Conv.Padding - 2
	if b.Pool {
		n /= 2
	}
	return n
}
