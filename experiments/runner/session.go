package runner

import (
	"fmt"

	"github.com/relnet/relnet/experiments/build"
	"github.com/relnet/relnet/experiments/rundata"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/losses"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/model/checkpoint"
	"github.com/relnet/relnet/tensors"
)

// session is one run on the tensor goroutine: its data and its learner, built once, serving
// training and then evaluation.
type session struct {
	cfg     spec.Config
	text    string // the resolved configuration, as config.toml and checkpoints hold it
	dir     string
	set     *rundata.Decoded // the experiment's decoded data set
	run     *rundata.Run     // the run's samplers over it
	model   checkpoint.Model // what the network is built for, as its checkpoints record it
	cooc    *losses.Cooccurrence
	learner *model.Learner
	heads   []int // per group of run, the model's head that scores it (nil: the same index)
}

// head is the model's head that scores group g of the session's run.
func (s *session) head(g int) int {
	if s.heads == nil {
		return g
	}
	return s.heads[g]
}

// withSession gets cfg's decoded data from loader and builds the run's samplers (recording a
// drawn class split in the configuration), then, on
// the tensor goroutine, sets libtorch up, builds the learner and calls fn with the session.
// The learner is freed when fn returns.
func withSession(cfg spec.Config, loader *rundata.Loader, fn func(*session) error) error {
	set, err := loader.Load(cfg)
	if err != nil {
		return err
	}
	run, err := rundata.New(cfg, set)
	if err != nil {
		return err
	}
	if run.Drawn != nil { // config.toml records a random class split by name
		cfg = cfg.WithClassLists(run.Drawn)
	}
	text, err := cfg.Encode()
	if err != nil {
		return err
	}
	var cooc *losses.Cooccurrence
	if run.TrainLabels != nil {
		cooc = losses.NewCooccurrence(run.TrainLabels, run.Values, 1)
	}
	m := checkpoint.Model{Channels: run.Shape.Channels, Height: run.Shape.Height, Width: run.Shape.Width,
		Mean: run.Mean, Std: run.Std, Groups: run.Groups, Classes: run.Classes}
	return withLearner(&session{cfg: cfg, text: string(text), dir: cfg.RunDir(), set: set, run: run, model: m, cooc: cooc}, fn)
}

// withLearner sets libtorch up on the tensor goroutine, builds s's learner for s.model and
// calls fn with the session; the learner is freed when fn returns.
func withLearner(s *session, fn func(*session) error) error {
	cfg := s.cfg
	return tensors.Run(func() error {
		if _, err := tensors.Device(string(cfg.Train.Device)); err != nil {
			return fmt.Errorf("train.device: %w", err)
		}
		if err := tensors.Setup(build.Tensors(cfg)); err != nil {
			return err
		}
		l, err := build.Learner(cfg, s.model)
		if err != nil {
			return err
		}
		defer l.Free()
		s.learner = l
		return fn(s)
	})
}
