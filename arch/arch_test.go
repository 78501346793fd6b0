package arch

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestLRSchedule(t *testing.T) {
	c := Optim{LR: 1e-3, LRStep: 100, LRGamma: 0.5}
	for _, tc := range []struct {
		episode int64
		want    float64
	}{{0, 1e-3}, {99, 1e-3}, {100, 5e-4}, {250, 2.5e-4}} {
		if got := c.LRAt(tc.episode); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("episode %d: lr %g, want %g", tc.episode, got, tc.want)
		}
	}
	if got := (Optim{LRStep: -1}).LRAt(1e9); got != 1e-3 {
		t.Errorf("no decay: %g", got)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		key  string
	}{
		{"backbone name", Backbone{Name: "resnet50"}.Validate(), "name"},
		{"backbone filters", Backbone{Filters: -1}.Validate(), "filters"},
		{"backbone widths", Backbone{Widths: [4]int64{1, 2, 0, 4}}.Validate(), "widths"},
		{"backbone momentum", Backbone{BNMomentum: 2}.Validate(), "bn_momentum"},
		{"head filters", Head{Filters: -1}.Validate(), "filters"},
		{"head hidden", Head{Hidden: -1}.Validate(), "hidden"},
		{"head padding", Head{Padding: "2"}.Validate(), "padding"},
		{"lr", Optim{LR: -1}.Validate(), "lr"},
		{"lr_gamma", Optim{LRGamma: 2}.Validate(), "lr_gamma"},
	} {
		var fe *FieldError
		if !errors.As(tc.err, &fe) || fe.Key != tc.key {
			t.Errorf("%s: got %v, want a FieldError for %q", tc.name, tc.err, tc.key)
		}
	}
	for _, err := range []error{Backbone{}.Validate(), Head{}.Validate(), Optim{}.Validate(), Backbone{Name: "resnet12"}.Validate()} {
		if err != nil {
			t.Errorf("defaults rejected: %v", err)
		}
	}
}

func TestLossText(t *testing.T) {
	for _, text := range []string{"mse", "ce"} {
		var l Loss
		if err := l.UnmarshalText([]byte(text)); err != nil || string(l) != text {
			t.Errorf("%q: %v, %q", text, err, l)
		}
	}
	var l Loss
	if err := l.UnmarshalText([]byte("hinge")); err == nil {
		t.Error("hinge accepted")
	}
}

func TestHeadKind(t *testing.T) {
	if !Relation.HasRelationHeads() || !SharedRelation.HasRelationHeads() || Prototype.HasRelationHeads() || Classifier.HasRelationHeads() {
		t.Error("HasRelationHeads")
	}
	if Centroid.Trains() || !Cosine.Trains() || !Relation.Trains() {
		t.Error("Trains: only the centroid baseline has nothing to train episodically")
	}
	var k HeadKind
	if err := k.UnmarshalText([]byte("shared relation")); err == nil || err.Error() != `"shared relation": want "relation", "prototype", "classifier", "centroid" or "cosine"` {
		t.Errorf("heads.kind \"shared relation\": %v, want the kinds a file may name", err)
	}
}

func TestInteractionWarmup(t *testing.T) {
	c := Interaction{Weight: 0.3, Warmup: 4}
	for i, want := range []float64{0.075, 0.15, 0.225, 0.3, 0.3, 0.3} {
		if got := c.WeightAt(int64(i)); math.Abs(got-want) > 1e-12 {
			t.Errorf("episode %d: λ %g, want %g", i, got, want)
		}
	}
	if got := (Interaction{Weight: 0.3}).WeightAt(0); got != 0.3 {
		t.Errorf("no warm-up: λ %g at episode 0, want 0.3", got)
	}
}

func TestInteractionValidate(t *testing.T) {
	for _, c := range []struct {
		in  Interaction
		key string
	}{
		{Interaction{Weight: -1}, "interaction"},
		{Interaction{Weight: math.NaN()}, "interaction"},
		{Interaction{Weight: 0.1, Confidence: 1}, "interaction_confidence"},
		{Interaction{Weight: 0.1, Confidence: -0.2}, "interaction_confidence"},
		{Interaction{Weight: 0.1, Warmup: -5}, "interaction_warmup"},
		{Interaction{Weight: 0.1, Form: Teacher, Confidence: 0.5, Warmup: 100}, ""},
	} {
		err := c.in.Validate()
		var fe *FieldError
		if c.key == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.in, err)
			}
			continue
		}
		if !errors.As(err, &fe) || fe.Key != c.key {
			t.Errorf("%+v: error %v, want one on %s", c.in, err, c.key)
		}
	}
	var f InteractionForm
	if err := f.UnmarshalText([]byte("one-way")); err == nil || !strings.Contains(err.Error(), `"teacher"`) {
		t.Errorf("unknown form: %v", err)
	}
}
