package streetstyle

import (
	"encoding/csv"
	"errors"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/internal/imagetest"
)

// fixtureCrops are the person boxes of the fixture manifest's rows, as whole pixels.
var fixtureCrops = []image.Rectangle{image.Rect(0, 0, 8, 12), image.Rect(8, 0, 16, 12), image.Rect(0, 0, 8, 3), image.Rect(-3, 3, 10, 6)}

func TestReadStreetStyleManifest(t *testing.T) {
	shape := datasets.ImageShape{Channels: 3, Height: 4, Width: 4}
	a, r, err := Read(imagetest.AttrManifest, imagetest.AttrStreetStyle, imagetest.AttrGroups, shape, datasets.LoadOptions{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"a/b/c/abc123.jpg", "a/b/c/abc123.jpg", "d/e/f/def456.png", "d/e/f/def456.png"}
	if a.Name != "streetstyle27k.manifest" || !slices.Equal(a.Files, wantFiles) {
		t.Errorf("set %q files %q, want streetstyle27k.manifest %q", a.Name, a.Files, wantFiles)
	}
	imagetest.CheckGroups(t, a, []datasets.Group{
		{Name: "clothing_category", Values: []string{"Dress", "T-shirt", "Tank top"}, Labels: []int{1, 0, datasets.Unlabelled, 2}},
		{Name: "major_color", Values: []string{"Black", "Blue", "Red", "White"}, Labels: []int{2, 1, 3, 0}},
		{Name: "wearing_hat", Values: []string{"No", "Yes"}, Labels: []int{0, datasets.Unlabelled, 1, 0}},
	})
	if want := (&datasets.LoadReport{Source: imagetest.AttrManifest, Lines: 4, Kept: 4}); !reflect.DeepEqual(r, want) {
		t.Errorf("report %+v, want %+v", r, want)
	}
	// Each person is its crop: the left (red) and right (blue) halves of abc123.jpg, the top (white)
	// and, through a box reaching past both sides, the bottom (black) half of def456.png.
	for i, want := range [][]float32{imagetest.Planes(shape, 1, 0, 0), imagetest.Planes(shape, 0, 0, 1), imagetest.Planes(shape, 1, 1, 1), imagetest.Planes(shape, 0, 0, 0)} {
		tol := 0.0
		if i < 2 {
			tol = 0.1 // JPEG
		}
		if got := a.Images(0).Image(i); imagetest.MaxDiff(got, want) > tol {
			t.Errorf("person %d (%s) = %v, want %v", i, a.Files[i], got, want)
		}
	}
	imagetest.CheckPixels(t, a, imagetest.AttrStreetStyle, fixtureCrops)

	// Declared values and a group named apart from its column.
	a, _, err = Read(imagetest.AttrManifest, imagetest.AttrStreetStyle,
		[]datasets.GroupSpec{{Name: "hat", Prefix: "wearing_hat", Values: []string{"Yes"}}, {Name: "major_color", Values: []string{"White", "Red"}}}, shape, datasets.LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	imagetest.CheckGroups(t, a, []datasets.Group{
		{Name: "hat", Values: []string{"Yes"}, Labels: []int{datasets.Unlabelled, datasets.Unlabelled, 0, datasets.Unlabelled}},
		{Name: "major_color", Values: []string{"White", "Red"}, Labels: []int{1, datasets.Unlabelled, 0, datasets.Unlabelled}},
	})
}

func TestReadStreetStyleManifestColumnOrder(t *testing.T) {
	f, err := os.Open(imagetest.AttrManifest)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Reverse every column, fixed ones included, and add a column no group declares.
	var b strings.Builder
	w := csv.NewWriter(&b)
	for i, rec := range recs {
		rec = slices.Clone(rec)
		slices.Reverse(rec)
		extra := "note"
		if i > 0 {
			extra = "x, y"
		}
		w.Write(append(rec, extra))
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), "reversed.manifest")
	imagetest.WriteFile(t, path, []byte(b.String()))

	shape := datasets.ImageShape{Channels: 1, Height: 3, Width: 5}
	want, _, err := Read(imagetest.AttrManifest, imagetest.AttrStreetStyle, imagetest.AttrGroups, shape, datasets.LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	got, r, err := Read(path, imagetest.AttrStreetStyle, imagetest.AttrGroups, shape, datasets.LoadOptions{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Groups, want.Groups) || !slices.Equal(got.Files, want.Files) || !slices.Equal(got.Pixels, want.Pixels) || r.Kept != 4 {
		t.Errorf("reversed columns: groups %v files %q; want groups %v files %q, same pixels", got.Groups, got.Files, want.Groups, want.Files)
	}
}

func TestReadStreetStyleManifestFractionalBoxes(t *testing.T) {
	// A fractional box grows to whole pixels: 7.5..8.5 takes columns 7 (red) and 8 (blue) of abc123.jpg.
	const header = "id,url,created_time,city_id,month_id,lat,long,x1,y1,x2,y2,width,height,major_color\n"
	content := header +
		"1,http://example.invalid/x/abc123.jpg,,,,,,7.5,0.2,8.5,11.9,16,12,Red\n" +
		"2,http://example.invalid/y/def456.png,,,,,,0,2.5,8,3.5,8,6,White\n"
	path := filepath.Join(t.TempDir(), "streetstyle27k.manifest")
	imagetest.WriteFile(t, path, []byte(content))
	a, _, err := Read(path, imagetest.AttrStreetStyle, []datasets.GroupSpec{{Name: "major_color"}}, datasets.ImageShape{Channels: 3, Height: 3, Width: 4}, datasets.LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	imagetest.CheckPixels(t, a, imagetest.AttrStreetStyle, []image.Rectangle{image.Rect(7, 0, 9, 12), image.Rect(0, 2, 8, 4)})
}

func TestStreetStyleFile(t *testing.T) {
	tests := []struct{ url, want, wantErr string }{
		{"http://example.invalid/x/abc123.jpg", "a/b/c/abc123.jpg", ""},
		{"https://scontent.example.invalid/t51.2885-15/e15/10375744_1459986497581541_1376911413_n.jpg?ig_cache_key=x",
			"1/0/3/10375744_1459986497581541_1376911413_n.jpg", ""},
		{"abc.png", "a/b/c/abc.png", ""},
		{"http://example.invalid/", "", "names no image file"},
		{"http://example.invalid/x/ab", "", "names no image file"},
		{"", "", "names no image file"},
		{"http://exa mple.invalid/%zz", "", "invalid"},
	}
	for _, tt := range tests {
		got, err := streetStyleFile(tt.url)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("streetStyleFile(%q) = %q, %v; want %q, error saying %q", tt.url, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestReadStreetStyleManifestErrors(t *testing.T) {
	dir, header, row := manifestFixture(t)
	good := header + row("http://example.invalid/x/abc123.jpg", "0,0,8,12", "Red,Short sleeve,T-shirt,No")
	os.MkdirAll(filepath.Join(dir, "h", "u", "g"), 0o755)
	imagetest.WriteFile(t, filepath.Join(dir, "h", "u", "g", "huge.jpg"), imagetest.PNGHeader(40000, 40000)) // by content, not extension
	groups := []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "wearing_hat"}}
	tests := []struct {
		name    string
		content string
		groups  []datasets.GroupSpec
		wantErr []string
	}{
		{"empty file", "", nil, []string{"streetstyle27k.manifest: empty file, want a header `id,url,"}},
		{"missing column", strings.Replace(good, ",x2,", ",X2,", 1), nil,
			[]string{`streetstyle27k.manifest:1: the header has no column "x2"`}},
		{"column twice", strings.Replace(good, ",lat,", ",url,", 1), nil, []string{`streetstyle27k.manifest:1: column "url" appears twice in the header`}},
		{"undeclared group column", good, []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "wearing_scarf"}},
			[]string{`streetstyle27k.manifest:1: no column "wearing_scarf" for attribute group "wearing_scarf"; attribute columns: major_color, sleeve_length, clothing_category, wearing_hat`}},
		{"too few fields", good + row("http://example.invalid/x/abc123.jpg", "0,0,8,12", "Red,T-shirt,No"), nil,
			[]string{"streetstyle27k.manifest:3: 16 fields, the header has 17"}},
		{"bad coordinate", good + row("http://example.invalid/x/abc123.jpg", "0,0,eight,12", "Red,,T-shirt,No"), nil,
			[]string{`streetstyle27k.manifest:3: x2 = "eight" is not a pixel coordinate`}},
		{"empty crop", good + row("http://example.invalid/x/abc123.jpg", "8,0,8,12", "Red,,T-shirt,No"), nil,
			[]string{"streetstyle27k.manifest:3: empty crop x1,y1,x2,y2 = 8,0,8,12 (needs x1 < x2 and y1 < y2)"}},
		{"upside-down crop", good + row("http://example.invalid/x/abc123.jpg", "0,12,8,0", "Red,,T-shirt,No"), nil,
			[]string{"streetstyle27k.manifest:3: empty crop x1,y1,x2,y2 = 0,12,8,0"}},
		{"crop outside the image", good + row("http://example.invalid/x/abc123.jpg", "100,0,120,12", "Red,,T-shirt,No"), nil,
			[]string{"streetstyle27k.manifest:3: image a/b/c/abc123.jpg: ", "abc123.jpg: crop (100,0)-(120,12) lies outside the 16×12 image"}},
		{"url without file name", good + row("http://example.invalid/", "0,0,8,12", "Red,,T-shirt,No"), nil,
			[]string{`streetstyle27k.manifest:3: url "http://example.invalid/" names no image file`}},
		{"missing image", good + row("http://example.invalid/x/abc123.jpg", "0,0,8,12", ",,,") + row("http://example.invalid/x/zzz999.jpg", "0,0,8,12", "Red,,T-shirt,No"), nil,
			[]string{"streetstyle27k.manifest:4: image z/z/z/zzz999.jpg: ", filepath.Join(dir, "z", "z", "z", "zzz999.jpg") + ": missing image file"}},
		{"truncated image", good + row("http://example.invalid/x/truncated.jpg", "0,0,8,12", "Red,,T-shirt,No"), nil,
			[]string{"streetstyle27k.manifest:3: image t/r/u/truncated.jpg: ", "truncated.jpg: truncated or corrupt JPEG image"}},
		{"larger than max_pixels", good + row("http://example.invalid/x/huge.jpg", "0,0,8,12", "Red,,T-shirt,No"), nil,
			[]string{"streetstyle27k.manifest:3: image h/u/g/huge.jpg: ", "huge.jpg: 40000×40000 PNG image (1600.0 megapixels), larger than max_pixels = 100000000"}},
		{"group without labels", header + row("http://example.invalid/x/abc123.jpg", "0,0,8,12", "Red, ,T-shirt,No"), []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "sleeve_length"}, {Name: "major_color"}},
			[]string{`streetstyle27k.manifest: no image has a label in group "sleeve_length" (selected by "sleeve_length")`}},
		{"no rows", header, nil, []string{"streetstyle27k.manifest: no images left"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "streetstyle27k.manifest")
			imagetest.WriteFile(t, path, []byte(tt.content))
			g := tt.groups
			if g == nil {
				g = groups
			}
			_, _, err := Read(path, dir, g, datasets.ImageShape{Channels: 3, Height: 2, Width: 2}, datasets.LoadOptions{Workers: 2})
			imagetest.CheckErrorSays(t, err, tt.wantErr)
		})
	}
}

func TestReadStreetStyleManifestBadLines(t *testing.T) {
	dir, header, row := manifestFixture(t)
	const abc, def = "http://example.invalid/x/abc123.jpg", "http://example.invalid/y/def456.png"
	content := header +
		row(abc, "0,0,8,12", "Red,Short sleeve,T-shirt,No") + // 2
		row(abc, "0,0,eight,12", "Red,,Dress,No") + // 3: not a number
		row(abc, "8,0,8,12", "Red,,Dress,No") + // 4: empty crop
		row("http://example.invalid/x/zzz999.jpg", "0,0,8,12", "Red,,Dress,No") + // 5: missing image
		row(def, "0,0,8,3", "White,Long sleeve,,Yes") + // 6
		row(abc, "0,0,8,12", "Red,T-shirt,No") + // 7: a field short
		row("http://example.invalid/", "0,0,8,12", "Red,,Dress,No") + // 8: no file name
		row(abc, "100,0,120,12", "Red,,Dress,No") + // 9: crop outside the image
		row("http://example.invalid/x/truncated.jpg", "0,0,8,12", "Red,,Dress,No") + // 10: truncated image
		row("http://example.invalid/", "NaN,0,8,-inf", "Red,,Dress,No") + // 11: three problems
		row(abc, "8,0,16,12", "Blue,,Dress,") // 12
	path := filepath.Join(t.TempDir(), "streetstyle27k.manifest")
	imagetest.WriteFile(t, path, []byte(content))
	want := []datasets.Skip{
		{Line: 3, Image: "a/b/c/abc123.jpg", Reason: `x2 = "eight" is not a pixel coordinate`},
		{Line: 4, Image: "a/b/c/abc123.jpg", Reason: "empty crop x1,y1,x2,y2 = 8,0,8,12 (needs x1 < x2 and y1 < y2)"},
		{Line: 5, Image: "z/z/z/zzz999.jpg", Reason: "image z/z/z/zzz999.jpg: " + filepath.Join(dir, "z", "z", "z", "zzz999.jpg") + ": missing image file"},
		{Line: 7, Image: abc, Reason: "16 fields, the header has 17"},
		{Line: 8, Image: "http://example.invalid/", Reason: `url "http://example.invalid/" names no image file of at least 3 characters`},
		{Line: 9, Image: "a/b/c/abc123.jpg", Reason: "image a/b/c/abc123.jpg: " + filepath.Join(dir, "a", "b", "c", "abc123.jpg") + ": crop (100,0)-(120,12) lies outside the 16×12 image"},
		{Line: 10, Image: "t/r/u/truncated.jpg", Reason: "image t/r/u/truncated.jpg: " + filepath.Join(dir, "t", "r", "u", "truncated.jpg") + ": truncated or corrupt JPEG image: unexpected EOF"},
		{Line: 11, Image: "http://example.invalid/", Reason: `url "http://example.invalid/" names no image file of at least 3 characters; x1 = "NaN" is not a pixel coordinate; y2 = "-inf" is not a pixel coordinate`},
	}
	groups := []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "wearing_hat"}}
	shape := datasets.ImageShape{Channels: 3, Height: 2, Width: 2}

	_, _, err := Read(path, dir, groups, shape, datasets.LoadOptions{Workers: 3})
	bl, ok := errors.AsType[*datasets.BadLinesError](err)
	if !ok {
		t.Fatalf("error %v, want a *BadLinesError", err)
	}
	if got := imagetest.SkipLines(bl.Lines); !slices.Equal(got, []int{3, 4, 5, 7, 8, 9, 10, 11}) {
		t.Errorf("bad lines %v, want 3, 4, 5, 7-11", got)
	}
	if bl.Source != path || !slices.Equal(bl.Lines, want) {
		t.Errorf("error of %s lists\n%+v\nwant\n%+v", bl.Source, bl.Lines, want)
	}

	a, r, err := Read(path, dir, groups, shape, datasets.LoadOptions{Workers: 3, SkipBadLines: true})
	if err != nil {
		t.Fatal(err)
	}
	if wantReport := (&datasets.LoadReport{Source: path, Lines: 11, Kept: 3, Skipped: want}); !reflect.DeepEqual(r, wantReport) {
		t.Errorf("report\n%+v\nwant\n%+v", r, wantReport)
	}
	if want := []string{"a/b/c/abc123.jpg", "d/e/f/def456.png", "a/b/c/abc123.jpg"}; !slices.Equal(a.Files, want) {
		t.Errorf("files %q, want %q", a.Files, want)
	}
	imagetest.CheckGroups(t, a, []datasets.Group{
		{Name: "clothing_category", Values: []string{"Dress", "T-shirt"}, Labels: []int{1, datasets.Unlabelled, 0}},
		{Name: "wearing_hat", Values: []string{"No", "Yes"}, Labels: []int{0, 1, datasets.Unlabelled}},
	})
	imagetest.CheckLoaded(t, a, r, shape.Size())
	imagetest.CheckPixels(t, a, dir, []image.Rectangle{image.Rect(0, 0, 8, 12), image.Rect(0, 0, 8, 3), image.Rect(8, 0, 16, 12)})
}

// manifestFixture writes the StreetStyle fixture images and a truncated JPEG into a temporary
// directory, and returns it with the manifest header and a row builder.
func manifestFixture(t *testing.T) (dir, header string, row func(url, box, attrs string) string) {
	t.Helper()
	dir = t.TempDir()
	for name, img := range imagetest.AttrFixtureFiles {
		if strings.HasPrefix(name, "streetstyle/") {
			imagetest.WriteImage(t, filepath.Join(dir, strings.TrimPrefix(name, "streetstyle/")), img)
		}
	}
	jpg := imagetest.EncodeImage(t, "x.jpg", imagetest.TwoTone(32, 32, imagetest.Red, imagetest.Blue, false))
	os.MkdirAll(filepath.Join(dir, "t", "r", "u"), 0o755)
	imagetest.WriteFile(t, filepath.Join(dir, "t", "r", "u", "truncated.jpg"), jpg[:len(jpg)/2])
	header = "id,url,created_time,city_id,month_id,lat,long,x1,y1,x2,y2,width,height,major_color,sleeve_length,clothing_category,wearing_hat\n"
	row = func(url, box, attrs string) string {
		return "7," + url + ",2014-07-12 18:03:21.000000,14,7,40.7589,-73.9851," + box + ",16,12," + attrs + "\n"
	}
	return dir, header, row
}

// FuzzReadStreetStyleManifest: any manifest either loads into a consistent set or is an
// error naming the file; it never panics; bad lines behave as in seedcsv.FuzzReadSeedCSV.
func FuzzReadStreetStyleManifest(f *testing.F) {
	fixture, err := os.ReadFile(imagetest.AttrManifest)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(fixture))
	lines := strings.SplitAfter(string(fixture), "\n")
	f.Add(lines[0] + strings.Replace(lines[1], ",", ",,", 3))
	f.Add(lines[0] + "1,http://x/a/b/c/abc123.jpg,1,1,1,1,1,0,0,1e9,-1e9,8,12\n")
	f.Add("id\n")
	f.Add(lines[0] + lines[1] + strings.Replace(lines[2], ",8,0,16,", ",8,0,x,", 1) + strings.Replace(lines[3], "def456", "zzz999", 1) + lines[4])
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "streetstyle27k.manifest")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		read := func(opts datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error) {
			return Read(path, imagetest.AttrStreetStyle, imagetest.AttrGroups, datasets.ImageShape{Channels: 3, Height: 2, Width: 2}, opts)
		}
		imagetest.CheckModes(t, path, read, false)
	})
}
