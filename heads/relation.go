package heads

import (
	"fmt"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// Head scores an episode's queries against its classes.
type Head interface {
	// Logits scores queries [M,C,H,W] against support maps [way·shot,C,H,W] (class-major):
	// [M,way], higher = more likely that class. It is Score(Classes(support, way×shot)).
	Logits(s *tensors.Scope, support *ts.Tensor, way, shot int64, queries *ts.Tensor, mode layers.Mode) *ts.Tensor
	// Classes pools support maps [Σ counts,C,H,W] (class-major, counts[c] maps of class c)
	// into one representation per class, [len(counts),…], as Logits pools shot maps: a
	// class of another count is brought to what shot maps would give.
	Classes(s *tensors.Scope, support *ts.Tensor, counts []int64, shot int64) *ts.Tensor
	// Score scores queries [M,C,H,W] against class representations from Classes: [M,N].
	Score(s *tensors.Scope, classes, queries *ts.Tensor, mode layers.Mode) *ts.Tensor
}

// Uniform is the counts of way classes of shot maps each.
func Uniform(way, shot int64) []int64 {
	counts := make([]int64, way)
	for i := range counts {
		counts[i] = shot
	}
	return counts
}

// uniformShot is the count every class has, or 0 when counts differ.
func uniformShot(counts []int64) int64 {
	for _, k := range counts {
		if k != counts[0] {
			return 0
		}
	}
	return counts[0]
}

// perClass applies pool to each class's slice of support [Σ counts,…] and concatenates
// the results on dimension 0.
func perClass(s *tensors.Scope, support *ts.Tensor, counts []int64, pool func(maps *ts.Tensor, k int64) *ts.Tensor) *ts.Tensor {
	parts := make([]*ts.Tensor, len(counts))
	var at int64
	for c, k := range counts {
		parts[c] = pool(s.T(support.Narrow(0, at, k, false)), k)
		at += k
	}
	return s.T(ts.Cat(parts, 0))
}

var (
	_ Head = (*Relation)(nil)
	_ Head = Prototype{}
)

// Relation is the relation module of Sung et al. (CVPR 2018): for every (class, query) pair
// it concatenates the class feature map and the query feature map on channels, applies two
// conv blocks (conv, BN, ReLU, 2×2 pool), FC Hidden + ReLU and FC 1. A K-shot class map is
// the sum of its K support maps. Logits are the pre-sigmoid relation scores.
//
// The first convolution of a concatenation is the sum of two convolutions, one per half of
// its kernel, so it runs once on the N class maps and once on the M query maps and the
// results are broadcast-added into the N·M pairs; the output equals the concatenated form
// (see TestRelationMatchesConcatenation) at about N·M/(N+M) times fewer first-layer FLOPs.
type Relation struct {
	block1, block2 *layers.ConvBlock
	fc1, fc2       *layers.Linear
	feat           layers.Shape
}

// NewRelation builds a relation head named name for feature maps of shape feat.
func NewRelation(p *layers.Params, name string, feat layers.Shape, cfg arch.Head, bnMomentum float64) (*Relation, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("head.%w", err)
	}
	cfg = cfg.WithDefaults()
	pads := []int64{0, 1}
	switch cfg.Padding {
	case arch.Pad0:
		pads = []int64{0}
	case arch.Pad1:
		pads = []int64{1}
	}
	for _, pad := range pads {
		side := func(n int64) int64 { return ((n+2*pad-2)/2 + 2*pad - 2) / 2 }
		h, w := side(feat.H), side(feat.W)
		if h < 1 || w < 1 {
			continue
		}
		r := &Relation{
			block1: layers.NewConvBlock(p, name+".block1", 2*feat.C, cfg.Filters, pad, true, bnMomentum),
			block2: layers.NewConvBlock(p, name+".block2", cfg.Filters, cfg.Filters, pad, true, bnMomentum),
			feat:   feat,
		}
		r.fc1 = layers.NewLinear(p, name+".fc1", cfg.Filters*h*w, cfg.Hidden)
		r.fc2 = layers.NewLinear(p, name+".fc2", cfg.Hidden, 1)
		return r, nil
	}
	return nil, fmt.Errorf("%s: feature map %d×%d×%d is too small for two conv + 2×2 pool blocks with head.padding = %q",
		name, feat.C, feat.H, feat.W, cfg.Padding)
}

// FirstConvMACs is the first convolution's multiply-accumulates for n classes and m queries:
// as Logits runs it (once per class map and once per query map, each with half the kernel),
// and in the concatenated form (the whole kernel on every one of the n·m pairs).
func (r *Relation) FirstConvMACs(n, m int64) (split, concatenated int64) {
	w := tensors.Shape(r.block1.Conv.Weight) // [F, 2C, k, k]
	pad := r.block1.Conv.Padding
	h, wd := r.feat.H+2*pad-w[2]+1, r.feat.W+2*pad-w[3]+1
	pair := h * wd * w[0] * w[1] * w[2] * w[3]
	return (n + m) * pair / 2, n * m * pair
}

// ClassMaps sums each class's K support maps: support [N·K,C,H,W] (class-major) → [N,C,H,W].
func ClassMaps(s *tensors.Scope, support *ts.Tensor, way, shot int64) *ts.Tensor {
	if shot == 1 {
		return support
	}
	shape := tensors.Shape(support)
	v := s.T(support.Reshape([]int64{way, shot, shape[1], shape[2], shape[3]}, false))
	return s.T(v.SumDimIntlist([]int64{1}, false, v.DType(), false))
}

// Logits scores queries [M,C,H,W] against the episode's support maps [N·K,C,H,W]
// (class-major): returns [M,N].
func (r *Relation) Logits(s *tensors.Scope, support *ts.Tensor, way, shot int64, queries *ts.Tensor, mode layers.Mode) *ts.Tensor {
	return r.Score(s, r.Classes(s, support, Uniform(way, shot), shot), queries, mode)
}

// Classes is each class's map: the sum of its maps, times shot/count for a class of
// another count (shot times its mean map), so that it matches the K-shot maps the head was
// trained and evaluated on.
func (r *Relation) Classes(s *tensors.Scope, support *ts.Tensor, counts []int64, shot int64) *ts.Tensor {
	if k := uniformShot(counts); k == shot {
		return ClassMaps(s, support, int64(len(counts)), shot)
	}
	return perClass(s, support, counts, func(maps *ts.Tensor, k int64) *ts.Tensor {
		sum := s.T(maps.SumDimIntlist([]int64{0}, true, maps.DType(), false))
		return s.T(sum.MulScalar(s.Scalar(float64(shot)/float64(k)), false))
	})
}

// Score scores queries [M,C,H,W] against class maps [N,C,H,W]: returns [M,N].
func (r *Relation) Score(s *tensors.Scope, classes, queries *ts.Tensor, mode layers.Mode) *ts.Tensor {
	n, m := tensors.Shape(classes)[0], tensors.Shape(queries)[0]
	c := r.feat.C
	conv, bn := r.block1.Conv, r.block1.BN
	wClass := s.T(conv.Weight.Narrow(1, 0, c, false))
	wQuery := s.T(conv.Weight.Narrow(1, c, c, false))
	bias := conv.Bias
	if mode == layers.Eval { // BatchNorm folded into both halves, as layers.ConvBN does
		scale, shift := bn.Affine(s)
		wClass, wQuery = layers.FoldWeight(s, wClass, scale), layers.FoldWeight(s, wQuery, scale)
		bias = layers.FoldBias(s, bias, scale, shift)
	}
	a := layers.Conv(s, classes, wClass, nil, conv.Padding)  // [N,F,h,w]
	b := layers.Conv(s, queries, wQuery, bias, conv.Padding) // [M,F,h,w]
	sa, sb := tensors.Shape(a), tensors.Shape(b)
	a5 := s.T(a.View([]int64{1, n, sa[1], sa[2], sa[3]}, false))
	b5 := s.T(b.View([]int64{m, 1, sb[1], sb[2], sb[3]}, false))
	pairs := s.T(b5.Add(a5, false)) // [M,N,F,h,w]: pair (query i, class j)
	pairs = s.T(pairs.Reshape([]int64{m * n, sa[1], sa[2], sa[3]}, false))
	x := pairs
	if mode != layers.Eval {
		x = bn.Forward(s, x, mode)
	}
	x = r.block1.Activate(s, x, mode)
	x = r.block2.Forward(s, x, mode)
	x = s.T(x.Flatten(1, -1, false))
	x = s.T(r.fc1.Forward(s, x).Relu(false))
	x = r.fc2.Forward(s, x)
	return s.T(x.View([]int64{m, n}, false))
}
