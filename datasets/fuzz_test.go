package datasets

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecodeIDX: any byte stream either decodes to a payload whose size matches its
// dimensions, or is an error; it never panics. `go test -fuzz FuzzDecodeIDX ./datasets`.
func FuzzDecodeIDX(f *testing.F) {
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 2, 7, 9})
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4})
	f.Add([]byte{0, 0, 9, 1, 0, 0, 0, 1, 5})
	f.Fuzz(func(t *testing.T, stream []byte) {
		dims, data, err := decodeIDX(bytes.NewReader(stream))
		if err != nil {
			return
		}
		size := 1
		for _, d := range dims {
			size *= d
		}
		if size != len(data) {
			t.Fatalf("dimensions %v but %d payload bytes", dims, len(data))
		}
	})
}

// FuzzReadSeedCSV: any labels file either loads into a consistent set or is an error naming
// the file; it never panics.
func FuzzReadSeedCSV(f *testing.F) {
	f.Add("image,labels\nred.png,clothing_category_t-shirt major_color_red\n")
	f.Add("red.png,clothing_category_dress major_color_red major_color_blue\nblue.jpg,major_color_blue\n")
	f.Add("red.png\n\"unterminated,\n")
	f.Add("red.png,colour_red\n")
	dir := f.TempDir()
	writeImage(f, filepath.Join(dir, "red.png"), image.NewRGBA(image.Rect(0, 0, 4, 4)))
	groups := []GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}}
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "styles.csv")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		a, r, err := ReadSeedCSV(path, dir, groups, ImageShape{Channels: 3, Height: 2, Width: 2}, 1)
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte("styles.csv")) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		checkLoaded(t, a, r, 12)
	})
}

// FuzzReadStreetStyleManifest: any manifest either loads into a consistent set or is an
// error naming the file; it never panics.
func FuzzReadStreetStyleManifest(f *testing.F) {
	fixture, err := os.ReadFile(attrManifest)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(fixture))
	lines := strings.SplitAfter(string(fixture), "\n")
	f.Add(lines[0] + strings.Replace(lines[1], ",", ",,", 3))
	f.Add(lines[0] + "1,http://x/a/b/c/abc123.jpg,1,1,1,1,1,0,0,1e9,-1e9,8,12\n")
	f.Add("id\n")
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "streetstyle27k.manifest")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		a, r, err := ReadStreetStyleManifest(path, attrStreetStyle, attrGroups, ImageShape{Channels: 3, Height: 2, Width: 2}, 1)
		if err != nil {
			if !strings.Contains(err.Error(), "streetstyle27k.manifest") && !strings.Contains(err.Error(), "streetstyle") {
				t.Fatalf("error names neither the manifest nor an image: %v", err)
			}
			return
		}
		checkLoaded(t, a, r, 12)
	})
}

// checkLoaded fails unless a loaded set agrees with its report, has pixelsPer values per
// image, and every label is Unlabelled or one of its group's values.
func checkLoaded(t *testing.T, a *Attributes, r *LoadReport, pixelsPer int) {
	t.Helper()
	if a.Len() != r.Kept || len(a.Pixels) != a.Len()*pixelsPer {
		t.Fatalf("%d images, report kept %d, %d pixels", a.Len(), r.Kept, len(a.Pixels))
	}
	for _, g := range a.Groups {
		for _, l := range g.Labels {
			if l != Unlabelled && (l < 0 || l >= len(g.Values)) {
				t.Fatalf("group %s: label %d of %d values", g.Name, l, len(g.Values))
			}
		}
	}
}
