package model

import (
	"fmt"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/backbone"
	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/heads"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/losses"
	"github.com/relnet/relnet/tensors"
)

// Config describes the network and its loss. Zero fields take the defaults of each part.
type Config struct {
	Backbone backbone.Config
	Head     heads.Config
	Loss     losses.Kind // default "mse"
}

// Model is a relation network: backbone → relation head → logits [M,N].
type Model struct {
	Params   *layers.Params
	Backbone backbone.Backbone
	Head     *heads.Relation
	Loss     losses.Kind
	Input    layers.Shape
}

// New builds a model for images of shape in, with parameters drawn from seed.
func New(cfg Config, in layers.Shape, seed uint64) (m *Model, err error) {
	defer tensors.Recover(&err)
	if cfg.Loss == "" {
		cfg.Loss = losses.MSE
	}
	if err := cfg.Loss.Validate(); err != nil {
		return nil, err
	}
	p := layers.NewParams(seed)
	bb, err := backbone.New(p, in, cfg.Backbone)
	if err != nil {
		p.Free()
		return nil, err
	}
	head, err := heads.NewRelation(p, "head", bb.OutShape(), cfg.Head, cfg.Backbone.WithDefaults().BNMomentum)
	if err != nil {
		p.Free()
		return nil, err
	}
	return &Model{Params: p, Backbone: bb, Head: head, Loss: cfg.Loss, Input: in}, nil
}

// Logits scores every query of ep against its classes: [Way·Query, Way]. Support and query
// images go through the backbone in one call.
func (m *Model) Logits(s *tensors.Scope, ep *datasets.Episode, mode layers.Mode) *ts.Tensor {
	if ep.Channels != int(m.Input.C) || ep.Height != int(m.Input.H) || ep.Width != int(m.Input.W) {
		panic(&tensors.Error{Op: "logits", Err: fmt.Errorf("episode images are %d×%d×%d, the model was built for %d×%d×%d",
			ep.Channels, ep.Height, ep.Width, m.Input.C, m.Input.H, m.Input.W)})
	}
	way, shot := int64(ep.Spec.Way), int64(ep.Spec.Shot)
	nSupport := way * shot
	nQuery := int64(len(ep.QueryLabels))
	pixels := make([]float32, 0, len(ep.Support)+len(ep.Query))
	pixels = append(append(pixels, ep.Support...), ep.Query...)
	x := s.Float32(pixels, nSupport+nQuery, m.Input.C, m.Input.H, m.Input.W)
	feats := m.Backbone.Forward(s, x, mode)
	support := s.T(feats.Narrow(0, 0, nSupport, false))
	queries := s.T(feats.Narrow(0, nSupport, nQuery, false))
	return m.Head.Logits(s, heads.ClassMaps(s, support, way, shot), queries, mode)
}

// Labels is ep's query labels as an int64 tensor [M].
func Labels(s *tensors.Scope, ep *datasets.Episode) *ts.Tensor {
	l := make([]int64, len(ep.QueryLabels))
	for i, v := range ep.QueryLabels {
		l[i] = int64(v)
	}
	return s.Int64(l, int64(len(l)))
}

// Correct counts the queries whose highest logit is their own class.
func Correct(logits []float32, labels []int, way int) int {
	n := 0
	for i, label := range labels {
		row := logits[i*way : (i+1)*way]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == label {
			n++
		}
	}
	return n
}

// Free releases the model's tensors.
func (m *Model) Free() { m.Params.Free() }
