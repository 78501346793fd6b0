package heads

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// Prototype is the prototypical-network head of Snell et al. (2017), a baseline with no
// parameters of its own: each class is the mean of its support features, and a query's logit
// for a class is minus its squared Euclidean distance to that mean. Train it with
// cross-entropy.
type Prototype struct{}

// Logits returns −‖q − p_c‖² for every query q and class mean p_c: [M,N].
func (h Prototype) Logits(s *tensors.Scope, support *ts.Tensor, way, shot int64, queries *ts.Tensor, mode layers.Mode) *ts.Tensor {
	return h.Score(s, h.Classes(s, support, Uniform(way, shot), shot), queries, mode)
}

// Classes is each class's mean feature, flattened: [N,C·H·W]. The mean needs no shot.
func (Prototype) Classes(s *tensors.Scope, support *ts.Tensor, counts []int64, _ int64) *ts.Tensor {
	d := tensors.Shape(support)
	dim := d[1] * d[2] * d[3]
	if k := uniformShot(counts); k > 0 {
		sv := s.T(support.Reshape([]int64{int64(len(counts)), k, dim}, false))
		return s.T(sv.MeanDim([]int64{1}, false, gotch.Float, false))
	}
	return perClass(s, s.T(support.Reshape([]int64{-1, dim}, false)), counts, func(maps *ts.Tensor, _ int64) *ts.Tensor {
		return s.T(maps.MeanDim([]int64{0}, true, gotch.Float, false))
	})
}

// Score returns −‖q − p_c‖² for every query q [M,C,H,W] and class mean p_c [N,C·H·W]: [M,N].
func (Prototype) Score(s *tensors.Scope, protos, queries *ts.Tensor, mode layers.Mode) *ts.Tensor {
	dim := tensors.Shape(protos)[1]
	q := s.T(queries.Reshape([]int64{-1, dim}, false))                                        // [M,D]
	cross := s.T(q.Matmul(s.T(protos.Transpose(0, 1, false)), false))                         // [M,N]
	qq := s.T(s.T(q.Square(false)).SumDimIntlist([]int64{1}, true, gotch.Float, false))       // [M,1]
	pp := s.T(s.T(protos.Square(false)).SumDimIntlist([]int64{1}, false, gotch.Float, false)) // [N]
	// −(‖q‖² − 2 q·p + ‖p‖²)
	dist := s.T(s.T(qq.Sub(s.T(cross.MulScalar(s.Scalar(2), false)), false)).Add(pp, false))
	return s.T(dist.Neg(false))
}
