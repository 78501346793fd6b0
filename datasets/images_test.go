package datasets

import (
	"slices"
	"strings"
	"testing"
)

func TestImagesImage(t *testing.T) {
	im := &Images{Channels: 2, Height: 1, Width: 2, Pixels: []float32{0, 1, 2, 3, 4, 5, 6, 7}, Labels: []int{0, 0}, ClassNames: []string{"a"}}
	if im.Len() != 2 || im.ImageSize() != 4 {
		t.Fatalf("Len %d ImageSize %d", im.Len(), im.ImageSize())
	}
	img := im.Image(0)
	if !slices.Equal(img, []float32{0, 1, 2, 3}) {
		t.Fatalf("Image(0) = %v", img)
	}
	img[0] = 42 // a view: writes show through
	_ = append(img, -1)
	if im.Pixels[0] != 42 || im.Pixels[4] != 4 {
		t.Errorf("Pixels = %v: Image must be a view whose appends cannot overwrite the next image", im.Pixels)
	}
}

func TestConcat(t *testing.T) {
	a, b := RandomImages(3, 2, 1, 2, 2, 1), RandomImages(3, 1, 1, 2, 2, 2)
	b.Name = "b"
	got, err := Concat("ab", a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "ab" || got.Len() != 9 || !slices.Equal(got.Labels, append(slices.Clone(a.Labels), b.Labels...)) ||
		!slices.Equal(got.Pixels, append(slices.Clone(a.Pixels), b.Pixels...)) || !slices.Equal(got.ClassNames, a.ClassNames) {
		t.Fatalf("Concat = %+v", got)
	}
	got.Pixels[0] = -1
	if a.Pixels[0] == -1 {
		t.Error("Concat shares pixels with its input")
	}
}

func TestConcatErrors(t *testing.T) {
	other := RandomImages(3, 1, 1, 2, 2, 2)
	otherShape := RandomImages(3, 1, 1, 2, 3, 2)
	otherNames := RandomImages(4, 1, 1, 2, 2, 2)
	broken := RandomImages(3, 1, 1, 2, 2, 2)
	broken.Labels[1] = 5
	tests := []struct {
		name    string
		sets    []*Images
		wantErr string
	}{
		{"none", nil, "no image sets"},
		{"shape", []*Images{other, otherShape}, "1×2×2"},
		{"class names", []*Images{other, otherNames}, "different class names"},
		{"bad label", []*Images{other, broken}, "label 5 of image 1"},
		{"nil", []*Images{other, nil}, "set 1: no image set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Concat("x", tt.sets...); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}
