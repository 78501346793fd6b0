package datasets

import (
	"image"
	"image/color"
	"path/filepath"
	"testing"
)

// The committed multi-attribute fixtures: a seed-notebook CSV over images/ and a StreetStyle
// manifest excerpt over streetstyle/ (A/B/C/ABCxxx layout). `go test -update` rewrites the images.
var (
	attrDir          = filepath.Join("..", "testdata", "attributes")
	attrCSV          = filepath.Join(attrDir, "styles.csv")
	attrDirty        = filepath.Join(attrDir, "dirty.csv") // every kind of bad line; images/corrupt.png, images/truncated.png are its undecodable images
	attrImages       = filepath.Join(attrDir, "images")
	attrManifest     = filepath.Join(attrDir, "streetstyle27k.manifest")
	attrStreetStyle  = filepath.Join(attrDir, "streetstyle")
	attrGolden       = filepath.Join(attrDir, "inspect.golden")
	attrGroups       = []GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}, {Name: "wearing_hat"}}
	attrFixtureFiles = map[string]image.Image{
		"images/red.png":               solid(8, 6, red),
		"images/blue.jpg":              solid(8, 6, blue),
		"images/split.png":             twoTone(8, 6, red, green, false), // left red, right green
		"images/grey.png":              &image.Gray{Pix: repeat(128, 8*6), Stride: 8, Rect: image.Rect(0, 0, 8, 6)},
		"streetstyle/a/b/c/abc123.jpg": twoTone(16, 12, red, blue, false),       // left red, right blue
		"streetstyle/d/e/f/def456.png": twoTone(8, 6, white, color.Black, true), // top white, bottom black
	}
)

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

// repeat returns n copies of b.
func repeat(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func TestAttributeFixtureImages(t *testing.T) {
	if *update {
		for name, img := range attrFixtureFiles {
			writeImage(t, filepath.Join(attrDir, filepath.FromSlash(name)), img)
		}
	}
	// Each committed image, decoded at its own size, must be the image its generator draws.
	for name, img := range attrFixtureFiles {
		b := img.Bounds()
		got := decode(t, filepath.Join(attrDir, filepath.FromSlash(name)), image.Rectangle{}, ImageShape{3, b.Dy(), b.Dx()})
		tol := 0.0
		if filepath.Ext(name) == ".jpg" {
			tol = 0.1 // JPEG ringing at the two-tone edge
		}
		if d := maxDiff(got, chw(img)); d > tol {
			t.Errorf("%s differs from its generator by %g > %g; run go test -update", name, d, tol)
		}
	}
}
