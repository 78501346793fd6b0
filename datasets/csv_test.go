package datasets

import (
	"image"
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
	a, r, err := ReadSeedCSV(attrCSV, attrImages, attrGroups, shape, 2)
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

func TestReadSeedCSVValues(t *testing.T) {
	groups := []GroupSpec{
		{Name: "clothing_category", Values: []string{"t-shirt", "dress"}},
		{Name: "major_color", Values: []string{"red", "purple"}},
		{Name: "hat", Prefix: "wearing_hat_"},
	}
	a, _, err := ReadSeedCSV(attrCSV, attrImages, groups, ImageShape{1, 2, 2}, 1)
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
			a, r, err := ReadSeedCSV(path, dir, groups, ImageShape{3, 2, 2}, 1)
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
	groups := []GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}}
	good := "image,label\na.png,clothing_category_dress major_color_red\n"
	tests := []struct {
		name    string
		content string
		groups  []GroupSpec
		shape   ImageShape
		wantErr []string
	}{
		{"no comma", good + "b.jpg\n", nil, ImageShape{}, []string{"styles.csv:3: no comma between image and labels"}},
		{"three fields", "a.png,major_color_red,x\n", nil, ImageShape{}, []string{"styles.csv:1: 3 fields, want 2"}},
		{"empty image field", good + " ,major_color_red\n", nil, ImageShape{}, []string{"styles.csv:3: empty image field"}},
		{"unknown prefix", good + "b.jpg,colour_red\n", nil, ImageShape{},
			[]string{`styles.csv:3: label "colour_red" matches no declared group; declared prefixes: "clothing_category_", "major_color_"`}},
		{"empty value", good + "b.jpg,major_color_\n", nil, ImageShape{},
			[]string{`styles.csv:3: label "major_color_" has no value after the prefix of group major_color`}},
		{"unbalanced quote", good + "b.jpg,\"major_color_red\n", nil, ImageShape{}, []string{"styles.csv:3: ", "quote"}},
		{"missing image", good + "b.jpg,major_color_red\nnothere.png,major_color_red\n", nil, ImageShape{},
			[]string{"styles.csv:4: image nothere.png: ", filepath.Join(dir, "nothere.png") + ": missing image file"}},
		{"truncated JPEG", good + "truncated.jpg,major_color_blue\n", nil, ImageShape{},
			[]string{"styles.csv:3: image truncated.jpg: ", "truncated.jpg: truncated or corrupt JPEG image"}},
		{"not an image", good + "text.png,major_color_blue\n", nil, ImageShape{},
			[]string{"styles.csv:3: image text.png: ", "text.png: not an image"}},
		{"group without labels", good, []GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}, {Name: "wearing_hat"}}, ImageShape{},
			[]string{`styles.csv: no image has a label in group "wearing_hat" (selected by "wearing_hat_")`}},
		{"declared values never seen", good, []GroupSpec{{Name: "clothing_category"}, {Name: "major_color", Values: []string{"purple"}}}, ImageShape{},
			[]string{`styles.csv: no image has a label in group "major_color"`, `among its declared values ["purple"]`}},
		{"every line skipped", "a.png,major_color_red major_color_blue\n", nil, ImageShape{}, []string{"styles.csv: no images left"}},
		{"only a header", "image,label\n", nil, ImageShape{}, []string{"styles.csv: no images left"}},
		{"no groups", good, []GroupSpec{}, ImageShape{}, []string{"styles.csv: no attribute groups declared"}},
		{"group without name", good, []GroupSpec{{Prefix: "x_"}}, ImageShape{}, []string{"styles.csv: attribute group 1 has no name"}},
		{"group twice", good, []GroupSpec{{Name: "a"}, {Name: "a"}}, ImageShape{}, []string{`styles.csv: attribute group "a" is declared twice`}},
		{"prefix twice", good, []GroupSpec{{Name: "a", Prefix: "x_"}, {Name: "b", Prefix: "x_"}}, ImageShape{},
			[]string{`styles.csv: attribute groups "a" and "b" both select "x_"`}},
		{"value twice", good, []GroupSpec{{Name: "a", Values: []string{"p", "p"}}}, ImageShape{}, []string{`attribute group "a" lists value "p" twice`}},
		{"four channels", good, nil, ImageShape{4, 2, 2}, []string{"styles.csv: image shape 4×2×2: channels must be 1 (grey) or 3 (RGB)"}},
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
			_, _, err := ReadSeedCSV(path, dir, g, shape, 2)
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
	if _, _, err := ReadSeedCSV(filepath.Join(dir, "none.csv"), dir, groups, ImageShape{1, 1, 1}, 1); err == nil ||
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
	a, r, err := ReadSeedCSV(path, dir, []GroupSpec{{Name: "color"}, {Name: "size"}}, ImageShape{1, 1, 1}, 1)
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
