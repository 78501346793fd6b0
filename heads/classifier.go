package heads

import (
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// Classifier is the supervised baseline's head: one softmax layer over a group's training
// classes, on flattened backbone features, trained with cross-entropy over all of them
// (Full). On an episode of training classes it scores with that layer restricted to the
// episode's classes (Restricted); as a Head, for classes the layer has no unit for (unseen
// classes, a support set of new images), it scores by nearest class mean, as Prototype does.
type Classifier struct {
	Prototype
	Layer *layers.Linear
}

var _ Head = (*Classifier)(nil)

// NewClassifier makes the softmax layer name (parameters name.weight and name.bias) from
// feature maps of shape feat to classes units.
func NewClassifier(p *layers.Params, name string, feat layers.Shape, classes int64) *Classifier {
	return &Classifier{Layer: layers.NewLinear(p, name, feat.C*feat.H*feat.W, classes)}
}

// Full is the layer's logits for feature maps [B,C,H,W] over every training class: [B,classes].
func (c *Classifier) Full(s *tensors.Scope, maps *ts.Tensor) *ts.Tensor {
	return c.Layer.Forward(s, s.T(maps.Flatten(1, -1, false)))
}

// Restricted is the layer's logits for queries [M,C,H,W] over the given training classes
// only (their indices in the layer, the episode's order): [M,len(classes)].
func (c *Classifier) Restricted(s *tensors.Scope, queries *ts.Tensor, classes []int) *ts.Tensor {
	ids := make([]int64, len(classes))
	for i, k := range classes {
		ids[i] = int64(k)
	}
	return s.T(c.Full(s, queries).IndexSelect(1, s.Int64(ids, int64(len(ids))), false))
}
