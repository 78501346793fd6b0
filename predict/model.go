package predict

import (
	"fmt"
	"os"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/build"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/model/checkpoint"
	"github.com/relnet/relnet/tensors"
)

// Model is a trained network as its checkpoint describes it, ready to score images.
type Model struct {
	Checkpoint string
	Header     checkpoint.Header
	Config     spec.Config // the run's resolved configuration, from the checkpoint
	Shape      datasets.ImageShape
	Net        *model.Model
	learner    *model.Learner
}

// Runtime is where predict runs: libtorch's intra-op threads (0 = one per CPU) and the device
// ("cpu", "cuda" or "auto"). Everything else (the memory format, the precision) is the run's
// own setting, read from its checkpoint.
type Runtime struct {
	Threads int
	Device  string
}

// Open sets libtorch up as the run in the checkpoint at path was trained (its memory format;
// rt's threads and device), builds its network and loads its weights; it needs no training
// data. When runConfig names a file (a run's config.toml), the checkpoint must hold the same
// model. Call it, and every method, on the tensor goroutine (tensors.Run); Free releases the
// model.
func Open(path, runConfig string, rt Runtime) (*Model, error) {
	h, err := checkpoint.ReadHeader(path)
	if err == checkpoint.ErrNone {
		return nil, fmt.Errorf("no checkpoint at %s: train the run first, or name one with --checkpoint", path)
	}
	if err != nil {
		return nil, err
	}
	if h.Model.Channels == 0 {
		return nil, fmt.Errorf("checkpoint %s was written by a relnet that did not record the input shape and normalisation; train the run again to use it", path)
	}
	cfg, err := spec.Parse(path+" (its configuration)", []byte(h.Config))
	if err != nil {
		return nil, err
	}
	if runConfig != "" {
		text, err := os.ReadFile(runConfig)
		if err != nil {
			return nil, err
		}
		if string(text) != h.Config && !cfg.SameModel(string(text)) {
			return nil, fmt.Errorf("checkpoint %s holds another architecture than %s ([backbone] or [heads] differ)", path, runConfig)
		}
	}
	opts := build.Tensors(cfg)
	opts.Threads, opts.Device = rt.Threads, rt.Device
	if err := tensors.Setup(opts); err != nil {
		return nil, err
	}
	mh := h.Model
	l, err := build.Learner(cfg, mh)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if _, err := checkpoint.Load(path, l.State()); err != nil {
		l.Free()
		return nil, err
	}
	return &Model{Checkpoint: path, Header: h, Config: cfg, Net: l.Model, learner: l,
		Shape: datasets.ImageShape{Channels: mh.Channels, Height: mh.Height, Width: mh.Width}}, nil
}

// Free releases the network.
func (m *Model) Free() { m.learner.Free() }

// Group is the index of the model's group called name.
func (m *Model) Group(name string) (int, error) {
	for g, n := range m.Net.Groups {
		if n == name {
			return g, nil
		}
	}
	return -1, fmt.Errorf("the model has no group %q; its groups: %v", name, m.Net.Groups)
}

// Normalize brings decoded pixels (CHW images in [0,1]) to the network's input, with the
// training split's statistics, in place.
func (m *Model) Normalize(pixels []float32) {
	size := m.Shape.Size()
	for i := 0; i+size <= len(pixels); i += size {
		sampling.Normalize(pixels[i:i+size], m.Header.Model.Mean, m.Header.Model.Std, m.Shape.Channels)
	}
}

// Probabilities says how logits become scores: the relation score (sigmoid) for relation
// heads trained with MSE, else the softmax over the support's classes.
func (m *Model) Probabilities(s *tensors.Scope, logits *ts.Tensor) *ts.Tensor {
	if m.Net.Kind.HasRelationHeads() && m.Net.Loss == arch.MSE {
		return s.T(logits.Sigmoid(false))
	}
	return s.T(logits.Softmax(1, logits.DType(), false))
}
