package model

import (
	"fmt"
	"math"
	"strings"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/heads"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

// PretrainOptim is the pretraining stage's optimiser: SGD with Momentum and WeightDecay
// (torch.optim.SGD), or Adam (no weight decay).
type PretrainOptim struct {
	Adam                  bool
	Momentum, WeightDecay float64
}

// Pretrainer trains a model's backbone as an ordinary classifier: per attribute group one
// linear layer on position-averaged backbone features, over the group's class ids, and the
// sum of the groups' cross-entropies, each over the images labelled in that group; with a
// rotation loss, plus its weight times the cross-entropy of a linear layer predicting the
// quarter turns of the batch seen turned. Its classifiers live in a registry of their own, so
// the model's state is unchanged by them. Use it on the tensor goroutine.
type Pretrainer struct {
	Model       *Model
	Classifiers *layers.Params
	linear      []*layers.Linear
	rotation    *layers.Linear // predicts 0–3 quarter turns; nil without a rotation loss
	rotWeight   float64
	params      []*ts.Tensor // the backbone's trainable tensors, then the classifiers'
	names       []string
	m, v        []*ts.Tensor // SGD: m holds the momentum buffers; Adam: both moments
	optim       PretrainOptim
	Steps       int64 // updates applied so far
}

// NewPretrainer adds a classifier over classes[g] class ids to every group of m, and with
// rotationLoss > 0 the quarter-turn classifier, their weights drawn from seed.
func NewPretrainer(m *Model, classes []int, seed uint64, o PretrainOptim, rotationLoss float64) (p *Pretrainer, err error) {
	defer tensors.Recover(&err)
	if len(classes) != len(m.Groups) {
		return nil, fmt.Errorf("pretraining: %d class counts for %d groups", len(classes), len(m.Groups))
	}
	if rotationLoss > 0 && m.Input.H != m.Input.W {
		return nil, fmt.Errorf("pretrain.rotation_loss turns images by quarter turns, which needs square images, not %d×%d", m.Input.H, m.Input.W)
	}
	p = &Pretrainer{Model: m, Classifiers: layers.NewParams(seed), optim: o, rotWeight: rotationLoss}
	feat := m.Backbone.OutShape().C
	for g, name := range m.Groups {
		p.linear = append(p.linear, layers.NewLinear(p.Classifiers, "pretrain."+name, feat, int64(classes[g])))
	}
	if rotationLoss > 0 {
		p.rotation = layers.NewLinear(p.Classifiers, "pretrain.rotation", feat, 4)
	}
	for _, reg := range []*layers.Params{m.Params, p.Classifiers} {
		for i, name := range reg.Names {
			if reg.Trainable[i] && (reg == p.Classifiers || isBackbone(name)) {
				p.params, p.names = append(p.params, reg.Tensors[i]), append(p.names, name)
			}
		}
	}
	p.m = zerosLike(p.params)
	if o.Adam {
		p.v = zerosLike(p.params)
	}
	return p, nil
}

func isBackbone(name string) bool { return strings.HasPrefix(name, "backbone.") }

// Step trains on n images (pixels C×H×W each, in the model's input shape) with labels[g][i]
// image i's class id in group g (datasets.Unlabelled: none) at learning rate lr. It returns the
// loss and, per group, the labelled images and how many of them the classifier got right. A
// non-finite loss is returned before backward, leaving the weights as they were.
func (p *Pretrainer) Step(s *tensors.Scope, pixels []float32, n int64, labels [][]int, lr float64) (loss float64, correct, labelled []int) {
	tensors.ZeroGrad(p.params)
	pooled := p.pooled(s, pixels, n)
	var total *ts.Tensor
	correct, labelled = make([]int, len(labels)), make([]int, len(labels))
	for g, ls := range labels {
		ids := make([]int64, len(ls))
		for i, c := range ls {
			ids[i] = int64(c)
			if c != datasets.Unlabelled {
				labelled[g]++
			}
		}
		if labelled[g] == 0 {
			continue // a group no image of the batch is labelled in adds nothing
		}
		logits := p.linear[g].Forward(s, pooled)
		target := s.Int64(ids, n)
		part := s.T(logits.CrossEntropyLoss(target, ts.None, 1, datasets.Unlabelled, 0, false))
		pred := tensors.Values(s.T(s.T(logits.Argmax([]int64{1}, false, false)).Totype(target.DType(), false)))
		for i, c := range ls {
			if c != datasets.Unlabelled && int(pred[i]) == c {
				correct[g]++
			}
		}
		if total == nil {
			total = part
		} else {
			total = s.T(total.Add(part, false))
		}
	}
	if p.rotation != nil {
		part := s.T(p.rotationLoss(s, pixels, n).MulScalar(s.Scalar(p.rotWeight), false))
		if total == nil {
			total = part
		} else {
			total = s.T(total.Add(part, false))
		}
	}
	if total == nil {
		return 0, correct, labelled
	}
	loss = float64(tensors.Values(total)[0])
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, correct, labelled
	}
	tensors.Check("backward", total.Backward())
	p.Steps++
	if p.optim.Adam {
		tensors.AdamStep(p.params, p.m, p.v, lr, 0.9, 0.999, 1e-8, p.Steps)
	} else {
		tensors.SGDStep(p.params, p.m, lr, p.optim.Momentum, p.optim.WeightDecay)
	}
	return loss, correct, labelled
}

// pooled is the backbone's features of n images in training mode, averaged over positions:
// what the pretraining classifiers see.
func (p *Pretrainer) pooled(s *tensors.Scope, pixels []float32, n int64) *ts.Tensor {
	feats := p.Model.Embed(s, pixels, n, layers.Train)
	return s.T(feats.MeanDim([]int64{2, 3}, false, feats.DType(), false))
}

// rotationLoss is the cross-entropy of the quarter-turn classifier on the batch seen turned,
// image i by i mod 4 quarter turns (the batch is shuffled, so the turns are too).
func (p *Pretrainer) rotationLoss(s *tensors.Scope, pixels []float32, n int64) *ts.Tensor {
	in := p.Model.Input
	size := int(in.C * in.H * in.W)
	turned := make([]float32, len(pixels))
	turns := make([]int64, n)
	for i := range int(n) {
		turns[i] = int64(i % 4)
		sampling.Rotate90(turned[i*size:(i+1)*size], pixels[i*size:(i+1)*size], int(in.C), int(in.H), i%4)
	}
	return s.T(p.rotation.Forward(s, p.pooled(s, turned, n)).CrossEntropyLoss(s.Int64(turns, n), ts.None, 1, -100, 0, false))
}

// State lists what a pretraining checkpoint holds, in a fixed order: the backbone's
// tensors (parameters and BatchNorm statistics), the classifiers, then the optimiser's
// buffers ("pretrain.m.NAME", with Adam also "pretrain.v.NAME").
func (p *Pretrainer) State() []NamedTensor {
	out := p.Model.BackboneState()
	for i, name := range p.Classifiers.Names {
		out = append(out, NamedTensor{name, p.Classifiers.Tensors[i]})
	}
	for i, name := range p.names {
		out = append(out, NamedTensor{"pretrain.m." + name, p.m[i]})
		if p.optim.Adam {
			out = append(out, NamedTensor{"pretrain.v." + name, p.v[i]})
		}
	}
	return out
}

// Free releases the classifiers and the optimiser's buffers; the model stays.
func (p *Pretrainer) Free() {
	for i := range p.m {
		p.m[i].Drop()
		if p.v != nil {
			p.v[i].Drop()
		}
	}
	p.Classifiers.Free()
}

// BackboneState lists the backbone's tensors, parameters and BatchNorm statistics, under
// their "backbone." names, in registry order.
func (m *Model) BackboneState() []NamedTensor {
	var out []NamedTensor
	for i, name := range m.Params.Names {
		if isBackbone(name) {
			out = append(out, NamedTensor{name, m.Params.Tensors[i]})
		}
	}
	return out
}

// Centroid scores an episode's queries by nearest class mean of their normalised,
// position-averaged features (heads.Cosine without a temperature), whatever the model's own
// heads: the pretraining stage's few-shot validation.
func (m *Model) Centroid(s *tensors.Scope, eps []*sampling.Episode) []*ts.Tensor {
	supports, queries := m.encode(s, eps, layers.Eval)
	out := make([]*ts.Tensor, len(eps))
	for i, ep := range eps {
		out[i] = heads.Cosine{}.Logits(s, supports[i], int64(ep.Spec.Way), int64(ep.Spec.Shot), queries[i], layers.Eval)
	}
	return floats(s, out)
}
