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
func (Prototype) Logits(s *tensors.Scope, support *ts.Tensor, way, shot int64, queries *ts.Tensor, mode layers.Mode) *ts.Tensor {
	d := tensors.Shape(support)
	dim := d[1] * d[2] * d[3]
	sv := s.T(support.View([]int64{way, shot, dim}, false))
	protos := s.T(sv.MeanDim([]int64{1}, false, gotch.Float, false))                          // [N,D]
	q := s.T(queries.View([]int64{-1, dim}, false))                                           // [M,D]
	cross := s.T(q.Matmul(s.T(protos.Transpose(0, 1, false)), false))                         // [M,N]
	qq := s.T(s.T(q.Square(false)).SumDimIntlist([]int64{1}, true, gotch.Float, false))       // [M,1]
	pp := s.T(s.T(protos.Square(false)).SumDimIntlist([]int64{1}, false, gotch.Float, false)) // [N]
	// −(‖q‖² − 2 q·p + ‖p‖²)
	dist := s.T(s.T(qq.Sub(s.T(cross.MulScalar(ts.FloatScalar(2), false)), false)).Add(pp, false))
	return s.T(dist.Neg(false))
}
