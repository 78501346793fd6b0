package model

import (
	"math"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

func TestLRSchedule(t *testing.T) {
	c := OptimConfig{LR: 1e-3, LRStep: 100, LRGamma: 0.5}
	for _, tc := range []struct {
		episode int64
		want    float64
	}{{0, 1e-3}, {99, 1e-3}, {100, 5e-4}, {250, 2.5e-4}} {
		if got := c.LRAt(tc.episode); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("episode %d: lr %g, want %g", tc.episode, got, tc.want)
		}
	}
	if got := (OptimConfig{LRStep: -1}).LRAt(1e9); got != 1e-3 {
		t.Errorf("no decay: %g", got)
	}
	if err := (OptimConfig{LRGamma: 2}).Validate(); err == nil {
		t.Error("lr_gamma 2 accepted")
	}
}

func TestCorrect(t *testing.T) {
	logits := []float32{0.1, 0.9, 0.8, 0.2, 0.3, 0.4}
	if got := Correct(logits, []int{1, 0, 0}, 2); got != 2 {
		t.Errorf("correct %d, want 2", got)
	}
}

func TestLogitsShapeAndInputCheck(t *testing.T) {
	err := tensors.Run(func() error {
		m, err := New(Config{}, layers.Shape{C: 1, H: 28, W: 28}, 1)
		if err != nil {
			return err
		}
		defer m.Free()
		ep := &datasets.Episode{Spec: datasets.EpisodeSpec{Way: 3, Shot: 2, Query: 4}, Channels: 1, Height: 28, Width: 28,
			Support: make([]float32, 6*784), Query: make([]float32, 12*784), QueryLabels: make([]int, 12)}
		var s tensors.Scope
		defer s.Drop()
		if got := tensors.Shape(m.Logits(&s, ep, layers.Train)); got[0] != 12 || got[1] != 3 {
			t.Errorf("logits shape %v, want [12 3]", got)
		}
		bad := *ep
		bad.Height, bad.Width = 84, 84
		var perr error
		func() {
			defer tensors.Recover(&perr)
			m.Logits(&s, &bad, layers.Train)
		}()
		if perr == nil {
			t.Error("an 84×84 episode was accepted by a 28×28 model")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
