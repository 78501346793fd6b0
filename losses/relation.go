package losses

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/tensors"
)

// Compute returns the scalar loss of logits [M,N] against labels [M] (int64 in 0..N-1).
func Compute(s *tensors.Scope, kind arch.Loss, logits, labels *ts.Tensor) *ts.Tensor {
	switch kind {
	case arch.CrossEntropy:
		return s.T(logits.CrossEntropyLoss(labels, ts.None, 1, -100, 0, false))
	default:
		n := tensors.Shape(logits)[1]
		target := s.T(labels.OneHot(n, false))
		target = s.T(target.Totype(gotch.Float, false))
		scores := s.T(logits.Sigmoid(false))
		return s.T(scores.MseLoss(target, 1, false))
	}
}
