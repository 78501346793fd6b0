package arch

import "math"

// Pretrain is the optional supervised stage that runs before episodic training in the
// same run: mini-batches of the training images (never a validation or test class), one
// linear classifier per attribute group on position-averaged backbone features, summed
// cross-entropy (an image unlabelled in a group adds nothing to that group's term). Its
// validation scores the run's validation bank by nearest centroid on the features, and the
// epoch that scores best gives the backbone the episodic stage starts from.
type Pretrain struct {
	Epochs      int       `toml:"epochs"`          // 0 (default): no pretraining
	Batch       int       `toml:"batch"`           // images per mini-batch; default 64
	Optimizer   Optimizer `toml:"optimizer"`       // "sgd" (default; momentum and weight decay, as in RFS) or "adam"
	LR          float64   `toml:"lr"`              // default 0.05
	Momentum    float64   `toml:"momentum"`        // sgd: default 0.9
	WeightDecay float64   `toml:"weight_decay"`    // sgd: L2 penalty on every parameter; default 5e-4
	DecayEpochs []int     `toml:"lr_decay_epochs"` // the learning rate is multiplied by lr_gamma after each of these epochs
	Gamma       float64   `toml:"lr_gamma"`        // default 0.1
	Flip        bool      `toml:"flip"`            // mirror each image left to right with probability ½
	ValEvery    int       `toml:"val_every"`       // epochs between validations (and after the last); default 1
	// RotationLoss weighs the rotation-prediction auxiliary loss (Gidaris et al. 2019): each
	// batch is seen a second time, image i turned i mod 4 quarter turns, and a linear layer on
	// its pooled features predicts the turn. 0 (default): off. Needs square images.
	RotationLoss float64 `toml:"rotation_loss,omitzero"`
}

// On reports whether the run has a pretraining stage.
func (p Pretrain) On() bool { return p.Epochs > 0 }

// LRAt is the learning rate of epoch e (0-based).
func (p Pretrain) LRAt(e int) float64 {
	lr := p.LR
	for _, d := range p.DecayEpochs {
		if e >= d {
			lr *= p.Gamma
		}
	}
	return lr
}

// Validate checks the settings; the error is a *FieldError keyed within [pretrain].
func (p Pretrain) Validate() error {
	switch {
	case p.Epochs < 0:
		return bad("epochs", "%d: must be ≥ 0", p.Epochs)
	case p.Batch < 1:
		return bad("batch", "%d: must be ≥ 1", p.Batch)
	case p.ValEvery < 1:
		return bad("val_every", "%d: must be ≥ 1", p.ValEvery)
	case !(p.LR > 0) || math.IsInf(p.LR, 0):
		return bad("lr", "%g: must be positive and finite", p.LR)
	case !(p.Momentum >= 0 && p.Momentum < 1):
		return bad("momentum", "%g: must be in [0, 1)", p.Momentum)
	case !(p.RotationLoss >= 0) || math.IsInf(p.RotationLoss, 0):
		return bad("rotation_loss", "%g: must be ≥ 0 and finite (the auxiliary loss's weight; 0 is off)", p.RotationLoss)
	case !(p.WeightDecay >= 0) || math.IsInf(p.WeightDecay, 0):
		return bad("weight_decay", "%g: must be ≥ 0 and finite", p.WeightDecay)
	case !(p.Gamma > 0 && p.Gamma <= 1):
		return bad("lr_gamma", "%g: must be in (0, 1]", p.Gamma)
	}
	for i, e := range p.DecayEpochs {
		if e < 1 || (i > 0 && e <= p.DecayEpochs[i-1]) {
			return bad("lr_decay_epochs", "%v: want epochs ≥ 1 in increasing order", p.DecayEpochs)
		}
	}
	return nil
}

// Optimizer is the pretraining stage's optimiser.
type Optimizer string

const (
	SGD  Optimizer = "sgd"  // momentum and weight decay (RFS's choice)
	Adam Optimizer = "adam" // Adam, no weight decay
)

func (o *Optimizer) UnmarshalText(text []byte) error { return OneOf(o, text, SGD, Adam) }
