package model

import (
	"errors"
	"fmt"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/backbone"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/heads"
	"github.com/relnet/relnet/internal/cpu"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/losses"
	"github.com/relnet/relnet/tensors"
)

// Config describes the network and its loss. Zero fields take the defaults of each part.
type Config struct {
	Backbone arch.Backbone
	Head     arch.Head     // the relation heads' size (Relation and SharedRelation)
	Kind     arch.HeadKind // default Relation: a relation head per group
	Loss     arch.Loss     // default "mse"; Classifier always trains with cross-entropy
	// Groups names the exclusive attribute groups, each with its own head on the shared
	// backbone; default one group, "class".
	Groups []string
	// Interaction is the loss that links the heads: its weight λ (0 = off), form, confidence
	// gate and warm-up.
	Interaction arch.Interaction
	// Classes is, per group, the number of classes of the Classifier's softmax layer.
	Classes []int
	// BF16 computes convolutions, linear layers and matrix products in bfloat16 (libtorch's
	// CPU autocast) from fp32 weights; BatchNorm, the losses and Adam stay in fp32.
	BF16 bool
}

// Scoring is how the Classifier baseline scores an episode; other kinds have one way.
type Scoring int

const (
	// Softmax restricts the group's softmax layer to the episode's classes.
	Softmax Scoring = iota
	// NearestMean gives each query the class whose mean backbone feature is nearest, for
	// classes the softmax layer has no unit for (unseen in training).
	NearestMean
)

// Model is a (multi-head) relation network: a shared backbone and one head per attribute
// group, each mapping an episode of its group to logits [M,N].
type Model struct {
	Params      *layers.Params
	Backbone    backbone.Backbone
	Kind        arch.HeadKind
	Heads       []heads.Head // per group; all the same head with SharedRelation
	Groups      []string
	Loss        arch.Loss
	Interaction arch.Interaction
	Input       layers.Shape
	BF16        bool // see Config.BF16
	// FrozenBackbone keeps the backbone as it is while the heads train: it runs with its
	// BatchNorm running statistics and passes no gradient back.
	FrozenBackbone bool
	// Scoring is how the Classifier scores episodes; the caller sets it (NearestMean when the
	// test classes are unseen in training).
	Scoring Scoring
}

// ErrNoBF16 refuses bf16 on a CPU without native bfloat16: libtorch would emulate it, slower
// than fp32.
var ErrNoBF16 = errors.New("bf16 precision needs a CPU with AVX512-BF16 or AMX-BF16, and /proc/cpuinfo lists neither " +
	"(libtorch would emulate bf16, slower than fp32); set train.precision = \"fp32\"")

// New builds a model for images of shape in, with parameters drawn from seed.
func New(cfg Config, in layers.Shape, seed uint64) (m *Model, err error) {
	defer tensors.Recover(&err)
	if cfg.Loss == "" {
		cfg.Loss = arch.MSE
	}
	if cfg.Kind == "" {
		cfg.Kind = arch.Relation
	}
	if len(cfg.Groups) == 0 {
		cfg.Groups = []string{"class"}
	}
	if cfg.BF16 && tensors.CurrentDevice() == "cpu" && !cpu.HasBF16() {
		return nil, ErrNoBF16
	}
	p := layers.NewParams(seed)
	defer func() {
		if err != nil {
			p.Free()
		}
	}()
	bb, err := backbone.New(p, in, cfg.Backbone)
	if err != nil {
		return nil, err
	}
	m = &Model{Params: p, Backbone: bb, Kind: cfg.Kind, Groups: cfg.Groups, Loss: cfg.Loss, Interaction: cfg.Interaction.WithDefaults(), Input: in, BF16: cfg.BF16}
	for i := range cfg.Groups {
		h, err := m.newHead(p, cfg, i)
		if err != nil {
			return nil, err
		}
		m.Heads = append(m.Heads, h)
	}
	return m, nil
}

// newHead builds the head of group i of cfg's kind on the backbone's output, its parameters
// in p; with SharedRelation every group after the first gets the first group's head.
func (m *Model) newHead(p *layers.Params, cfg Config, i int) (heads.Head, error) {
	g, out := cfg.Groups[i], m.Backbone.OutShape()
	switch cfg.Kind {
	case arch.Classifier:
		if len(cfg.Classes) != len(cfg.Groups) || cfg.Classes[i] < 2 {
			return nil, fmt.Errorf("the classifier baseline needs the class count of every group, got %v for %v", cfg.Classes, cfg.Groups)
		}
		return heads.NewClassifier(p, "classifier."+g, out, int64(cfg.Classes[i])), nil
	case arch.Prototype:
		return heads.Prototype{}, nil
	case arch.Centroid:
		return heads.Cosine{}, nil
	case arch.Cosine:
		return heads.NewCosine(p, "cosine."+g), nil
	case arch.SharedRelation, arch.Relation:
		if cfg.Kind == arch.SharedRelation && i > 0 {
			return m.Heads[0], nil
		}
		name := "head." + g
		if cfg.Kind == arch.SharedRelation {
			name = "head.shared"
		}
		if len(cfg.Groups) == 1 {
			name = "head"
		}
		return heads.NewRelation(p, name, out, cfg.Head, cfg.Backbone.WithDefaults().BNMomentum)
	}
	return nil, fmt.Errorf("unknown head kind %v", cfg.Kind)
}

// Output is a forward pass over one episode per group.
type Output struct {
	// Logits[g] scores group g's queries against its episode's classes: [M_g, N_g].
	Logits []*ts.Tensor
	// Cross[g][h] (g ≠ h, only when the model has an interaction loss) scores group g's
	// queries with head h against group h's episode classes: [M_g, N_h].
	Cross [][]*ts.Tensor
	// Full[g] (classifier only) is group g's softmax layer on all images of its episode,
	// supports then queries: [N·K + M, classes].
	Full []*ts.Tensor
}

// encode runs all images of eps through the backbone in one call and returns, per episode,
// its support maps [N·K,C,H,W] and query maps [M,C,H,W].
func (m *Model) encode(s *tensors.Scope, eps []*sampling.Episode, mode layers.Mode) (supports, queries []*ts.Tensor) {
	var pixels []float32
	var total int64
	for _, ep := range eps {
		if ep.Channels != int(m.Input.C) || ep.Height != int(m.Input.H) || ep.Width != int(m.Input.W) {
			panic(&tensors.Error{Op: "forward", Err: fmt.Errorf("episode images are %d×%d×%d, the model was built for %d×%d×%d",
				ep.Channels, ep.Height, ep.Width, m.Input.C, m.Input.H, m.Input.W)})
		}
		pixels = append(append(pixels, ep.Support...), ep.Query...)
		total += int64(ep.Spec.Way*ep.Spec.Shot + len(ep.QueryLabels))
	}
	feats := m.Embed(s, pixels, total, mode)
	var at int64
	for _, ep := range eps {
		way, shot := int64(ep.Spec.Way), int64(ep.Spec.Shot)
		nq := int64(len(ep.QueryLabels))
		supports = append(supports, s.T(feats.Narrow(0, at, way*shot, false)))
		queries = append(queries, s.T(feats.Narrow(0, at+way*shot, nq, false)))
		at += way*shot + nq
	}
	return supports, queries
}

// Embed runs n images (pixels: C×H×W each, in the model's input shape) through the
// backbone in one call: feature maps [n,C',H',W'].
func (m *Model) Embed(s *tensors.Scope, pixels []float32, n int64, mode layers.Mode) (feats *ts.Tensor) {
	if m.FrozenBackbone && mode == layers.Train {
		mode = layers.Eval
	}
	m.inPrecision(func() {
		feats = tensors.Float(s, m.Backbone.Forward(s, s.Float32(pixels, n, m.Input.C, m.Input.H, m.Input.W), mode))
	})
	if m.FrozenBackbone {
		feats = s.T(feats.Detach(false))
	}
	return feats
}

// Score scores feature maps feats with group g's head against its class maps
// (heads.Head.Score), in the model's precision: logits [n, classes] in float32.
func (m *Model) Score(s *tensors.Scope, g int, classes, feats *ts.Tensor, mode layers.Mode) (logits *ts.Tensor) {
	m.inPrecision(func() { logits = m.Heads[g].Score(s, classes, feats, mode) })
	return tensors.Float(s, logits)
}

// inPrecision runs fn in the model's precision: with BF16, under bf16 autocast.
func (m *Model) inPrecision(fn func()) {
	if m.BF16 {
		tensors.BF16(fn)
		return
	}
	fn()
}

// floats casts each of ts to float32 (logits leave a bf16 model in fp32, for the losses).
func floats(s *tensors.Scope, t []*ts.Tensor) []*ts.Tensor {
	for i := range t {
		if t[i] != nil {
			t[i] = tensors.Float(s, t[i])
		}
	}
	return t
}

// Forward scores eps (one episode per group, in group order) in one backbone call; the
// output is float32 whatever the model's precision.
func (m *Model) Forward(s *tensors.Scope, eps []*sampling.Episode, mode layers.Mode) (out Output) {
	m.inPrecision(func() { out = m.forward(s, eps, mode) })
	floats(s, out.Logits)
	floats(s, out.Full)
	for _, cross := range out.Cross {
		floats(s, cross)
	}
	return out
}

func (m *Model) forward(s *tensors.Scope, eps []*sampling.Episode, mode layers.Mode) Output {
	if len(eps) != len(m.Groups) {
		panic(&tensors.Error{Op: "forward", Err: fmt.Errorf("%d episodes for %d groups", len(eps), len(m.Groups))})
	}
	supports, queries := m.encode(s, eps, mode)
	if m.Kind == arch.Classifier {
		out := Output{}
		for g, ep := range eps {
			all := s.T(ts.Cat([]*ts.Tensor{supports[g], queries[g]}, 0))
			out.Full = append(out.Full, m.Heads[g].(*heads.Classifier).Full(s, all))
			out.Logits = append(out.Logits, m.classify(s, g, ep, supports[g], queries[g], mode))
		}
		return out
	}
	score := func(h, g int) *ts.Tensor { // head h: g's queries against h's classes
		sp := eps[h].Spec
		return m.Heads[h].Logits(s, supports[h], int64(sp.Way), int64(sp.Shot), queries[g], mode)
	}
	out := Output{Logits: make([]*ts.Tensor, len(eps))}
	for g := range eps {
		out.Logits[g] = score(g, g)
	}
	if m.Interaction.Weight > 0 && len(eps) > 1 {
		out.Cross = make([][]*ts.Tensor, len(eps))
		for g := range eps {
			out.Cross[g] = make([]*ts.Tensor, len(eps))
			for h := range eps {
				if h != g {
					out.Cross[g][h] = score(h, g)
				}
			}
		}
	}
	return out
}

// GroupLogits scores episodes of group g with g's head, [M_i,N_i] each. With running
// BatchNorm statistics (Train's are updated, EvalBatch's are the batch's own) each episode
// is its own backbone call; in Eval mode all episodes' images go through in one call.
func (m *Model) GroupLogits(s *tensors.Scope, g int, eps []*sampling.Episode, mode layers.Mode) (logits []*ts.Tensor) {
	m.inPrecision(func() { logits = m.groupLogits(s, g, eps, mode) })
	return floats(s, logits)
}

func (m *Model) groupLogits(s *tensors.Scope, g int, eps []*sampling.Episode, mode layers.Mode) []*ts.Tensor {
	var supports, queries []*ts.Tensor
	if mode == layers.Eval {
		supports, queries = m.encode(s, eps, mode)
	} else {
		for _, ep := range eps {
			sp, q := m.encode(s, []*sampling.Episode{ep}, mode)
			supports, queries = append(supports, sp[0]), append(queries, q[0])
		}
	}
	out := make([]*ts.Tensor, len(eps))
	for i, ep := range eps {
		if m.Kind == arch.Classifier {
			out[i] = m.classify(s, g, ep, supports[i], queries[i], mode)
		} else {
			out[i] = m.Heads[g].Logits(s, supports[i], int64(ep.Spec.Way), int64(ep.Spec.Shot), queries[i], mode)
		}
	}
	return out
}

// classify scores an episode with group g's softmax layer restricted to the episode's
// classes, or by nearest mean feature with NearestMean scoring: [M,N].
func (m *Model) classify(s *tensors.Scope, g int, ep *sampling.Episode, support, queries *ts.Tensor, mode layers.Mode) *ts.Tensor {
	c := m.Heads[g].(*heads.Classifier)
	if m.Scoring == NearestMean {
		return c.Logits(s, support, int64(ep.Spec.Way), int64(ep.Spec.Shot), queries, mode)
	}
	return c.Restricted(s, queries, ep.Classes)
}

// Objective is the training loss of training episode i: Σ_g L_g + λ_i·interaction, with λ_i
// the interaction weight after its warm-up. parts[g] is group g's relation loss; the
// interaction term needs cooc (P(h-value | g-value) from the training labels) and is skipped
// when the model has none.
func (m *Model) Objective(s *tensors.Scope, eps []*sampling.Episode, out Output, cooc *losses.Cooccurrence, i int64) (total *ts.Tensor, parts []*ts.Tensor) {
	for g, ep := range eps {
		var part *ts.Tensor
		if out.Full != nil {
			part = losses.Compute(s, arch.CrossEntropy, out.Full[g], classLabels(s, ep))
		} else {
			part = losses.Compute(s, m.Loss, out.Logits[g], Labels(s, ep))
		}
		parts = append(parts, part)
		if total == nil {
			total = part
		} else {
			total = s.T(total.Add(part, false))
		}
	}
	lambda := m.Interaction.WeightAt(i)
	if out.Cross == nil || cooc == nil || lambda == 0 {
		return total, parts
	}
	for g := range eps {
		for h := range eps {
			if h == g {
				continue
			}
			table := cooc.Matrix(g, h, eps[g].Classes, eps[h].Classes)
			mgh := s.Float32(table, int64(len(eps[g].Classes)), int64(len(eps[h].Classes)))
			kl := losses.Interaction(s, out.Logits[g], out.Cross[g][h], mgh, m.Interaction.Form, m.Interaction.Confidence)
			total = s.T(total.Add(s.T(kl.MulScalar(s.Scalar(lambda), false)), false))
		}
	}
	return total, parts
}

// Labels is ep's query labels as an int64 tensor [M].
func Labels(s *tensors.Scope, ep *sampling.Episode) *ts.Tensor {
	l := make([]int64, len(ep.QueryLabels))
	for i, v := range ep.QueryLabels {
		l[i] = int64(v)
	}
	return s.Int64(l, int64(len(l)))
}

// classLabels is the class ids of ep's supports then queries, as an int64 tensor.
func classLabels(s *tensors.Scope, ep *sampling.Episode) *ts.Tensor {
	var l []int64
	for i := range ep.Spec.Way * ep.Spec.Shot {
		l = append(l, int64(ep.Classes[i/ep.Spec.Shot]))
	}
	for _, v := range ep.QueryLabels {
		l = append(l, int64(ep.Classes[v]))
	}
	return s.Int64(l, int64(len(l)))
}

// Correct counts the queries whose highest logit is their own class.
func Correct(logits []float32, labels []int, way int) int {
	n := 0
	for i, label := range labels {
		if Argmax(logits[i*way:(i+1)*way]) == label {
			n++
		}
	}
	return n
}

// Argmax is the index of row's highest value, the first of equals.
func Argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

// RightQueries says, for each of eps (episodes of group g), which of its queries g's head
// classifies right, computed without autograd (GroupLogits says how the episodes are batched).
func (m *Model) RightQueries(g int, eps []*sampling.Episode, mode layers.Mode) [][]bool {
	return rightOf(eps, m.PredictedQueries(g, eps, mode))
}

// CentroidRightQueries says which queries of each of eps nearest centroid (Model.Centroid)
// classifies right, computed without autograd.
func (m *Model) CentroidRightQueries(eps []*sampling.Episode) [][]bool {
	return rightOf(eps, predicted(eps, func(s *tensors.Scope) []*ts.Tensor { return m.Centroid(s, eps) }))
}

// PredictedQueries gives, for each of eps (episodes of group g), the episode label
// (0..Way−1) g's head gives each of its queries, its highest logit (the first of equals),
// computed without autograd as RightQueries is.
func (m *Model) PredictedQueries(g int, eps []*sampling.Episode, mode layers.Mode) [][]int {
	return predicted(eps, func(s *tensors.Scope) []*ts.Tensor { return m.GroupLogits(s, g, eps, mode) })
}

// predicted gives each query of each of eps the label of its highest logit, from the logits
// that score computes (one [M,N] per episode) without autograd.
func predicted(eps []*sampling.Episode, score func(*tensors.Scope) []*ts.Tensor) [][]int {
	prev := tensors.SetGrad(false)
	defer tensors.SetGrad(prev)
	var s tensors.Scope
	defer s.Drop()
	out := make([][]int, len(eps))
	for i, t := range score(&s) {
		logits, way := tensors.Values(t), eps[i].Spec.Way
		out[i] = make([]int, len(eps[i].QueryLabels))
		for q := range out[i] {
			out[i][q] = Argmax(logits[q*way : (q+1)*way])
		}
	}
	return out
}

// rightOf says which of the predicted labels of each of eps's queries are their true labels.
func rightOf(eps []*sampling.Episode, pred [][]int) [][]bool {
	out := make([][]bool, len(eps))
	for i, p := range pred {
		out[i] = make([]bool, len(p))
		for q, label := range p {
			out[i][q] = label == eps[i].QueryLabels[q]
		}
	}
	return out
}

// Free releases the model's tensors.
func (m *Model) Free() { m.Params.Free() }
