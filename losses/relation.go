package losses

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/tensors"
)

// Kind names a loss in configs.
type Kind string

const (
	// MSE is the paper's loss: mean over all M·N pairs of (sigmoid(logit) − 1[class = label])².
	MSE Kind = "mse"
	// CrossEntropy is softmax cross-entropy over each query's N logits.
	CrossEntropy Kind = "ce"
)

// Validate reports an unknown kind.
func (k Kind) Validate() error {
	switch k {
	case MSE, CrossEntropy:
		return nil
	}
	return fmt.Errorf("loss.kind = %q: want \"mse\" or \"ce\"", string(k))
}

// Compute returns the scalar loss of logits [M,N] against labels [M] (int64 in 0..N-1).
func Compute(s *tensors.Scope, kind Kind, logits, labels *ts.Tensor) *ts.Tensor {
	switch kind {
	case CrossEntropy:
		return s.T(logits.CrossEntropyLoss(labels, ts.None, 1, -100, 0, false))
	default:
		n := tensors.Shape(logits)[1]
		target := s.T(labels.OneHot(n, false))
		target = s.T(target.Totype(gotch.Float, false))
		scores := s.T(logits.Sigmoid(false))
		return s.T(scores.MseLoss(target, 1, false))
	}
}
