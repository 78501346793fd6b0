package arch

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// FieldError is a bad value of one setting, the one error type of relnet's configuration:
// the file and the line that set it (0 when unknown), its dotted key (a part's Validate
// gives the key within its table, e.g. "filters" of [backbone], and the experiment file's
// reader adds the table, file and line), what is wrong with it, and the run of a plan whose
// resolved value is bad when only some runs are.
type FieldError struct {
	File string
	Line int
	Key  string
	Msg  string
	Run  string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	if e.Run != "" {
		fmt.Fprintf(&b, " (run %s)", e.Run)
	}
	return b.String()
}

func bad(key, format string, args ...any) error {
	return &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// OneOf decodes a kind: text must be one of the allowed names, else the error lists them
// ("x": want "a", "b" or "c"). Every named kind of relnet's configuration decodes with it.
func OneOf[T ~string](dst *T, text []byte, allowed ...T) error {
	if slices.Contains(allowed, T(text)) {
		*dst = T(text)
		return nil
	}
	return fmt.Errorf("%q: want %s", string(text), Names(allowed...))
}

// Names lists a kind's names for messages: "a", "b" or "c".
func Names[T ~string](names ...T) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", string(n))
	}
	if len(quoted) < 2 {
		return strings.Join(quoted, "")
	}
	last := len(quoted) - 1
	return strings.Join(quoted[:last], ", ") + " or " + quoted[last]
}

// Backbone chooses and sizes the embedding CNN. The zero value means Conv-4 with 64 filters
// and BatchNorm momentum 0.1.
type Backbone struct {
	Name       BackboneName `toml:"name"`        // "conv4" or "resnet12"
	Filters    int64        `toml:"filters"`     // conv4: channels of every block; default 64
	Widths     [4]int64     `toml:"widths"`      // resnet12: channels of the four residual blocks; default [64, 160, 320, 640]
	BNMomentum float64      `toml:"bn_momentum"` // running-statistics momentum; default 0.1 (the paper used 1)
	// Init is a safetensors file the backbone's weights start from, under the names relnet
	// export writes (a relative path: to the experiment file); "" draws them from the seed.
	Init string `toml:"init"`
}

// BackboneName names an embedding CNN.
type BackboneName string

const (
	Conv4    BackboneName = "conv4"    // four conv blocks, the paper's embedding
	ResNet12 BackboneName = "resnet12" // four residual blocks (Oreshkin et al.'s widths)
)

func (n *BackboneName) UnmarshalText(text []byte) error { return OneOf(n, text, Conv4, ResNet12) }

// WithDefaults fills zero fields.
func (c Backbone) WithDefaults() Backbone {
	if c.Name == "" {
		c.Name = Conv4
	}
	if c.Filters == 0 {
		c.Filters = 64
	}
	if c.Widths == [4]int64{} {
		c.Widths = [4]int64{64, 160, 320, 640}
	}
	if c.BNMomentum == 0 {
		c.BNMomentum = 0.1
	}
	return c
}

// Validate reports the first bad field as a *FieldError.
func (c Backbone) Validate() error {
	c = c.WithDefaults()
	if err := OneOf(&c.Name, []byte(c.Name), Conv4, ResNet12); err != nil {
		return bad("name", "%v", err)
	}
	if c.Filters < 1 {
		return bad("filters", "%d: must be ≥ 1", c.Filters)
	}
	for _, w := range c.Widths {
		if w < 1 {
			return bad("widths", "%v: every width must be ≥ 1", c.Widths)
		}
	}
	if c.BNMomentum <= 0 || c.BNMomentum > 1 {
		return bad("bn_momentum", "%g: must be in (0, 1]", c.BNMomentum)
	}
	return nil
}

// Head sizes a relation head. The zero value means 64 filters, 8 hidden units and automatic
// padding.
type Head struct {
	Filters int64 `toml:"filters"` // channels of the two conv blocks; default 64
	Hidden  int64 `toml:"hidden"`  // units of the first fully connected layer; default 8
	// Padding of the two 3×3 convs: "auto" (default) picks 0 (the paper's miniImageNet
	// setting) when the feature map survives two unpadded conv + pool blocks, else 1 (its
	// Omniglot setting); or "0" / "1".
	Padding Padding `toml:"padding"`
}

// Padding is the relation head's conv padding.
type Padding string

const (
	PadAuto Padding = "auto" // 0 when the feature map survives two unpadded conv + pool blocks, else 1
	Pad0    Padding = "0"
	Pad1    Padding = "1"
)

func (p *Padding) UnmarshalText(text []byte) error { return OneOf(p, text, PadAuto, Pad0, Pad1) }

// WithDefaults fills zero fields.
func (c Head) WithDefaults() Head {
	if c.Filters == 0 {
		c.Filters = 64
	}
	if c.Hidden == 0 {
		c.Hidden = 8
	}
	if c.Padding == "" {
		c.Padding = PadAuto
	}
	return c
}

// Validate reports the first bad field as a *FieldError.
func (c Head) Validate() error {
	c = c.WithDefaults()
	if c.Filters < 1 {
		return bad("filters", "%d: must be ≥ 1", c.Filters)
	}
	if c.Hidden < 1 {
		return bad("hidden", "%d: must be ≥ 1", c.Hidden)
	}
	if err := OneOf(&c.Padding, []byte(c.Padding), PadAuto, Pad0, Pad1); err != nil {
		return bad("padding", "%v", err)
	}
	return nil
}

// HeadKind is how a model scores each attribute group's episodes.
type HeadKind string

const (
	// Relation gives every group its own relation head on the shared backbone (the default,
	// also the zero value "").
	Relation HeadKind = "relation"
	// SharedRelation makes one relation head serve every group (the single-head baseline);
	// an experiment file asks for it with heads.shared = true.
	SharedRelation HeadKind = "shared relation"
	// Prototype is Snell et al.'s parameter-free head: negative squared distance to each
	// class's mean feature map (a baseline; train it with cross-entropy).
	Prototype HeadKind = "prototype"
	// Classifier is the supervised baseline: one softmax layer per group over the flattened
	// backbone features, trained with cross-entropy over all the group's classes.
	Classifier HeadKind = "classifier"
	// Centroid is nearest class mean of L2-normalised, position-averaged features, with no
	// episodic training: the baseline of a pretrained embedding ([pretrain]).
	Centroid HeadKind = "centroid"
	// Cosine is Meta-Baseline: the cosine of a query to each class mean, times a learned
	// temperature, trained episodically with cross-entropy (on a pretrained backbone).
	Cosine HeadKind = "cosine"
)

// UnmarshalText accepts the kinds an experiment file's heads.kind names.
func (k *HeadKind) UnmarshalText(text []byte) error {
	return OneOf(k, text, Relation, Prototype, Classifier, Centroid, Cosine)
}

// HasRelationHeads reports whether the kind has trained relation heads.
func (k HeadKind) HasRelationHeads() bool { return k == Relation || k == SharedRelation || k == "" }

// Trains reports whether the kind has anything to train episodically (Centroid has not).
func (k HeadKind) Trains() bool { return k != Centroid }

// Loss names a training loss.
type Loss string

const (
	// MSE is the paper's loss: mean over all M·N pairs of (sigmoid(logit) − 1[class = label])².
	MSE Loss = "mse"
	// CrossEntropy is softmax cross-entropy over each query's N logits.
	CrossEntropy Loss = "ce"
)

func (l *Loss) UnmarshalText(text []byte) error { return OneOf(l, text, MSE, CrossEntropy) }

// Optim is Adam with step decay and optional gradient-norm clipping. Zero fields take the
// paper's values.
type Optim struct {
	LR       float64 `toml:"lr"`        // default 1e-3
	LRStep   int64   `toml:"lr_step"`   // episodes between decays; default 100000; negative: never
	LRGamma  float64 `toml:"lr_gamma"`  // decay factor; default 0.5
	ClipNorm float64 `toml:"clip_norm"` // max gradient L2 norm; default 0.5; negative: no clipping
}

// WithDefaults fills zero fields.
func (c Optim) WithDefaults() Optim {
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.LRStep == 0 {
		c.LRStep = 100000
	}
	if c.LRGamma == 0 {
		c.LRGamma = 0.5
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 0.5
	}
	return c
}

// Validate reports the first bad field as a *FieldError.
func (c Optim) Validate() error {
	c = c.WithDefaults()
	if c.LR <= 0 || math.IsNaN(c.LR) || math.IsInf(c.LR, 0) {
		return bad("lr", "%g: must be > 0", c.LR)
	}
	if c.LRGamma <= 0 || c.LRGamma > 1 {
		return bad("lr_gamma", "%g: must be in (0, 1]", c.LRGamma)
	}
	return nil
}

// LRAt is the learning rate for training episode i (0-based).
func (c Optim) LRAt(i int64) float64 {
	c = c.WithDefaults()
	if c.LRStep < 0 {
		return c.LR
	}
	return c.LR * math.Pow(c.LRGamma, float64(i/c.LRStep))
}

// InteractionForm is how the interaction loss sends gradients into the heads it links.
type InteractionForm string

const (
	// Symmetric is the original form: KL(p_h ‖ p_g·M) trains both heads, the predicting
	// head h and the source head g.
	Symmetric InteractionForm = "symmetric"
	// Teacher detaches the target p_g·M: only the predicting head h (and the backbone under
	// it) learns from the term; the source head g gets no gradient from it.
	Teacher InteractionForm = "teacher"
)

func (f *InteractionForm) UnmarshalText(text []byte) error {
	return OneOf(f, text, Symmetric, Teacher)
}

// Interaction weights and shapes the loss that links the relation heads (losses.Interaction).
// The zero value is off; a positive Weight with the other fields zero is the original,
// symmetric form at full weight from the first episode.
type Interaction struct {
	Weight float64         `toml:"interaction"`      // λ; 0 = off
	Form   InteractionForm `toml:"interaction_form"` // "symmetric" (default) or "teacher"
	// Confidence gates the term per query: only queries whose target p_g·M (what the source
	// head believes of group h) puts at least this probability on one value count; 0 = all.
	Confidence float64 `toml:"interaction_confidence"`
	// Warmup is the number of training episodes over which λ ramps linearly up from 0.
	Warmup int64 `toml:"interaction_warmup"`
}

// WithDefaults fills zero fields.
func (c Interaction) WithDefaults() Interaction {
	if c.Form == "" {
		c.Form = Symmetric
	}
	return c
}

// Validate reports the first bad field as a *FieldError.
func (c Interaction) Validate() error {
	switch {
	case c.Weight < 0 || math.IsNaN(c.Weight) || math.IsInf(c.Weight, 0):
		return bad("interaction", "%g: must be ≥ 0", c.Weight)
	case c.Confidence < 0 || c.Confidence >= 1 || math.IsNaN(c.Confidence):
		return bad("interaction_confidence", "%g: must be in [0, 1) (0 = every query counts)", c.Confidence)
	case c.Warmup < 0:
		return bad("interaction_warmup", "%d: must be ≥ 0", c.Warmup)
	}
	return nil
}

// WeightAt is λ at training episode i (0-based): Weight·min(1, (i+1)/Warmup).
func (c Interaction) WeightAt(i int64) float64 {
	if c.Warmup <= 0 || i+1 >= c.Warmup {
		return c.Weight
	}
	return c.Weight * float64(i+1) / float64(c.Warmup)
}
