// Package build is the one place where a run's resolved configuration becomes what the
// tensor code runs on: libtorch's options (threads, seed, device, memory format) and the
// learner (network, loss and optimiser). Training, evaluation, predict and the benchmarks
// all build through it, each from the run's own settings, so that a setting means the same
// wherever a model is made. The data-dependent part, the input shape and each group's class
// count, comes from a checkpoint's model record, which a run writes from its data and a
// later command reads back.
package build

import (
	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/model/checkpoint"
	"github.com/relnet/relnet/tensors"
)

// Tensors is how libtorch is set up for a run of cfg: train.threads, train.seed,
// train.device and train.memory_format.
func Tensors(cfg spec.Config) tensors.Options {
	return tensors.Options{Threads: cfg.Train.Threads, Seed: cfg.Train.Seed, Device: string(cfg.Train.Device),
		ChannelsLast: cfg.Train.MemoryFormat == arch.ChannelsLast}
}

// Network is cfg's network for data with the groups and class counts of m.
func Network(cfg spec.Config, m checkpoint.Model) model.Config {
	return model.Config{Backbone: cfg.Backbone, Head: cfg.Heads.Head, Kind: cfg.Heads.Arch(), Loss: cfg.Loss.Kind,
		Groups: m.Groups, Classes: m.Classes, Interaction: cfg.Heads.Interaction, BF16: cfg.Train.Precision == arch.BF16}
}

// Input is the network's input shape for the images m describes.
func Input(m checkpoint.Model) layers.Shape {
	return layers.Shape{C: int64(m.Channels), H: int64(m.Height), W: int64(m.Width)}
}

// Learner builds cfg's learner for the data m describes, its weights drawn from train.seed.
// In a class split the classifier baseline scores episodes by nearest class mean: the test
// classes have no unit in its softmax layer. Call it on the tensor goroutine, after
// tensors.Setup(Tensors(cfg)).
func Learner(cfg spec.Config, m checkpoint.Model) (*model.Learner, error) {
	l, err := model.NewLearner(Network(cfg, m), Input(m), cfg.Train.Seed, cfg.Train.Optim)
	if err != nil {
		return nil, err
	}
	if cfg.Dataset.Split == spec.ClassSplit {
		l.Model.Scoring = model.NearestMean
	}
	l.ScaleBackbone(cfg.Train.BackboneLR)
	return l, nil
}
