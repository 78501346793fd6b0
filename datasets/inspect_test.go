package datasets_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/internal/imagetest"
	"github.com/relnet/relnet/datasets/seedcsv"
)

func TestCooccurrence(t *testing.T) {
	a, _, err := seedcsv.Read(imagetest.AttrCSV, imagetest.AttrImages, imagetest.AttrGroups, datasets.ImageShape{1, 1, 1}, datasets.LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Rows dress, shirt, t-shirt; columns blue, gray, more_than_1_color, red. grey.png has no category.
	want := [][]int{{1, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}
	if got := a.Cooccurrence(0, 1); !reflect.DeepEqual(got, want) {
		t.Errorf("Cooccurrence(category, color) = %v, want %v", got, want)
	}
	// Transposed order gives the transposed table; a group with itself gives its counts on the diagonal.
	if got := a.Cooccurrence(1, 0); !reflect.DeepEqual(got, [][]int{{1, 0, 0}, {0, 0, 0}, {0, 1, 0}, {0, 0, 1}}) {
		t.Errorf("Cooccurrence(color, category) = %v", got)
	}
	if got := a.Cooccurrence(2, 2); !reflect.DeepEqual(got, [][]int{{2, 0}, {0, 2}}) {
		t.Errorf("Cooccurrence(hat, hat) = %v", got)
	}
}

func TestWriteInspection(t *testing.T) {
	a, r, err := seedcsv.Read(imagetest.AttrCSV, imagetest.AttrImages, imagetest.AttrGroups, datasets.ImageShape{3, 4, 4}, datasets.LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := datasets.WriteInspection(&b, a, r, nil, "clothing_category", "major_color"); err != nil {
		t.Fatal(err)
	}
	if *update {
		imagetest.WriteFile(t, attrGolden, b.Bytes())
	}
	want, err := os.ReadFile(attrGolden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("inspection differs from %s (go test -update rewrites it):\n%s\nwant:\n%s", attrGolden, b.String(), want)
	}

	// Without group names there is no co-occurrence table; without a report, no line counts.
	b.Reset()
	if err := datasets.WriteInspection(&b, a, nil, nil, "", ""); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"co-occurrence", "skipped", "data lines"} {
		if strings.Contains(b.String(), absent) {
			t.Errorf("report without groups or LoadReport mentions %q:\n%s", absent, b.String())
		}
	}
	if !strings.Contains(b.String(), "group wearing_hat: 2 values, 4 images labelled, 0 unlabelled") {
		t.Errorf("report lacks the wearing_hat summary:\n%s", b.String())
	}
}

// TestWriteInspectionListsEverySkip checks that no skipped line goes unlisted, and that a
// line-less skip (an image of a folder) is named by its image.
func TestWriteInspectionListsEverySkip(t *testing.T) {
	a := &datasets.Attributes{Name: "x.csv", Channels: 1, Height: 1, Width: 1, Pixels: []float32{0}, Files: []string{"a.png"},
		Groups: []datasets.Group{{Name: "c", Values: []string{"v"}, Labels: []int{0}}}}
	r := &datasets.LoadReport{Source: "x.csv", Lines: 13, Kept: 1}
	for i := range 12 {
		r.Skipped = append(r.Skipped, datasets.Skip{Line: i + 2, Image: fmt.Sprintf("s%d.png", i), Reason: "why"})
	}
	r.Skipped = append(r.Skipped, datasets.Skip{Image: "dress/broken.png", Reason: "bad png"})
	var b bytes.Buffer
	if err := datasets.WriteInspection(&b, a, r, nil, "", ""); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"skipped lines: 13\n", "  line 11: s9.png: why\n", "  line 13: s11.png: why\n", "  dress/broken.png: bad png\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteInspectionErrors(t *testing.T) {
	a, r, err := seedcsv.Read(imagetest.AttrCSV, imagetest.AttrImages, imagetest.AttrGroups, datasets.ImageShape{1, 1, 1}, datasets.LoadOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		g1, g2  string
		w       interface{ Write([]byte) (int, error) }
		wantErr string
	}{
		{"clothing_category", "", &bytes.Buffer{}, `styles.csv: a co-occurrence table needs two groups, got "clothing_category" and ""`},
		{"", "major_color", &bytes.Buffer{}, "needs two groups"},
		{"clothing_category", "colour", &bytes.Buffer{}, `styles.csv: no attribute group "colour"`},
		{"", "", failingWriter{}, "disk full"},
	}
	for _, tt := range tests {
		err := datasets.WriteInspection(tt.w, a, r, nil, tt.g1, tt.g2)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("WriteInspection(%q, %q): error %v, want one saying %q", tt.g1, tt.g2, err, tt.wantErr)
		}
	}
}

func TestWriteInspectionIgnoredLabelsAndBadLines(t *testing.T) {
	a, r, err := seedcsv.Read(imagetest.AttrDirty, imagetest.AttrImages, imagetest.AttrGroups, datasets.ImageShape{1, 1, 1}, datasets.LoadOptions{SkipBadLines: true})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := datasets.WriteInspection(&b, a, r, nil, "", ""); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"dirty.csv: 4 images of 1×1×1\n13 data lines, 4 images kept, 9 lines skipped\n" +
			"ignored labels: clothing_categroy_ on 1 line, colour_ on 4 lines, hat on 1 line, sleevelength_ on 1 line\n",
		"\nskipped lines: 9\n  line 3: blue.jpg: no comma between image and labels",
		"  line 5: : empty image field\n",
		"  line 8: nothere.png: image nothere.png: " + filepath.Join(imagetest.AttrImages, "nothere.png") + ": missing image file\n",
		"  line 10: grey.png: 2 labels in group major_color: red, gray\n",
		"  line 14: truncated.png: image truncated.png: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// Nothing ignored, no line about it.
	if a, r, err = seedcsv.Read(imagetest.AttrCSV, imagetest.AttrImages, imagetest.AttrGroups, datasets.ImageShape{1, 1, 1}, datasets.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := datasets.WriteInspection(&b, a, r, nil, "", ""); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "ignored") {
		t.Errorf("report of a file without undeclared labels mentions them:\n%s", b.String())
	}
}
