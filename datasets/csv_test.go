package datasets

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
)

// checkGroups compares a's groups with want, name by name.
func checkGroups(t *testing.T, a *Attributes, want []Group) {
	t.Helper()
	if len(a.Groups) != len(want) {
		t.Fatalf("%d groups, want %d", len(a.Groups), len(want))
	}
	for i, g := range a.Groups {
		w := want[i]
		if g.Name != w.Name || !slices.Equal(g.Values, w.Values) || !slices.Equal(g.Labels, w.Labels) {
			t.Errorf("group %d = %s %q %v, want %s %q %v", i, g.Name, g.Values, g.Labels, w.Name, w.Values, w.Labels)
		}
	}
}

// checkPixels checks that every image of a is DecodeImage's result for its file under dir with crop.
func checkPixels(t *testing.T, a *Attributes, dir string, crops []image.Rectangle) {
	t.Helper()
	shape := ImageShape{a.Channels, a.Height, a.Width}
	for i, f := range a.Files {
		want := decode(t, filepath.Join(dir, f), crops[i], shape)
		if got := a.Images(0).Image(i); !slices.Equal(got, want) {
			t.Errorf("image %d (%s) = %v, want %v", i, f, got, want)
		}
	}
}

func TestReadSeedCSV(t *testing.T) {
	shape := ImageShape{3, 3, 4}
	a, r, err := ReadSeedCSV(attrCSV, attrImages, attrGroups, shape, LoadOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "styles.csv" || a.Channels != 3 || a.Height != 3 || a.Width != 4 || len(a.Pixels) != 4*36 {
		t.Errorf("set %q of %d×%d×%d with %d values", a.Name, a.Channels, a.Height, a.Width, len(a.Pixels))
	}
	if want := []string{"red.png", "blue.jpg", "grey.png", "split.png"}; !slices.Equal(a.Files, want) {
		t.Errorf("files %q, want %q", a.Files, want)
	}
	checkGroups(t, a, []Group{
		{"clothing_category", []string{"dress", "shirt", "t-shirt"}, []int{2, 0, Unlabelled, 1}},
		{"major_color", []string{"blue", "gray", "more_than_1_color", "red"}, []int{3, 0, 1, 2}},
		{"wearing_hat", []string{"no", "yes"}, []int{0, 0, 1, 1}},
	})
	wantReport := &LoadReport{Source: attrCSV, Lines: 6, Kept: 4, Skipped: []Skip{
		{Line: 4, Image: "split.png", Reason: "2 labels in group major_color: red, green"},
		{Line: 7, Image: "red.png", Reason: "image already listed on line 2"},
	}}
	if !reflect.DeepEqual(r, wantReport) {
		t.Errorf("report %+v, want %+v", r, wantReport)
	}
	if got, want := a.Images(0).Image(0), planes(shape, 1, 0, 0); !slices.Equal(got, want) {
		t.Errorf("red.png = %v, want %v", got, want)
	}
	if got, want := a.Images(0).Image(2), planes(shape, 128./255, 128./255, 128./255); !slices.Equal(got, want) {
		t.Errorf("grey.png = %v, want %v", got, want)
	}
	if got, want := a.Images(0).Image(1), planes(shape, 0, 0, 1); maxDiff(got, want) > 2./255 {
		t.Errorf("blue.jpg = %v, want about %v", got, want)
	}
	checkPixels(t, a, attrImages, make([]image.Rectangle, 4))
}

// TestListSeedCSV checks that listing a seed CSV finds the lines ReadSeedCSV keeps, with
// their values, without opening an image: a missing one is listed all the same.
func TestListSeedCSV(t *testing.T) {
	list, r, err := ListSeedCSV(attrCSV, attrImages, attrGroups, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Listed{
		{Line: 2, Image: "red.png", Path: filepath.Join(attrImages, "red.png"), Values: []string{"t-shirt", "red", "no"}},
		{Line: 3, Image: "blue.jpg", Path: filepath.Join(attrImages, "blue.jpg"), Values: []string{"dress", "blue", "no"}},
		{Line: 5, Image: "grey.png", Path: filepath.Join(attrImages, "grey.png"), Values: []string{"", "gray", "yes"}},
		{Line: 6, Image: "split.png", Path: filepath.Join(attrImages, "split.png"), Values: []string{"shirt", "more_than_1_color", "yes"}},
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
	groups := []GroupSpec{{Name: "class"}}
	var bad *BadLinesError
	if _, _, err := ListSeedCSV(path, dir, groups, LoadOptions{}); !errors.As(err, &bad) || len(bad.Lines) != 1 || bad.Lines[0].Line != 2 {
		t.Errorf("bad line: %v", err)
	}
	list, r, err = ListSeedCSV(path, dir, groups, LoadOptions{SkipBadLines: true})
	if err != nil || len(list) != 1 || list[0].Image != "missing.png" || len(r.Skipped) != 1 {
		t.Errorf("with SkipBadLines: %+v, %+v, %v", list, r, err)
	}
}

func TestReadSeedCSVValues(t *testing.T) {
	groups := []GroupSpec{
		{Name: "clothing_category", Values: []string{"t-shirt", "dress"}},
		{Name: "major_color", Values: []string{"red", "purple"}},
		{Name: "hat", Prefix: "wearing_hat_"},
	}
	a, _, err := ReadSeedCSV(attrCSV, attrImages, groups, ImageShape{1, 2, 2}, LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkGroups(t, a, []Group{
		{"clothing_category", []string{"t-shirt", "dress"}, []int{0, 1, Unlabelled, Unlabelled}},
		{"major_color", []string{"red", "purple"}, []int{0, Unlabelled, Unlabelled, Unlabelled}},
		{"hat", []string{"no", "yes"}, []int{0, 0, 1, 1}},
	})
	if groups[0].Prefix != "" {
		t.Errorf("ReadSeedCSV changed the caller's specs: prefix %q", groups[0].Prefix)
	}
}

// seedDir returns a temp dir holding images a.png, b.jpg, B.JPEG (solid colours).
func seedDir(t *testing.T) string {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a.png"), solid(4, 4, red))
	writeImage(t, filepath.Join(dir, "b.jpg"), solid(4, 4, blue))
	writeImage(t, filepath.Join(dir, "B.JPEG"), solid(4, 4, green))
	return dir
}

func TestReadSeedCSVLines(t *testing.T) {
	tests := []struct {
		name    string
		content string
		groups  []GroupSpec
		lines   int
		files   []string
		want    []Group
	}{
		{"header", "image,label\na.png,c_x\n", nil, 1, []string{"a.png"}, nil},
		{"no header", "a.png,c_x\nb.jpg,c_y\n", nil, 2, []string{"a.png", "b.jpg"}, nil},
		{"upper-case extension is data", "B.JPEG,c_y\na.png,c_x\n", nil, 2, []string{"B.JPEG", "a.png"}, nil},
		{"other header names", "file,labels\nb.jpg,c_y\n", nil, 1, []string{"b.jpg"}, nil},
		{"byte-order mark before the header", "\ufeffimage,label\na.png,c_x\n", nil, 1, []string{"a.png"}, nil},
		{"byte-order mark before data", "\ufeffa.png,c_x\n", nil, 1, []string{"a.png"}, nil},
		{"CRLF, blank lines, quotes, spaces", "image,label\r\n\r\n\"a.png\",\"c_x \"\r\n b.jpg ,  c_y\r\n", nil, 2, []string{"a.png", "b.jpg"}, nil},
		{"image without labels", "a.png,c_x\nb.jpg,\n", nil, 2, []string{"a.png", "b.jpg"},
			[]Group{{"c", []string{"x"}, []int{0, Unlabelled}}}},
		{"a label repeated verbatim counts once", "a.png,c_x c_x\n", nil, 1, []string{"a.png"}, nil},
		{"longest prefix wins", "a.png,color_red color_family_warm\nb.jpg,color_family_cold\n",
			[]GroupSpec{{Name: "color"}, {Name: "color_family"}}, 2, []string{"a.png", "b.jpg"},
			[]Group{{"color", []string{"red"}, []int{0, Unlabelled}}, {"color_family", []string{"cold", "warm"}, []int{1, 0}}}},
		{"declared prefix", "a.png,wearing_hat_yes\nb.jpg,wearing_hat_no\n", []GroupSpec{{Name: "hat", Prefix: "wearing_hat_"}},
			2, []string{"a.png", "b.jpg"}, []Group{{"hat", []string{"no", "yes"}, []int{1, 0}}}},
	}
	dir := seedDir(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "styles.csv")
			writeFile(t, path, []byte(tt.content))
			groups := tt.groups
			if groups == nil {
				groups = []GroupSpec{{Name: "c"}}
			}
			a, r, err := ReadSeedCSV(path, dir, groups, ImageShape{3, 2, 2}, LoadOptions{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if r.Lines != tt.lines || r.Kept != len(tt.files) || len(r.Skipped) != 0 || !slices.Equal(a.Files, tt.files) {
				t.Errorf("report %+v, files %q; want %d lines, files %q", r, a.Files, tt.lines, tt.files)
			}
			if tt.want != nil {
				checkGroups(t, a, tt.want)
			}
		})
	}
}

func TestReadSeedCSVErrors(t *testing.T) {
	dir := seedDir(t)
	jpg := encodeImage(t, "x.jpg", twoTone(32, 32, red, blue, false))
	writeFile(t, filepath.Join(dir, "truncated.jpg"), jpg[:len(jpg)/2])
	writeFile(t, filepath.Join(dir, "text.png"), []byte("hello\n"))
	writeFile(t, filepath.Join(dir, "huge.png"), pngHeader(50000, 50000))
	groups := []GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}}
	good := "image,label\na.png,clothing_category_dress major_color_red\n"
	tests := []struct {
		name    string
		content string
		groups  []GroupSpec
		shape   ImageShape
		opts    LoadOptions
		wantErr []string
	}{
		{"no comma", good + "b.jpg\n", nil, ImageShape{}, LoadOptions{}, []string{"styles.csv:3: no comma between image and labels"}},
		{"three fields", "a.png,major_color_red,x\n", nil, ImageShape{}, LoadOptions{}, []string{"styles.csv:1: 3 fields, want 2"}},
		{"empty image field", good + " ,major_color_red\n", nil, ImageShape{}, LoadOptions{}, []string{"styles.csv:3: empty image field"}},
		{"unknown prefix, strict", good + "b.jpg,colour_red\n", nil, ImageShape{}, LoadOptions{StrictLabels: true},
			[]string{`styles.csv:3: label "colour_red" matches no declared group; declared prefixes: "clothing_category_", "major_color_"`}},
		{"unknown labels, strict", good + "b.jpg,colour_red colour_red hat\n", nil, ImageShape{}, LoadOptions{StrictLabels: true},
			[]string{`styles.csv:3: labels "colour_red", "hat" match no declared group; declared prefixes: "clothing_category_", "major_color_"`}},
		{"only undeclared labels", "a.png,major_colour_red\nb.jpg,major_colour_blue colour_x\n", []GroupSpec{{Name: "major_color"}}, ImageShape{}, LoadOptions{},
			[]string{`styles.csv: no image has a label in group "major_color" (selected by "major_color_"); ignored labels: colour_ on 1 line, major_colour_ on 2 lines`}},
		{"every line bad", "a.png\nb.jpg,major_color_red,x\n", nil, ImageShape{}, LoadOptions{},
			[]string{"styles.csv: 2 bad lines", "styles.csv:1: no comma", "styles.csv:2: 3 fields, want 2"}},
		{"every line bad, skipped", "a.png\nb.jpg,major_color_red,x\n", nil, ImageShape{}, LoadOptions{SkipBadLines: true},
			[]string{"styles.csv: no images left to load (2 of 2 data lines skipped)"}},
		{"every image fails, skipped", "nothere.png,major_color_red\ntext.png,major_color_red\n", []GroupSpec{{Name: "major_color"}}, ImageShape{}, LoadOptions{SkipBadLines: true},
			[]string{"styles.csv: no images left to load (2 of 2 data lines skipped)"}},
		{"a group's only labelled image fails, skipped", "nothere.png,major_color_red clothing_category_dress\na.png,major_color_red\n", nil, ImageShape{},
			LoadOptions{SkipBadLines: true}, []string{`styles.csv: no image has a label in group "clothing_category"`}},
		{"empty value", good + "b.jpg,major_color_\n", nil, ImageShape{}, LoadOptions{},
			[]string{`styles.csv:3: label "major_color_" has no value after the prefix of group major_color`}},
		{"unbalanced quote", good + "b.jpg,\"major_color_red\n", nil, ImageShape{}, LoadOptions{}, []string{"styles.csv:3: ", "quote"}},
		{"missing image", good + "b.jpg,major_color_red\nnothere.png,major_color_red\n", nil, ImageShape{}, LoadOptions{},
			[]string{"styles.csv:4: image nothere.png: ", filepath.Join(dir, "nothere.png") + ": missing image file"}},
		{"truncated JPEG", good + "truncated.jpg,major_color_blue\n", nil, ImageShape{}, LoadOptions{},
			[]string{"styles.csv:3: image truncated.jpg: ", "truncated.jpg: truncated or corrupt JPEG image"}},
		{"not an image", good + "text.png,major_color_blue\n", nil, ImageShape{}, LoadOptions{},
			[]string{"styles.csv:3: image text.png: ", "text.png: not an image"}},
		{"larger than max_pixels", good + "huge.png,major_color_blue\n", nil, ImageShape{}, LoadOptions{},
			[]string{"styles.csv:3: image huge.png: ", "huge.png: 50000×50000 PNG image (2500.0 megapixels), larger than max_pixels = 100000000"}},
		{"group without labels", good, []GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}, {Name: "wearing_hat"}}, ImageShape{}, LoadOptions{},
			[]string{`styles.csv: no image has a label in group "wearing_hat" (selected by "wearing_hat_")`}},
		{"declared values never seen", good, []GroupSpec{{Name: "clothing_category"}, {Name: "major_color", Values: []string{"purple"}}}, ImageShape{}, LoadOptions{},
			[]string{`styles.csv: no image has a label in group "major_color"`, `among its declared values ["purple"]`}},
		{"every line skipped", "a.png,major_color_red major_color_blue\n", nil, ImageShape{}, LoadOptions{}, []string{"styles.csv: no images left"}},
		{"only a header", "image,label\n", nil, ImageShape{}, LoadOptions{}, []string{"styles.csv: no images left"}},
		{"no groups", good, []GroupSpec{}, ImageShape{}, LoadOptions{}, []string{"styles.csv: no attribute groups declared"}},
		{"group without name", good, []GroupSpec{{Prefix: "x_"}}, ImageShape{}, LoadOptions{}, []string{"styles.csv: attribute group 1 has no name"}},
		{"group twice", good, []GroupSpec{{Name: "a"}, {Name: "a"}}, ImageShape{}, LoadOptions{}, []string{`styles.csv: attribute group "a" is declared twice`}},
		{"prefix twice", good, []GroupSpec{{Name: "a", Prefix: "x_"}, {Name: "b", Prefix: "x_"}}, ImageShape{}, LoadOptions{},
			[]string{`styles.csv: attribute groups "a" and "b" both select "x_"`}},
		{"value twice", good, []GroupSpec{{Name: "a", Values: []string{"p", "p"}}}, ImageShape{}, LoadOptions{}, []string{`attribute group "a" lists value "p" twice`}},
		{"four channels", good, nil, ImageShape{4, 2, 2}, LoadOptions{}, []string{"styles.csv: image shape 4×2×2: channels must be 1 (grey) or 3 (RGB)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "styles.csv")
			writeFile(t, path, []byte(tt.content))
			g, shape := tt.groups, tt.shape
			if g == nil {
				g = groups
			}
			if shape == (ImageShape{}) {
				shape = ImageShape{3, 2, 2}
			}
			opts := tt.opts
			opts.Workers = 2
			_, _, err := ReadSeedCSV(path, dir, g, shape, opts)
			if err == nil {
				t.Fatalf("no error, want one saying %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
	if _, _, err := ReadSeedCSV(filepath.Join(dir, "none.csv"), dir, groups, ImageShape{1, 1, 1}, LoadOptions{Workers: 1}); err == nil ||
		!strings.Contains(err.Error(), "none.csv") {
		t.Errorf("missing CSV: error %v, want one naming none.csv", err)
	}
}

func TestReadSeedCSVSkips(t *testing.T) {
	dir := seedDir(t)
	path := filepath.Join(t.TempDir(), "styles.csv")
	// Skipped lines are never decoded, so their images need not exist.
	writeFile(t, path, []byte("a.png,color_red size_s\n"+
		"gone.png,color_red color_blue size_s size_m size_l\n"+
		"b.jpg,color_blue\n"+
		"gone.png,color_red color_blue color_red\n"+
		"a.png,color_red\n"))
	a, r, err := ReadSeedCSV(path, dir, []GroupSpec{{Name: "color"}, {Name: "size"}}, ImageShape{1, 1, 1}, LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []Skip{
		{2, "gone.png", "2 labels in group color: red, blue; 3 labels in group size: s, m, l"},
		{4, "gone.png", "2 labels in group color: red, blue"},
		{5, "a.png", "image already listed on line 1"},
	}
	if !slices.Equal(r.Skipped, want) || r.Lines != 5 || r.Kept != 2 || !slices.Equal(a.Files, []string{"a.png", "b.jpg"}) {
		t.Errorf("report %+v, files %q; want skips %+v", r, a.Files, want)
	}
}

// skipLines returns the line numbers of skips.
func skipLines(skips []Skip) []int {
	lines := make([]int, len(skips))
	for i, s := range skips {
		lines[i] = s.Line
	}
	return lines
}

// dirtyBadLines are the bad lines of the dirty.csv fixture with the declared groups attrGroups.
func dirtyBadLines() []Skip {
	img := func(name string) string { return filepath.Join(attrImages, name) }
	return []Skip{
		{3, "blue.jpg", "no comma between image and labels, want `image,label label ...`"},
		{4, "grey.png", "3 fields, want 2: `image,label label ...`"},
		{5, "", "empty image field"},
		{7, "blue.jpg", `label "major_color_" has no value after the prefix of group major_color`},
		{8, "nothere.png", "image nothere.png: " + img("nothere.png") + ": missing image file"},
		{9, "corrupt.png", "image corrupt.png: " + img("corrupt.png") + ": not an image (47 bytes; JPEG and PNG are read)"},
		{14, "truncated.png", "image truncated.png: " + img("truncated.png") + ": truncated or corrupt PNG image: png: invalid format: not enough pixel data"},
	}
}

func TestReadSeedCSVBadLines(t *testing.T) {
	shape := ImageShape{3, 3, 4}
	want := dirtyBadLines()

	// By default one read finds every bad line, the images that fail to decode included.
	for _, workers := range []int{1, 3} {
		a, r, err := ReadSeedCSV(attrDirty, attrImages, attrGroups, shape, LoadOptions{Workers: workers})
		bl, ok := errors.AsType[*BadLinesError](err)
		if !ok || a != nil || r != nil {
			t.Fatalf("%d workers: error %v, set %v, report %v; want a *BadLinesError alone", workers, err, a, r)
		}
		if got := skipLines(bl.Lines); !slices.Equal(got, []int{3, 4, 5, 7, 8, 9, 14}) {
			t.Errorf("bad lines %v, want 3, 4, 5, 7, 8, 9, 14", got)
		}
		if bl.Source != attrDirty || !slices.Equal(bl.Lines, want) {
			t.Errorf("error of %s lists\n%+v\nwant\n%+v", bl.Source, bl.Lines, want)
		}
		for _, s := range want {
			if line := fmt.Sprintf("\n  %s:%d: %s", attrDirty, s.Line, s.Reason); !strings.Contains(err.Error(), line) {
				t.Errorf("error message lacks %q:\n%s", line, err)
			}
		}
	}

	// Skipping loads the rest: the bad lines join the non-error skips in line order, and the images
	// that fail are not in the set (nor are their values: no "purple").
	a, r, err := ReadSeedCSV(attrDirty, attrImages, attrGroups, shape, LoadOptions{Workers: 3, SkipBadLines: true})
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped := slices.Concat(want[:5], want[5:6], []Skip{
		{10, "grey.png", "2 labels in group major_color: red, gray"},
		{11, "red.png", "image already listed on line 2"},
	}, want[6:])
	wantReport := &LoadReport{Source: attrDirty, Lines: 13, Kept: 4, Skipped: wantSkipped, Ignored: []IgnoredLabels{
		{"clothing_categroy_", 1}, {"colour_", 4}, {"hat", 1}, {"sleevelength_", 1},
	}}
	if !reflect.DeepEqual(r, wantReport) {
		t.Errorf("report\n%+v\nwant\n%+v", r, wantReport)
	}
	// blue.jpg of line 12 and grey.png of line 13 are kept: the bad line 7 and the skipped line 10 did not list them.
	if want := []string{"red.png", "split.png", "blue.jpg", "grey.png"}; !slices.Equal(a.Files, want) {
		t.Errorf("files %q, want %q", a.Files, want)
	}
	checkGroups(t, a, []Group{
		{"clothing_category", []string{"dress", "shirt", "t-shirt"}, []int{2, 1, 0, Unlabelled}},
		{"major_color", []string{"blue", "more_than_1_color", "red"}, []int{2, 1, 0, Unlabelled}},
		{"wearing_hat", []string{"no", "yes"}, []int{0, Unlabelled, 0, 1}},
	})
	checkLoaded(t, a, r, shape.Size())
	checkPixels(t, a, attrImages, make([]image.Rectangle, 4))

	// StrictLabels makes every line with an undeclared label bad (and the later red.png of line 11 its
	// first listing), reasons naming every such label of the line.
	_, _, err = ReadSeedCSV(attrDirty, attrImages, attrGroups, shape, LoadOptions{Workers: 2, StrictLabels: true})
	bl, ok := errors.AsType[*BadLinesError](err)
	if !ok {
		t.Fatalf("strict: error %v, want a *BadLinesError", err)
	}
	if got := skipLines(bl.Lines); !slices.Equal(got, []int{2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14}) {
		t.Errorf("strict: bad lines %v, want 2-9, 12-14", got)
	}
	const declared = `; declared prefixes: "clothing_category_", "major_color_", "wearing_hat_" (declare every group the file uses)`
	for _, s := range []Skip{
		{2, "red.png", `label "colour_red" matches no declared group` + declared},
		{7, "blue.jpg", `label "colour_blue" matches no declared group` + declared + `; label "major_color_" has no value after the prefix of group major_color`},
		{9, "corrupt.png", `label "colour_blue" matches no declared group` + declared},
		{13, "grey.png", `labels "sleevelength_long", "hat" match no declared group` + declared},
	} {
		if !slices.Contains(bl.Lines, s) {
			t.Errorf("strict: bad lines lack %+v:\n%+v", s, bl.Lines)
		}
	}
	// Skipping them leaves red.png of line 11 alone, without a clothing category: a plain error.
	_, _, err = ReadSeedCSV(attrDirty, attrImages, attrGroups, shape, LoadOptions{SkipBadLines: true, StrictLabels: true})
	if _, isBad := errors.AsType[*BadLinesError](err); err == nil || isBad ||
		!strings.Contains(err.Error(), `dirty.csv: no image has a label in group "clothing_category"`) {
		t.Errorf("strict, skipping: error %v, want no labelled clothing category", err)
	}
	a, r, err = ReadSeedCSV(attrDirty, attrImages, []GroupSpec{{Name: "major_color"}}, shape, LoadOptions{SkipBadLines: true, StrictLabels: true})
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
	writeFile(t, path, []byte(b.String()))
	_, _, err := ReadSeedCSV(path, dir, []GroupSpec{{Name: "c"}}, ImageShape{1, 1, 1}, LoadOptions{})
	bl, ok := errors.AsType[*BadLinesError](err)
	if !ok || len(bl.Lines) != 25 {
		t.Fatalf("error %v, want a *BadLinesError of 25 lines", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, path+": 25 bad lines (the first 20 below); ") || !strings.Contains(msg, path+":20: 3 fields") ||
		strings.Contains(msg, path+":21:") || strings.Count(msg, "\n") != BadLinesShown {
		t.Errorf("message:\n%s", msg)
	}
}
