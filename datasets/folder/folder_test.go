package folder

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/internal/imagetest"
	"github.com/relnet/relnet/datasets/replica"
)

// writePNG writes a w×h image of one grey level to path, making its directory.
func writePNG(t testing.TB, path string, w, h int, level uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = level
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestReadFolderDepth1(t *testing.T) {
	root := t.TempDir()
	writePNG(t, filepath.Join(root, "dress", "b.png"), 4, 4, 200)
	writePNG(t, filepath.Join(root, "dress", "a.PNG"), 6, 3, 100)
	writePNG(t, filepath.Join(root, "shirt", "x.png"), 4, 4, 50)
	imagetest.WriteFile(t, filepath.Join(root, "shirt", "notes.txt"), []byte("not an image"))
	imagetest.WriteFile(t, filepath.Join(root, "shirt", ".DS_Store"), []byte{0})
	writePNG(t, filepath.Join(root, "stray.png"), 4, 4, 0) // not inside a class folder
	a, r, err := Read(root, 1, datasets.GroupSpec{}, datasets.ImageShape{Channels: 1, Height: 2, Width: 2}, datasets.LoadOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.Files, " "); got != "dress/a.PNG dress/b.png shirt/x.png" {
		t.Errorf("files %s", got)
	}
	g := a.Groups[0]
	if g.Name != "class" || !slices.Equal(g.Values, []string{"dress", "shirt"}) || !slices.Equal(g.Labels, []int{0, 0, 1}) {
		t.Errorf("group %+v", g)
	}
	if r.Lines != 3 || r.Kept != 3 || r.OtherFiles != 3 {
		t.Errorf("report %+v, want 3 images and 3 other files", r)
	}
	if want := float32(100) / 255; a.Pixels[0] < want-1e-3 || a.Pixels[0] > want+1e-3 {
		t.Errorf("first pixel %v, want %v (dress/a.PNG comes first)", a.Pixels[0], want)
	}
}

func TestReadFolderDepth2IsOmniglotsLayout(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"Armenian/character01/1.png", "Armenian/character02/1.png", "Greek/character01/1.png", "Greek/character01/2.png"} {
		writePNG(t, filepath.Join(root, p), 3, 3, 9)
	}
	writePNG(t, filepath.Join(root, "Greek", "flat.png"), 3, 3, 9) // depth 1 under a depth-2 root
	a, r, err := Read(root, 2, datasets.GroupSpec{Name: "character"}, datasets.ImageShape{Channels: 1, Height: 3, Width: 3}, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g := a.Groups[0]
	if g.Name != "character" || !slices.Equal(g.Values, []string{"Armenian/character01", "Armenian/character02", "Greek/character01"}) {
		t.Errorf("classes %v", g.Values)
	}
	if !slices.Equal(g.Labels, []int{0, 1, 2, 2}) || r.OtherFiles != 1 {
		t.Errorf("labels %v, other files %d", g.Labels, r.OtherFiles)
	}
}

func TestReadFolderBadImages(t *testing.T) {
	root := t.TempDir()
	writePNG(t, filepath.Join(root, "a", "good.png"), 2, 2, 1)
	writePNG(t, filepath.Join(root, "b", "good.png"), 2, 2, 1)
	imagetest.WriteFile(t, filepath.Join(root, "a", "broken.png"), []byte("garbage"))
	imagetest.WriteFile(t, filepath.Join(root, "b", "empty.jpg"), nil)
	imagetest.WriteFile(t, filepath.Join(root, "b", "bomb.png"), imagetest.PNGHeader(50000, 50000))
	_, _, err := Read(root, 1, datasets.GroupSpec{}, datasets.ImageShape{Channels: 1, Height: 2, Width: 2}, datasets.LoadOptions{})
	var bad *datasets.BadLinesError
	if !errors.As(err, &bad) || len(bad.Lines) != 3 {
		t.Fatalf("error %v, want a BadLinesError with 3 images", err)
	}
	for _, want := range []string{filepath.Join(root, "a", "broken.png"), filepath.Join(root, "b", "empty.jpg"),
		filepath.Join(root, "b", "bomb.png") + ": 50000×50000 PNG image (2500.0 megapixels), larger than max_pixels = 100000000"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
	a, r, err := Read(root, 1, datasets.GroupSpec{}, datasets.ImageShape{Channels: 1, Height: 2, Width: 2}, datasets.LoadOptions{SkipBadLines: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 2 || r.Kept != 2 || len(r.Skipped) != 3 {
		t.Errorf("skip mode kept %d images, report %+v", a.Len(), r)
	}
}

func TestReadFolderErrors(t *testing.T) {
	root := t.TempDir()
	imagetest.WriteFile(t, filepath.Join(root, "readme.txt"), []byte("x"))
	for _, tc := range []struct {
		name, root string
		depth      int
		want       string
	}{
		{"no images", root, 1, "no images at depth 1"},
		{"missing root", filepath.Join(root, "none"), 1, "no such file"},
		{"depth 3", root, 3, "folder depth 3"},
	} {
		_, _, err := Read(tc.root, tc.depth, datasets.GroupSpec{}, datasets.ImageShape{Channels: 1, Height: 2, Width: 2}, datasets.LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// FuzzReadFolder builds a folder from fuzzed relative paths and contents: Read never
// panics, and every image it keeps sits at the class depth under a class it reports.
func FuzzReadFolder(f *testing.F) {
	f.Add("a/1.png\nb/2.png\nb/c/3.png\n.hidden/4.png", []byte("garbage"), uint8(1))
	f.Add("x/y/1.jpg\nx/z/2.jpeg", []byte{}, uint8(2))
	f.Add("a/1.png\nb/2.png", append(imagetest.PNGHeader(50000, 50000), 0), uint8(101)) // a header claiming 2.5 gigapixels, skipped
	f.Add("a/1.png\nb/2.png", append(imagetest.PNGHeader(3, 0), 0), uint8(1))
	f.Fuzz(func(t *testing.T, paths string, content []byte, depth uint8) {
		root := t.TempDir()
		for _, p := range strings.Split(paths, "\n") {
			p = filepath.Clean("/" + p)[1:]
			if p == "" || strings.ContainsRune(p, 0) || len(p) > 200 {
				continue
			}
			path := filepath.Join(root, p)
			if os.MkdirAll(filepath.Dir(path), 0o755) != nil {
				continue
			}
			if len(content)%2 == 0 {
				writePNGQuiet(path)
			} else {
				os.WriteFile(path, content, 0o644)
			}
		}
		d := int(depth%2) + 1
		a, r, err := Read(root, d, datasets.GroupSpec{}, datasets.ImageShape{Channels: 1, Height: 2, Width: 2}, datasets.LoadOptions{SkipBadLines: depth > 100})
		if err != nil {
			return
		}
		for i, file := range a.Files {
			parts := strings.Split(file, "/")
			class := a.Groups[0].Values[a.Groups[0].Labels[i]]
			if len(parts) != d+1 || strings.Join(parts[:d], "/") != class {
				t.Fatalf("image %s in class %s at depth %d", file, class, d)
			}
		}
		if r.Kept != a.Len() {
			t.Fatalf("report keeps %d, set has %d", r.Kept, a.Len())
		}
	})
}

// writePNGQuiet writes a 2×2 PNG to path, ignoring errors (the fuzzer makes odd paths).
func writePNGQuiet(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	png.Encode(f, image.NewGray(image.Rect(0, 0, 2, 2)))
}

// TestWriteFolderRoundTrip writes 8-bit images (grey and RGB) with Write and reads
// them back with Read at the same size: the pixels come back exactly, so files written
// from a set decode to the values training saw.
func TestWriteFolderRoundTrip(t *testing.T) {
	for _, c := range []int{1, 3} {
		im := datasets.RandomImages(3, 2, c, 5, 7, 1)
		for i, v := range im.Pixels {
			im.Pixels[i] = float32(math.Round(float64(v)*255)) / 255
		}
		im.ClassNames[1] = "T-shirt/top"
		root := t.TempDir()
		if n, err := Write(im, root, []int{0, 1, 2, 3, 4, 5}); err != nil || n != 6 {
			t.Fatal(n, err)
		}
		a, _, err := Read(root, 1, datasets.GroupSpec{}, datasets.ImageShape{Channels: c, Height: 5, Width: 7}, datasets.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"T-shirt-top", "class0", "class2"}; !slices.Equal(a.Groups[0].Values, want) {
			t.Errorf("classes %q, want %q", a.Groups[0].Values, want)
		}
		for i, f := range a.Files {
			var id int
			if _, err := fmt.Sscanf(filepath.Base(f), "%05d.png", &id); err != nil {
				t.Fatal(err)
			}
			if got, want := a.Images(0).Image(i), im.Image(id); !slices.Equal(got, want) {
				t.Errorf("%d channels, %s: read %v, wrote %v", c, f, got, want)
			}
		}
	}
}

// TestReadPartsIsOmniglotAsDownloaded reads the replica's images_background/ and
// images_evaluation/ as one set: classes "alphabet/character", files naming their part.
func TestReadPartsIsOmniglotAsDownloaded(t *testing.T) {
	root := t.TempDir()
	if err := replica.Omniglot(root, 2, 3); err != nil {
		t.Fatal(err)
	}
	a, r, err := ReadParts(root, replica.OmniglotParts[:], 2, datasets.GroupSpec{}, datasets.ImageShape{Channels: 1, Height: 4, Width: 4}, datasets.LoadOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	imagetest.CheckLoaded(t, a, r, 16)
	g := a.Groups[0]
	if a.Len() != 24 || len(g.Values) != 8 || r.OtherFiles != 2 {
		t.Fatalf("%d images of %d classes (%v), %d other files; want 24 of 8, 2", a.Len(), len(g.Values), g.Values, r.OtherFiles)
	}
	if g.Values[0] != "Atlantean/character01" || a.Files[0] != "images_background/Greek/character01/0100_01.png" ||
		a.Files[23] != "images_evaluation/Ojibwe_(Canadian_Aboriginal_Syllabics)/character02/0107_03.png" {
		t.Errorf("classes %v, files %v", g.Values, a.Files)
	}
	_, _, err = ReadParts(root, []string{"images_background", "images_extra"}, 2, datasets.GroupSpec{}, datasets.ImageShape{Channels: 1, Height: 4, Width: 4}, datasets.LoadOptions{})
	imagetest.CheckErrorSays(t, err, []string{filepath.Join(root, "images_extra")})
}
