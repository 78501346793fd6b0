package sampling

import (
	"slices"
	"testing"

	"github.com/relnet/relnet/datasets"
)

func TestRotationClasses(t *testing.T) {
	// Two 2×2 grey images of class 1 and one of class 3 (of 4 classes).
	im := &datasets.Images{Name: "t", Channels: 1, Height: 2, Width: 2, ClassNames: []string{"a", "b", "c", "d"},
		Pixels: []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, Labels: []int{1, 1, 3}}
	p, err := RotationClasses(NewPool(im, []int{0, 1, 2}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Classes, []int{4, 5, 6, 7, 12, 13, 14, 15}) || len(p.ByClass[5]) != 2 {
		t.Fatalf("classes %v, class 5 has %d images", p.Classes, len(p.ByClass[5]))
	}
	if got := p.Images.ClassNames[13]; got != "d@90°" {
		t.Errorf("class 13 is named %q", got)
	}
	// [1 2; 3 4] turned once counter-clockwise is [2 4; 1 3] (torch.rot90).
	if got := p.Images.Image(p.ByClass[5][0]); !slices.Equal(got, []float32{2, 4, 1, 3}) {
		t.Errorf("quarter turn %v", got)
	}
	if got := p.Images.Image(p.ByClass[14][0]); !slices.Equal(got, []float32{12, 11, 10, 9}) {
		t.Errorf("half turn %v", got)
	}
	if _, err := RotationClasses(NewPool(&datasets.Images{Name: "r", Channels: 1, Height: 2, Width: 3, ClassNames: []string{"a"},
		Pixels: make([]float32, 6), Labels: []int{0}}, []int{0})); err == nil {
		t.Error("2×3 images accepted")
	}
}
