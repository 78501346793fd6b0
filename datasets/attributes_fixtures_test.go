package datasets_test

import (
	"flag"
	"image"
	"image/color"
	"path/filepath"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/internal/imagetest"
)

// update rewrites the fixtures and golden files under testdata/attributes (go test ./datasets -update).
var update = flag.Bool("update", false, "rewrite the fixtures and golden files under testdata/attributes")

// attrGolden is WriteInspection's report of the styles.csv fixture.
var attrGolden = filepath.Join(imagetest.AttrDir, "inspect.golden")

// chw returns img's RGB values as CHW float32 in [0,1].
func chw(img image.Image) []float32 {
	b := img.Bounds()
	hw := b.Dx() * b.Dy()
	out := make([]float32, 3*hw)
	for y := range b.Dy() {
		for x := range b.Dx() {
			c := color.RGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
			p := y*b.Dx() + x
			out[p], out[hw+p], out[2*hw+p] = float32(c.R)/255, float32(c.G)/255, float32(c.B)/255
		}
	}
	return out
}

func TestAttributeFixtureImages(t *testing.T) {
	if *update {
		for name, img := range imagetest.AttrFixtureFiles {
			imagetest.WriteImage(t, filepath.Join(imagetest.AttrDir, filepath.FromSlash(name)), img)
		}
	}
	// Each committed image, decoded at its own size, must be the image its generator draws.
	for name, img := range imagetest.AttrFixtureFiles {
		b := img.Bounds()
		got := imagetest.Decode(t, filepath.Join(imagetest.AttrDir, filepath.FromSlash(name)), image.Rectangle{}, datasets.ImageShape{3, b.Dy(), b.Dx()})
		tol := 0.0
		if filepath.Ext(name) == ".jpg" {
			tol = 0.1 // JPEG ringing at the two-tone edge
		}
		if d := imagetest.MaxDiff(got, chw(img)); d > tol {
			t.Errorf("%s differs from its generator by %g > %g; run go test -update", name, d, tol)
		}
	}
}
