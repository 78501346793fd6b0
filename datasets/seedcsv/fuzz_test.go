package seedcsv

import (
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/internal/imagetest"
)

// FuzzReadSeedCSV: any labels file either loads into a consistent set or is an error naming
// the file; it never panics. A *BadLinesError names the file and lists lines in order; skipping
// its lines loads the rest or fails with the same plain error as the default; a file the default
// loads loads the same when skipping, and when strict if nothing was ignored.
func FuzzReadSeedCSV(f *testing.F) {
	f.Add("image,labels\nred.png,clothing_category_t-shirt major_color_red\n")
	f.Add("red.png,clothing_category_dress major_color_red major_color_blue\nblue.jpg,major_color_blue\n")
	f.Add("red.png\n\"unterminated,\n")
	f.Add("red.png,colour_red\n")
	f.Add("red.png,major_color_red colour_red hat\nred.png,major_color_\nnone.png,major_color_red\n,x\na,b,c\n")
	f.Add("huge.png,clothing_category_dress\nred.png,clothing_category_dress major_color_red\n")
	dir := f.TempDir()
	imagetest.WriteImage(f, filepath.Join(dir, "red.png"), image.NewRGBA(image.Rect(0, 0, 4, 4)))
	imagetest.WriteFile(f, filepath.Join(dir, "huge.png"), imagetest.PNGHeader(50000, 50000)) // too large: a bad line, never decoded
	groups := []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}}
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "styles.csv")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		read := func(opts datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error) {
			return Read(path, dir, groups, datasets.ImageShape{Channels: 3, Height: 2, Width: 2}, opts)
		}
		imagetest.CheckModes(t, path, read, true)
	})
}
