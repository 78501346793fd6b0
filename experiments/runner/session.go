package runner

import (
	"fmt"

	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// session is one run on the tensor goroutine: its data and its learner, built once, serving
// training and then evaluation.
type session struct {
	cfg     spec.Config
	text    string // the resolved configuration, as config.toml and checkpoints hold it
	dir     string
	set     *decoded // the experiment's decoded data set
	data    *runData // the run's samplers over it
	learner *model.Learner
}

// withSession gets cfg's decoded data from loader and builds the run's samplers, then, on
// the tensor goroutine, sets libtorch up, builds the learner and calls fn with the session.
// The learner is freed when fn returns.
func withSession(cfg spec.Config, loader *Loader, fn func(*session) error) error {
	text, err := cfg.Encode()
	if err != nil {
		return err
	}
	set, err := loader.load(cfg)
	if err != nil {
		return err
	}
	data, err := newRunData(cfg, set)
	if err != nil {
		return err
	}
	return tensors.Run(func() error {
		if _, err := tensors.Device(string(cfg.Train.Device)); err != nil {
			return fmt.Errorf("train.device: %w", err)
		}
		if err := tensors.Setup(tensors.Options{Threads: cfg.Train.Threads, Seed: cfg.Train.Seed}); err != nil {
			return err
		}
		mc := model.Config{Backbone: cfg.Backbone, Head: cfg.Heads.Head, Kind: cfg.Heads.Arch(), Loss: cfg.Loss.Kind,
			Groups: data.groups, Classes: data.classes, Interaction: cfg.Heads.Interaction}
		l, err := model.NewLearner(mc, data.shape, cfg.Train.Seed, cfg.Train.Optim)
		if err != nil {
			return err
		}
		defer l.Free()
		if cfg.Dataset.Split == spec.ClassSplit {
			l.Model.Scoring = model.NearestMean // the test classes have no unit in the classifier
		}
		return fn(&session{cfg: cfg, text: string(text), dir: cfg.RunDir(), set: set, data: data, learner: l})
	})
}
