package runner

import (
	"testing"

	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/experiments/results"
)

func TestPixelFloor(t *testing.T) {
	// 2-way 2-shot on 1×1×2 images: class 0 around (0,0), class 1 around (10,10).
	ep := &sampling.Episode{
		Spec:     sampling.EpisodeSpec{Way: 2, Shot: 2, Query: 2},
		Channels: 1, Height: 1, Width: 2,
		Support: []float32{0, 0, 2, 0, 10, 10, 10, 12},
		// queries: (1,1)→0 right, (6,6)→1 right, (9,9)→1 right, (4,4)→0 but labelled 1: wrong.
		Query:       []float32{1, 1, 6, 6, 9, 9, 4, 4},
		QueryLabels: []int{0, 1, 1, 1},
	}
	if got := results.Fraction(pixelFloorCorrect(ep)); got != 0.75 {
		t.Errorf("pixel floor %.2f, want 0.75", got)
	}
}
