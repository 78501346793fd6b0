package heads

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// Cosine scores by cosine similarity on an embedding: each feature map is averaged over its
// positions and L2-normalised, a class is the mean of its support features, and a query's
// logit for a class is Scale times the cosine of the two. With a learned Scale (a temperature,
// initialised to 10) it is Meta-Baseline's head (Chen et al., ICCV 2021), trained with
// cross-entropy; with no Scale (logits are plain cosines) it is the nearest-centroid baseline
// on normalised features (Chen et al. 2019; Tian et al. 2020), which has nothing to train.
type Cosine struct {
	Scale *ts.Tensor // [1]; nil: 1
}

var _ Head = Cosine{}

// NewCosine registers the learned temperature name.scale of Meta-Baseline's head.
func NewCosine(p *layers.Params, name string) Cosine {
	return Cosine{Scale: p.Scalar(name+".scale", 10)}
}

// Logits returns the scaled cosine of every query to every class mean: [M,N].
func (h Cosine) Logits(s *tensors.Scope, support *ts.Tensor, way, shot int64, queries *ts.Tensor, mode layers.Mode) *ts.Tensor {
	return h.Score(s, h.Classes(s, support, Uniform(way, shot), shot), queries, mode)
}

// Classes is each class's mean normalised feature: [N,C]. The mean needs no shot.
func (Cosine) Classes(s *tensors.Scope, support *ts.Tensor, counts []int64, _ int64) *ts.Tensor {
	feats := PooledUnit(s, support)
	return perClass(s, feats, counts, func(f *ts.Tensor, _ int64) *ts.Tensor {
		return s.T(f.MeanDim([]int64{0}, true, gotch.Float, false))
	})
}

// Score returns Scale·cos(q, c) for every query q [M,C,H,W] and class mean c [N,C]: [M,N].
func (h Cosine) Score(s *tensors.Scope, classes, queries *ts.Tensor, mode layers.Mode) *ts.Tensor {
	cos := s.T(PooledUnit(s, queries).Matmul(s.T(unit(s, classes).Transpose(0, 1, false)), false))
	if h.Scale == nil {
		return cos
	}
	return s.T(cos.Mul(h.Scale, false))
}

// PooledUnit averages feature maps [B,C,H,W] over their positions and scales each to unit
// L2 norm: [B,C].
func PooledUnit(s *tensors.Scope, maps *ts.Tensor) *ts.Tensor {
	return unit(s, s.T(maps.MeanDim([]int64{2, 3}, false, gotch.Float, false)))
}

// unit scales each row of x [B,C] to unit L2 norm (a zero row stays zero).
func unit(s *tensors.Scope, x *ts.Tensor) *ts.Tensor {
	norm := s.T(s.T(x.Square(false)).SumDimIntlist([]int64{1}, true, gotch.Float, false))
	return s.T(x.Div(s.T(s.T(norm.Sqrt(false)).ClampMin(s.Scalar(1e-12), false)), false))
}
