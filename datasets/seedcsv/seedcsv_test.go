package seedcsv

import (
	"errors"
	"fmt"
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

func TestReadSeedCSV(t *testing.T) {
	shape := datasets.ImageShape{Channels: 3, Height: 3, Width: 4}
	a, r, err := Read(imagetest.AttrCSV, imagetest.AttrImages, imagetest.AttrGroups, shape, datasets.LoadOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "styles.csv" || a.Channels != 3 || a.Height != 3 || a.Width != 4 || len(a.Pixels) != 4*36 {
		t.Errorf("set %q of %d×%d×%d with %d values", a.Name, a.Channels, a.Height, a.Width, len(a.Pixels))
	}
	if want := []string{"red.png", "blue.jpg", "grey.png", "split.png"}; !slices.Equal(a.Files, want) {
		t.Errorf("files %q, want %q", a.Files, want)
	}
	imagetest.CheckGroups(t, a, []datasets.Group{
		{Name: "clothing_category", Values: []string{"dress", "shirt", "t-shirt"}, Labels: []int{2, 0, datasets.Unlabelled, 1}},
		{Name: "major_color", Values: []string{"blue", "gray", "more_than_1_color", "red"}, Labels: []int{3, 0, 1, 2}},
		{Name: "wearing_hat", Values: []string{"no", "yes"}, Labels: []int{0, 0, 1, 1}},
	})
	wantReport := &datasets.LoadReport{Source: imagetest.AttrCSV, Lines: 6, Kept: 4, Skipped: []datasets.Skip{
		{Line: 4, Image: "split.png", Reason: "2 labels in group major_color: red, green"},
		{Line: 7, Image: "red.png", Reason: "image already listed on line 2"},
	}}
	if !reflect.DeepEqual(r, wantReport) {
		t.Errorf("report %+v, want %+v", r, wantReport)
	}
	if got, want := a.Images(0).Image(0), imagetest.Planes(shape, 1, 0, 0); !slices.Equal(got, want) {
		t.Errorf("red.png = %v, want %v", got, want)
	}
	if got, want := a.Images(0).Image(2), imagetest.Planes(shape, 128./255, 128./255, 128./255); !slices.Equal(got, want) {
		t.Errorf("grey.png = %v, want %v", got, want)
	}
	if got, want := a.Images(0).Image(1), imagetest.Planes(shape, 0, 0, 1); imagetest.MaxDiff(got, want) > 2./255 {
		t.Errorf("blue.jpg = %v, want about %v", got, want)
	}
	imagetest.CheckPixels(t, a, imagetest.AttrImages, make([]image.Rectangle, 4))
}

// TestListSeedCSV checks that listing a seed CSV finds the lines Read keeps, with
// their values, without opening an image: a missing one is listed all the same.
func TestListSeedCSV(t *testing.T) {
	list, r, err := List(imagetest.AttrCSV, imagetest.AttrImages, imagetest.AttrGroups, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Listed{
		{Line: 2, Image: "red.png", Path: filepath.Join(imagetest.AttrImages, "red.png"), Values: []string{"t-shirt", "red", "no"}},
		{Line: 3, Image: "blue.jpg", Path: filepath.Join(imagetest.AttrImages, "blue.jpg"), Values: []string{"dress", "blue", "no"}},
		{Line: 5, Image: "grey.png", Path: filepath.Join(imagetest.AttrImages, "grey.png"), Values: []string{"", "gray", "yes"}},
		{Line: 6, Image: "split.png", Path: filepath.Join(imagetest.AttrImages, "split.png"), Values: []string{"shirt", "more_than_1_color", "yes"}},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("listed %+v\nwant %+v", list, want)
	}
	if r.Kept != 4 || len(r.Skipped) != 2 {
		t.Errorf("report %+v", r)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "labels.csv")
	if err := os.WriteFile(path, []byte("missing.png,class_a\nbad line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	groups := []datasets.GroupSpec{{Name: "class"}}
	var bad *datasets.BadLinesError
	if _, _, err := List(path, dir, groups, datasets.LoadOptions{}); !errors.As(err, &bad) || len(bad.Lines) != 1 || bad.Lines[0].Line != 2 {
		t.Errorf("bad line: %v", err)
	}
	list, r, err = List(path, dir, groups, datasets.LoadOptions{SkipBadLines: true})
	if err != nil || len(list) != 1 || list[0].Image != "missing.png" || len(r.Skipped) != 1 {
		t.Errorf("with SkipBadLines: %+v, %+v, %v", list, r, err)
	}
}

func TestReadSeedCSVValues(t *testing.T) {
	groups := []datasets.GroupSpec{
		{Name: "clothing_category", Values: []string{"t-shirt", "dress"}},
		{Name: "major_color", Values: []string{"red", "purple"}},
		{Name: "hat", Prefix: "wearing_hat_"},
	}
	a, _, err := Read(imagetest.AttrCSV, imagetest.AttrImages, groups, datasets.ImageShape{Channels: 1, Height: 2, Width: 2}, datasets.LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	imagetest.CheckGroups(t, a, []datasets.Group{
		{Name: "clothing_category", Values: []string{"t-shirt", "dress"}, Labels: []int{0, 1, datasets.Unlabelled, datasets.Unlabelled}},
		{Name: "major_color", Values: []string{"red", "purple"}, Labels: []int{0, datasets.Unlabelled, datasets.Unlabelled, datasets.Unlabelled}},
		{Name: "hat", Values: []string{"no", "yes"}, Labels: []int{0, 0, 1, 1}},
	})
	if groups[0].Prefix != "" {
		t.Errorf("Read changed the caller's specs: prefix %q", groups[0].Prefix)
	}
}

// seedDir returns a temp dir holding images a.png, b.jpg, B.JPEG (solid colours).
func seedDir(t *testing.T) string {
	dir := t.TempDir()
	imagetest.WriteImage(t, filepath.Join(dir, "a.png"), imagetest.Solid(4, 4, imagetest.Red))
	imagetest.WriteImage(t, filepath.Join(dir, "b.jpg"), imagetest.Solid(4, 4, imagetest.Blue))
	imagetest.WriteImage(t, filepath.Join(dir, "B.JPEG"), imagetest.Solid(4, 4, imagetest.Green))
	return dir
}

func TestReadSeedCSVLines(t *testing.T) {
	tests := []struct {
		name    string
		content string
		groups  []datasets.GroupSpec
		lines   int
		files   []string
		want    []datasets.Group
	}{
		{"header", "image,label\na.png,c_x\n", nil, 1, []string{"a.png"}, nil},
		{"no header", "a.png,c_x\nb.jpg,c_y\n", nil, 2, []string{"a.png", "b.jpg"}, nil},
		{"upper-case extension is data", "B.JPEG,c_y\na.png,c_x\n", nil, 2, []string{"B.JPEG", "a.png"}, nil},
		{"other header names", "file,labels\nb.jpg,c_y\n", nil, 1, []string{"b.jpg"}, nil},
		{"byte-order mark before the header", "\ufeffimage,label\na.png,c_x\n", nil, 1, []string{"a.png"}, nil},
		{"byte-order mark before data", "\ufeffa.png,c_x\n", nil, 1, []string{"a.png"}, nil},
		{"CRLF, blank lines, quotes, spaces", "image,label\r\n\r\n\"a.png\",\"c_x \"\r\n b.jpg ,  c_y\r\n", nil, 2, []string{"a.png", "b.jpg"}, nil},
		{"image without labels", "a.png,c_x\nb.jpg,\n", nil, 2, []string{"a.png", "b.jpg"},
			[]datasets.Group{{Name: "c", Values: []string{"x"}, Labels: []int{0, datasets.Unlabelled}}}},
		{"a label repeated verbatim counts once", "a.png,c_x c_x\n", nil, 1, []string{"a.png"}, nil},
		{"longest prefix wins", "a.png,color_red color_family_warm\nb.jpg,color_family_cold\n",
			[]datasets.GroupSpec{{Name: "color"}, {Name: "color_family"}}, 2, []string{"a.png", "b.jpg"},
			[]datasets.Group{{Name: "color", Values: []string{"red"}, Labels: []int{0, datasets.Unlabelled}}, {Name: "color_family", Values: []string{"cold", "warm"}, Labels: []int{1, 0}}}},
		{"declared prefix", "a.png,wearing_hat_yes\nb.jpg,wearing_hat_no\n", []datasets.GroupSpec{{Name: "hat", Prefix: "wearing_hat_"}},
			2, []string{"a.png", "b.jpg"}, []datasets.Group{{Name: "hat", Values: []string{"no", "yes"}, Labels: []int{1, 0}}}},
	}
	dir := seedDir(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "styles.csv")
			imagetest.WriteFile(t, path, []byte(tt.content))
			groups := tt.groups
			if groups == nil {
				groups = []datasets.GroupSpec{{Name: "c"}}
			}
			a, r, err := Read(path, dir, groups, datasets.ImageShape{Channels: 3, Height: 2, Width: 2}, datasets.LoadOptions{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if r.Lines != tt.lines || r.Kept != len(tt.files) || len(r.Skipped) != 0 || !slices.Equal(a.Files, tt.files) {
				t.Errorf("report %+v, files %q; want %d lines, files %q", r, a.Files, tt.lines, tt.files)
			}
			if tt.want != nil {
				imagetest.CheckGroups(t, a, tt.want)
			}
		})
	}
}

func TestReadSeedCSVErrors(t *testing.T) {
	dir := seedDir(t)
	jpg := imagetest.EncodeImage(t, "x.jpg", imagetest.TwoTone(32, 32, imagetest.Red, imagetest.Blue, false))
	imagetest.WriteFile(t, filepath.Join(dir, "truncated.jpg"), jpg[:len(jpg)/2])
	imagetest.WriteFile(t, filepath.Join(dir, "text.png"), []byte("hello\n"))
	imagetest.WriteFile(t, filepath.Join(dir, "huge.png"), imagetest.PNGHeader(50000, 50000))
	groups := []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}}
	good := "image,label\na.png,clothing_category_dress major_color_red\n"
	tests := []struct {
		name    string
		content string
		groups  []datasets.GroupSpec
		shape   datasets.ImageShape
		opts    datasets.LoadOptions
		wantErr []string
	}{
		{"no comma", good + "b.jpg\n", nil, datasets.ImageShape{}, datasets.LoadOptions{}, []string{"styles.csv:3: no comma between image and labels"}},
		{"three fields", "a.png,major_color_red,x\n", nil, datasets.ImageShape{}, datasets.LoadOptions{}, []string{"styles.csv:1: 3 fields, want 2"}},
		{"empty image field", good + " ,major_color_red\n", nil, datasets.ImageShape{}, datasets.LoadOptions{}, []string{"styles.csv:3: empty image field"}},
		{"unknown prefix, strict", good + "b.jpg,colour_red\n", nil, datasets.ImageShape{}, datasets.LoadOptions{StrictLabels: true},
			[]string{`styles.csv:3: label "colour_red" matches no declared group; declared prefixes: "clothing_category_", "major_color_"`}},
		{"unknown labels, strict", good + "b.jpg,colour_red colour_red hat\n", nil, datasets.ImageShape{}, datasets.LoadOptions{StrictLabels: true},
			[]string{`styles.csv:3: labels "colour_red", "hat" match no declared group; declared prefixes: "clothing_category_", "major_color_"`}},
		{"only undeclared labels", "a.png,major_colour_red\nb.jpg,major_colour_blue colour_x\n", []datasets.GroupSpec{{Name: "major_color"}}, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{`styles.csv: no image has a label in group "major_color" (selected by "major_color_"); ignored labels: colour_ on 1 line, major_colour_ on 2 lines`}},
		{"every line bad", "a.png\nb.jpg,major_color_red,x\n", nil, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{"styles.csv: 2 bad lines", "styles.csv:1: no comma", "styles.csv:2: 3 fields, want 2"}},
		{"every line bad, skipped", "a.png\nb.jpg,major_color_red,x\n", nil, datasets.ImageShape{}, datasets.LoadOptions{SkipBadLines: true},
			[]string{"styles.csv: no images left to load (2 of 2 data lines skipped)"}},
		{"every image fails, skipped", "nothere.png,major_color_red\ntext.png,major_color_red\n", []datasets.GroupSpec{{Name: "major_color"}}, datasets.ImageShape{}, datasets.LoadOptions{SkipBadLines: true},
			[]string{"styles.csv: no images left to load (2 of 2 data lines skipped)"}},
		{"a group's only labelled image fails, skipped", "nothere.png,major_color_red clothing_category_dress\na.png,major_color_red\n", nil, datasets.ImageShape{},
			datasets.LoadOptions{SkipBadLines: true}, []string{`styles.csv: no image has a label in group "clothing_category"`}},
		{"empty value", good + "b.jpg,major_color_\n", nil, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{`styles.csv:3: label "major_color_" has no value after the prefix of group major_color`}},
		{"unbalanced quote", good + "b.jpg,\"major_color_red\n", nil, datasets.ImageShape{}, datasets.LoadOptions{}, []string{"styles.csv:3: ", "quote"}},
		{"missing image", good + "b.jpg,major_color_red\nnothere.png,major_color_red\n", nil, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{"styles.csv:4: image nothere.png: ", filepath.Join(dir, "nothere.png") + ": missing image file"}},
		{"truncated JPEG", good + "truncated.jpg,major_color_blue\n", nil, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{"styles.csv:3: image truncated.jpg: ", "truncated.jpg: truncated or corrupt JPEG image"}},
		{"not an image", good + "text.png,major_color_blue\n", nil, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{"styles.csv:3: image text.png: ", "text.png: not an image"}},
		{"larger than max_pixels", good + "huge.png,major_color_blue\n", nil, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{"styles.csv:3: image huge.png: ", "huge.png: 50000×50000 PNG image (2500.0 megapixels), larger than max_pixels = 100000000"}},
		{"group without labels", good, []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}, {Name: "wearing_hat"}}, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{`styles.csv: no image has a label in group "wearing_hat" (selected by "wearing_hat_")`}},
		{"declared values never seen", good, []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "major_color", Values: []string{"purple"}}}, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{`styles.csv: no image has a label in group "major_color"`, `among its declared values ["purple"]`}},
		{"every line skipped", "a.png,major_color_red major_color_blue\n", nil, datasets.ImageShape{}, datasets.LoadOptions{}, []string{"styles.csv: no images left"}},
		{"only a header", "image,label\n", nil, datasets.ImageShape{}, datasets.LoadOptions{}, []string{"styles.csv: no images left"}},
		{"no groups", good, []datasets.GroupSpec{}, datasets.ImageShape{}, datasets.LoadOptions{}, []string{"styles.csv: no attribute groups declared"}},
		{"group without name", good, []datasets.GroupSpec{{Prefix: "x_"}}, datasets.ImageShape{}, datasets.LoadOptions{}, []string{"styles.csv: attribute group 1 has no name"}},
		{"group twice", good, []datasets.GroupSpec{{Name: "a"}, {Name: "a"}}, datasets.ImageShape{}, datasets.LoadOptions{}, []string{`styles.csv: attribute group "a" is declared twice`}},
		{"prefix twice", good, []datasets.GroupSpec{{Name: "a", Prefix: "x_"}, {Name: "b", Prefix: "x_"}}, datasets.ImageShape{}, datasets.LoadOptions{},
			[]string{`styles.csv: attribute groups "a" and "b" both select "x_"`}},
		{"value twice", good, []datasets.GroupSpec{{Name: "a", Values: []string{"p", "p"}}}, datasets.ImageShape{}, datasets.LoadOptions{}, []string{`attribute group "a" lists value "p" twice`}},
		{"four channels", good, nil, datasets.ImageShape{Channels: 4, Height: 2, Width: 2}, datasets.LoadOptions{}, []string{"styles.csv: image shape 4×2×2: channels must be 1 (grey) or 3 (RGB)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "styles.csv")
			imagetest.WriteFile(t, path, []byte(tt.content))
			g, shape := tt.groups, tt.shape
			if g == nil {
				g = groups
			}
			if shape == (datasets.ImageShape{}) {
				shape = datasets.ImageShape{Channels: 3, Height: 2, Width: 2}
			}
			opts := tt.opts
			opts.Workers = 2
			_, _, err := Read(path, dir, g, shape, opts)
			imagetest.CheckErrorSays(t, err, tt.wantErr)
		})
	}
	if _, _, err := Read(filepath.Join(dir, "none.csv"), dir, groups, datasets.ImageShape{Channels: 1, Height: 1, Width: 1}, datasets.LoadOptions{Workers: 1}); err == nil ||
		!strings.Contains(err.Error(), "none.csv") {
		t.Errorf("missing CSV: error %v, want one naming none.csv", err)
	}
}

func TestReadSeedCSVSkips(t *testing.T) {
	dir := seedDir(t)
	path := filepath.Join(t.TempDir(), "styles.csv")
	// Skipped lines are never decoded, so their images need not exist.
	imagetest.WriteFile(t, path, []byte("a.png,color_red size_s\n"+
		"gone.png,color_red color_blue size_s size_m size_l\n"+
		"b.jpg,color_blue\n"+
		"gone.png,color_red color_blue color_red\n"+
		"a.png,color_red\n"))
	a, r, err := Read(path, dir, []datasets.GroupSpec{{Name: "color"}, {Name: "size"}}, datasets.ImageShape{Channels: 1, Height: 1, Width: 1}, datasets.LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []datasets.Skip{
		{Line: 2, Image: "gone.png", Reason: "2 labels in group color: red, blue; 3 labels in group size: s, m, l"},
		{Line: 4, Image: "gone.png", Reason: "2 labels in group color: red, blue"},
		{Line: 5, Image: "a.png", Reason: "image already listed on line 1"},
	}
	if !slices.Equal(r.Skipped, want) || r.Lines != 5 || r.Kept != 2 || !slices.Equal(a.Files, []string{"a.png", "b.jpg"}) {
		t.Errorf("report %+v, files %q; want skips %+v", r, a.Files, want)
	}
}

// dirtyBadLines are the bad lines of the dirty.csv fixture with the declared groups imagetest.AttrGroups.
func dirtyBadLines() []datasets.Skip {
	img := func(name string) string { return filepath.Join(imagetest.AttrImages, name) }
	return []datasets.Skip{
		{Line: 3, Image: "blue.jpg", Reason: "no comma between image and labels, want `image,label label ...`"},
		{Line: 4, Image: "grey.png", Reason: "3 fields, want 2: `image,label label ...`"},
		{Line: 5, Image: "", Reason: "empty image field"},
		{Line: 7, Image: "blue.jpg", Reason: `label "major_color_" has no value after the prefix of group major_color`},
		{Line: 8, Image: "nothere.png", Reason: "image nothere.png: " + img("nothere.png") + ": missing image file"},
		{Line: 9, Image: "corrupt.png", Reason: "image corrupt.png: " + img("corrupt.png") + ": not an image (47 bytes; JPEG and PNG are read)"},
		{Line: 14, Image: "truncated.png", Reason: "image truncated.png: " + img("truncated.png") + ": truncated or corrupt PNG image: png: invalid format: not enough pixel data"},
	}
}

func TestReadSeedCSVBadLines(t *testing.T) {
	shape := datasets.ImageShape{Channels: 3, Height: 3, Width: 4}
	want := dirtyBadLines()

	// By default one read finds every bad line, the images that fail to decode included.
	for _, workers := range []int{1, 3} {
		a, r, err := Read(imagetest.AttrDirty, imagetest.AttrImages, imagetest.AttrGroups, shape, datasets.LoadOptions{Workers: workers})
		bl, ok := errors.AsType[*datasets.BadLinesError](err)
		if !ok || a != nil || r != nil {
			t.Fatalf("%d workers: error %v, set %v, report %v; want a *BadLinesError alone", workers, err, a, r)
		}
		if got := imagetest.SkipLines(bl.Lines); !slices.Equal(got, []int{3, 4, 5, 7, 8, 9, 14}) {
			t.Errorf("bad lines %v, want 3, 4, 5, 7, 8, 9, 14", got)
		}
		if bl.Source != imagetest.AttrDirty || !slices.Equal(bl.Lines, want) {
			t.Errorf("error of %s lists\n%+v\nwant\n%+v", bl.Source, bl.Lines, want)
		}
		for _, s := range want {
			if line := fmt.Sprintf("\n  %s:%d: %s", imagetest.AttrDirty, s.Line, s.Reason); !strings.Contains(err.Error(), line) {
				t.Errorf("error message lacks %q:\n%s", line, err)
			}
		}
	}

	// Skipping loads the rest: the bad lines join the non-error skips in line order, and the images
	// that fail are not in the set (nor are their values: no "purple").
	a, r, err := Read(imagetest.AttrDirty, imagetest.AttrImages, imagetest.AttrGroups, shape, datasets.LoadOptions{Workers: 3, SkipBadLines: true})
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped := slices.Concat(want[:5], want[5:6], []datasets.Skip{
		{Line: 10, Image: "grey.png", Reason: "2 labels in group major_color: red, gray"},
		{Line: 11, Image: "red.png", Reason: "image already listed on line 2"},
	}, want[6:])
	wantReport := &datasets.LoadReport{Source: imagetest.AttrDirty, Lines: 13, Kept: 4, Skipped: wantSkipped, Ignored: []datasets.IgnoredLabels{
		{Prefix: "clothing_categroy_", Lines: 1}, {Prefix: "colour_", Lines: 4}, {Prefix: "hat", Lines: 1}, {Prefix: "sleevelength_", Lines: 1},
	}}
	if !reflect.DeepEqual(r, wantReport) {
		t.Errorf("report\n%+v\nwant\n%+v", r, wantReport)
	}
	// blue.jpg of line 12 and grey.png of line 13 are kept: the bad line 7 and the skipped line 10 did not list them.
	if want := []string{"red.png", "split.png", "blue.jpg", "grey.png"}; !slices.Equal(a.Files, want) {
		t.Errorf("files %q, want %q", a.Files, want)
	}
	imagetest.CheckGroups(t, a, []datasets.Group{
		{Name: "clothing_category", Values: []string{"dress", "shirt", "t-shirt"}, Labels: []int{2, 1, 0, datasets.Unlabelled}},
		{Name: "major_color", Values: []string{"blue", "more_than_1_color", "red"}, Labels: []int{2, 1, 0, datasets.Unlabelled}},
		{Name: "wearing_hat", Values: []string{"no", "yes"}, Labels: []int{0, datasets.Unlabelled, 0, 1}},
	})
	imagetest.CheckLoaded(t, a, r, shape.Size())
	imagetest.CheckPixels(t, a, imagetest.AttrImages, make([]image.Rectangle, 4))

	// StrictLabels makes every line with an undeclared label bad (and the later red.png of line 11 its
	// first listing), reasons naming every such label of the line.
	_, _, err = Read(imagetest.AttrDirty, imagetest.AttrImages, imagetest.AttrGroups, shape, datasets.LoadOptions{Workers: 2, StrictLabels: true})
	bl, ok := errors.AsType[*datasets.BadLinesError](err)
	if !ok {
		t.Fatalf("strict: error %v, want a *BadLinesError", err)
	}
	if got := imagetest.SkipLines(bl.Lines); !slices.Equal(got, []int{2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14}) {
		t.Errorf("strict: bad lines %v, want 2-9, 12-14", got)
	}
	const declared = `; declared prefixes: "clothing_category_", "major_color_", "wearing_hat_" (declare every group the file uses)`
	for _, s := range []datasets.Skip{
		{Line: 2, Image: "red.png", Reason: `label "colour_red" matches no declared group` + declared},
		{Line: 7, Image: "blue.jpg", Reason: `label "colour_blue" matches no declared group` + declared + `; label "major_color_" has no value after the prefix of group major_color`},
		{Line: 9, Image: "corrupt.png", Reason: `label "colour_blue" matches no declared group` + declared},
		{Line: 13, Image: "grey.png", Reason: `labels "sleevelength_long", "hat" match no declared group` + declared},
	} {
		if !slices.Contains(bl.Lines, s) {
			t.Errorf("strict: bad lines lack %+v:\n%+v", s, bl.Lines)
		}
	}
	// Skipping them leaves red.png of line 11 alone, without a clothing category: a plain error.
	_, _, err = Read(imagetest.AttrDirty, imagetest.AttrImages, imagetest.AttrGroups, shape, datasets.LoadOptions{SkipBadLines: true, StrictLabels: true})
	if _, isBad := errors.AsType[*datasets.BadLinesError](err); err == nil || isBad ||
		!strings.Contains(err.Error(), `dirty.csv: no image has a label in group "clothing_category"`) {
		t.Errorf("strict, skipping: error %v, want no labelled clothing category", err)
	}
	a, r, err = Read(imagetest.AttrDirty, imagetest.AttrImages, []datasets.GroupSpec{{Name: "major_color"}}, shape, datasets.LoadOptions{SkipBadLines: true, StrictLabels: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Files, []string{"red.png"}) || r.Kept != 1 || len(r.Skipped) != 12 || r.Ignored != nil {
		t.Errorf("strict, skipping, major_color only: files %q, report %+v", a.Files, r)
	}
}

func TestBadLinesErrorShowsTwenty(t *testing.T) {
	dir := seedDir(t)
	var b strings.Builder
	for i := range 25 {
		fmt.Fprintf(&b, "a.png,c_x,%d\n", i)
	}
	path := filepath.Join(t.TempDir(), "styles.csv")
	imagetest.WriteFile(t, path, []byte(b.String()))
	_, _, err := Read(path, dir, []datasets.GroupSpec{{Name: "c"}}, datasets.ImageShape{Channels: 1, Height: 1, Width: 1}, datasets.LoadOptions{})
	bl, ok := errors.AsType[*datasets.BadLinesError](err)
	if !ok || len(bl.Lines) != 25 {
		t.Fatalf("error %v, want a *BadLinesError of 25 lines", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, path+": 25 bad lines (the first 20 below); ") || !strings.Contains(msg, path+":20: 3 fields") ||
		strings.Contains(msg, path+":21:") || strings.Count(msg, "\n") != datasets.BadLinesShown {
		t.Errorf("message:\n%s", msg)
	}
}
