package miniimagenet

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/internal/imagetest"
	"github.com/relnet/relnet/datasets/replica"
)

var shape = datasets.ImageShape{Channels: 3, Height: 4, Width: 4}

// writeReplica writes the replica with perClass images per class into a new folder.
func writeReplica(t testing.TB, perClass int) string {
	return imagetest.Replica(t, replica.MiniImageNet, perClass)
}

// TestReadMiniImageNetReplica loads the replica (train.csv with a byte-order mark and CRLF
// line ends): every image once, in file order, its class its label, and the split files'
// classes as Split gives them.
func TestReadMiniImageNetReplica(t *testing.T) {
	root := writeReplica(t, 2)
	a, r, err := Read(root, datasets.GroupSpec{}, shape, datasets.LoadOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	imagetest.CheckLoaded(t, a, r, shape.Size())
	if a.Len() != 16 || r.Lines != 16 || len(r.Skipped) != 0 {
		t.Fatalf("%d images of %d lines, skipped %+v; want 16", a.Len(), r.Lines, r.Skipped)
	}
	if a.Files[0] != "images/n0153282900000001.jpg" || a.Files[15] != "images/n0209960100000002.jpg" {
		t.Errorf("files %v", a.Files)
	}
	g := a.Groups[0]
	all := slices.Sorted(slices.Values(slices.Concat(replica.MiniImageNetClasses[:]...)))
	if g.Name != "class" || !slices.Equal(g.Values, all) {
		t.Errorf("group %s, classes %v, want %v", g.Name, g.Values, all)
	}
	if g.Values[g.Labels[0]] != "n01532829" || g.Values[g.Labels[15]] != "n02099601" {
		t.Errorf("labels %v", g.Labels)
	}
	split, err := Split(root)
	if err != nil || !reflect.DeepEqual(split, replica.MiniImageNetClasses) {
		t.Errorf("Split = %v, %v; want %v", split, err, replica.MiniImageNetClasses)
	}
}

// TestReadMiniImageNetBadLines finds every bad line of the three files in one read, each
// named by its file and line, and skips them on request; an image listed twice is skipped.
func TestReadMiniImageNetBadLines(t *testing.T) {
	root := writeReplica(t, 2)
	imagetest.WriteFile(t, filepath.Join(root, "val.csv"), []byte("filename,label\n"+
		"n0185567200000001.jpg,n01855672\n"+
		"n0185567200000002.jpg\n"+ // line 3: one field
		"notes.txt,n01855672\n"+ // line 4: not an image
		"n0185567200000001.jpg,n01855672\n"+ // line 5: listed twice
		"missing.jpg,n02091244\n"+ // line 6: no such image
		"n0209124400000001.jpg,n02091244\n"))
	_, _, err := Read(root, datasets.GroupSpec{}, shape, datasets.LoadOptions{})
	want := []string{"val.csv:3: 1 fields, want 2: `filename,label`", `val.csv:4: "notes.txt" is not an image file name (.jpg, .jpeg or .png)`,
		"images/missing.jpg: image images/missing.jpg: " + filepath.Join(root, "images/missing.jpg") + ": missing image file"}
	if got := imagetest.BadLines(t, err, root+"/"); !slices.Equal(got, want) {
		t.Errorf("bad lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	a, r, err := Read(root, datasets.GroupSpec{}, shape, datasets.LoadOptions{SkipBadLines: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 14 || len(r.Skipped) != 4 || r.Skipped[0].Reason != "image already listed on val.csv:2" {
		t.Errorf("%d images, skipped %+v", a.Len(), r.Skipped)
	}
}

// TestReadMiniImageNetErrors: a missing split file, a class in two split files and a CSV
// syntax error are errors naming the file (and line); a missing val.csv leaves no
// validation classes.
func TestReadMiniImageNetErrors(t *testing.T) {
	root := writeReplica(t, 1)
	if err := os.Remove(filepath.Join(root, "val.csv")); err != nil {
		t.Fatal(err)
	}
	split, err := Split(root)
	if err != nil || split[1] != nil || len(split[0]) != 3 {
		t.Errorf("without val.csv: %v, %v", split, err)
	}
	imagetest.WriteFile(t, filepath.Join(root, "test.csv"), []byte("filename,label\nn0153282900000001.jpg,n01532829\n"))
	_, err = Split(root)
	imagetest.CheckErrorSays(t, err, []string{filepath.Join(root, "test.csv:2"), `class "n01532829" is in train.csv (first on train.csv:2)`})
	imagetest.WriteFile(t, filepath.Join(root, "test.csv"), []byte("filename,label\n\"x.jpg,n1\n"))
	_, _, err = Read(root, datasets.GroupSpec{}, shape, datasets.LoadOptions{})
	imagetest.CheckErrorSays(t, err, []string{filepath.Join(root, "test.csv") + ":2"})
	if err := os.Remove(filepath.Join(root, "train.csv")); err != nil {
		t.Fatal(err)
	}
	_, _, err = Read(root, datasets.GroupSpec{}, shape, datasets.LoadOptions{})
	imagetest.CheckErrorSays(t, err, []string{root, "no train.csv"})
}

// FuzzReadMiniImageNet: any train.csv beside the replica's other files either loads into a
// consistent set or is an error naming the root; skipping bad lines never fails with bad
// lines. It never panics.
func FuzzReadMiniImageNet(f *testing.F) {
	f.Add("filename,label\nn0153282900000001.jpg,n01532829\n")
	f.Add("\ufefffilename,label\r\nn0153282900000001.jpg,n01532829\r\nx.png\r\n")
	f.Add("n0185567200000001.jpg,n01532829\nn0153282900000001.jpg,n01532829\n\"a,b\n")
	f.Add("n0153282900000001.jpg,n01532829\nn0153282900000001.jpg,n01532829\n,\na.txt,b\n")
	f.Fuzz(func(t *testing.T, text string) {
		root := writeReplica(t, 1)
		imagetest.WriteFile(t, filepath.Join(root, "train.csv"), []byte(text))
		imagetest.CheckEitherMode(t, root, func(opts datasets.LoadOptions) (*datasets.Attributes, error) {
			a, _, err := Read(root, datasets.GroupSpec{}, shape, opts)
			return a, err
		})
	})
}
