package imagetest

import (
	"image"
	"image/color"
	"os"
	"path/filepath"

	"github.com/relnet/relnet/datasets"
)

// The committed multi-attribute fixtures: a seed-notebook CSV over images/ and a StreetStyle
// manifest excerpt over streetstyle/ (A/B/C/ABCxxx layout), in testdata/attributes at the
// module's root, named relative to the working directory (a test runs in its package's
// folder). `go test ./datasets -update` rewrites the images from AttrFixtureFiles.
var (
	AttrDir          = filepath.Join(moduleRoot(), "testdata", "attributes")
	AttrCSV          = filepath.Join(AttrDir, "styles.csv")
	AttrDirty        = filepath.Join(AttrDir, "dirty.csv") // every kind of bad line; images/corrupt.png, images/truncated.png are its undecodable images
	AttrImages       = filepath.Join(AttrDir, "images")
	AttrManifest     = filepath.Join(AttrDir, "streetstyle27k.manifest")
	AttrStreetStyle  = filepath.Join(AttrDir, "streetstyle")
	AttrGroups       = []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}, {Name: "wearing_hat"}}
	AttrFixtureFiles = map[string]image.Image{
		"images/red.png":               Solid(8, 6, Red),
		"images/blue.jpg":              Solid(8, 6, Blue),
		"images/split.png":             TwoTone(8, 6, Red, Green, false), // left red, right green
		"images/grey.png":              &image.Gray{Pix: repeat(128, 8*6), Stride: 8, Rect: image.Rect(0, 0, 8, 6)},
		"streetstyle/a/b/c/abc123.jpg": TwoTone(16, 12, Red, Blue, false),       // left red, right blue
		"streetstyle/d/e/f/def456.png": TwoTone(8, 6, White, color.Black, true), // top white, bottom black
	}
)

// moduleRoot is the path from the working directory up to the folder that holds go.mod: ".."
// from datasets, "../.." from a source package below it.
func moduleRoot() string {
	dir := "."
	for range 8 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		dir = filepath.Join(dir, "..")
	}
	panic("imagetest: no go.mod in the working directory or above it")
}

// repeat returns n copies of b.
func repeat(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}
