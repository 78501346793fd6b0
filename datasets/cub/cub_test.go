package cub

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/internal/imagetest"
	"github.com/relnet/relnet/datasets/replica"
)

var (
	shape  = datasets.ImageShape{Channels: 3, Height: 4, Width: 4}
	groups = []datasets.GroupSpec{{Name: Species}, {Name: "has_bill_shape"}, {Name: "has_wing_color"}}
)

// writeReplica writes the replica with perClass images per species into a new folder.
func writeReplica(t testing.TB, perClass int) string {
	return imagetest.Replica(t, replica.CUB, perClass)
}

// TestReadCUBReplica loads the replica with the species and two attribute groups: an image is
// labelled in a group where exactly one value is present with certainty ≥ 2 (the replica's
// certainty-1 lines ignored, its images with two bill shapes unlabelled), and each image is
// cropped to its box grown by the margin, or whole without one.
func TestReadCUBReplica(t *testing.T) {
	root := writeReplica(t, 3)
	a, r, err := Read(root, groups, Options{Crop: true, Margin: 0.1, Certainty: 2}, shape, datasets.LoadOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	imagetest.CheckLabels(t, a)
	if a.Len() != 24 || r.Lines != 24 || len(r.Skipped) != 0 {
		t.Fatalf("%d images of %d lines, skipped %+v", a.Len(), r.Lines, r.Skipped)
	}
	if a.Files[0] != "images/001.Black_footed_Albatross/Black_footed_Albatross_0001_101.jpg" {
		t.Errorf("first file %s", a.Files[0])
	}
	if !slices.Equal(a.Groups[0].Values, replica.CUBSpecies) || !slices.Equal(a.Groups[1].Values, []string{"cone", "dagger", "hooked"}) {
		t.Errorf("species %v, bill shapes %v", a.Groups[0].Values, a.Groups[1].Values)
	}
	names := [2][]string{{"dagger", "hooked", "cone"}, {"blue", "brown", "white"}}
	for i := range a.Len() {
		k, j := i/3, i%3
		if got := a.Groups[0].Values[a.Groups[0].Labels[i]]; got != replica.CUBSpecies[k] {
			t.Errorf("image %d: species %s", i, got)
		}
		for g := range 2 {
			want := names[g][replica.CUBValue(k, j, g)]
			if g == 0 && j == 0 {
				want = "(unlabelled)"
			}
			got := "(unlabelled)"
			if l := a.Groups[g+1].Labels[i]; l != datasets.Unlabelled {
				got = a.Groups[g+1].Values[l]
			}
			if got != want {
				t.Errorf("image %d, group %s: %s, want %s", i, a.Groups[g+1].Name, got, want)
			}
		}
	}
	dir := filepath.Join(root, Dir)
	imagetest.CheckPixels(t, a, dir, slices.Repeat([]image.Rectangle{image.Rect(1, 0, 13, 11), image.Rect(0, 0, 15, 11), {}}, 8))
	_, _, err = Read(root, groups, Options{Certainty: 1}, shape, datasets.LoadOptions{})
	imagetest.CheckErrorSays(t, err, []string{dir, `no image has a label in group "has_bill_shape"`})
}

// TestReadCUBBadLines finds the bad lines of every file in one read, each named by its file
// and line, and loads the rest on request.
func TestReadCUBBadLines(t *testing.T) {
	root := writeReplica(t, 3)
	dir := filepath.Join(root, Dir)
	appendTo := func(name, text string) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(text); err != nil {
			t.Fatal(err)
		}
	}
	appendTo("images.txt", "25 notes.txt\n26 009.Missing/missing.jpg\n")
	appendTo("bounding_boxes.txt", "3 a 1 2 3\n4 1 1 0 3\n")
	appendTo(LabelsFile, "1 2 7 3 0.0\n")
	_, _, err := Read(root, groups, Options{Crop: true, Certainty: 2}, shape, datasets.LoadOptions{})
	where := imagetest.BadLines(t, err, dir+"/")
	want := []string{`images.txt:25: "notes.txt" is not an image file name (.jpg, .jpeg or .png)`,
		`bounding_boxes.txt:17: x = "a" is not a pixel coordinate`, "bounding_boxes.txt:18: empty box: width 0, height 3",
		"attributes/image_attribute_labels.txt:169: is_present 7, want 0 or 1",
		"images.txt:26: image 009.Missing/missing.jpg has no class in image_class_labels.txt"}
	if !slices.Equal(where, want) {
		t.Errorf("bad lines\n%s\nwant\n%s", strings.Join(where, "\n"), strings.Join(want, "\n"))
	}
	a, r, err := Read(root, groups, Options{Crop: true, Certainty: 2}, shape, datasets.LoadOptions{SkipBadLines: true})
	if err != nil || a.Len() != 24 || len(r.Skipped) != 5 {
		t.Errorf("skipping: %v, %d images, skipped %+v", err, a.Len(), r.Skipped)
	}
}

// TestReadCUBErrors: an attribute group CUB does not have, and a missing file, are errors naming
// what is wrong.
func TestReadCUBErrors(t *testing.T) {
	root := writeReplica(t, 1)
	_, _, err := Read(root, []datasets.GroupSpec{{Name: Species}, {Name: "has_bil_shape"}}, Options{}, shape, datasets.LoadOptions{})
	imagetest.CheckErrorSays(t, err, []string{`no attribute group "has_bil_shape"`, "has_bill_shape, has_wing_color, has_eye_color"})
	if err := os.Remove(filepath.Join(root, "attributes.txt")); err != nil {
		t.Fatal(err)
	}
	_, _, err = Read(root, groups, Options{}, shape, datasets.LoadOptions{})
	imagetest.CheckErrorSays(t, err, []string{"attributes.txt: missing"})
	a, _, err := Read(filepath.Join(root, Dir), groups[:1], Options{}, shape, datasets.LoadOptions{})
	if err != nil || a.Len() != 8 {
		t.Errorf("the species alone need no attributes.txt: %v", err)
	}
}

// FuzzReadCUB: any bounding_boxes.txt and images.txt beside the replica's other files either
// load into a consistent set or are an error naming the folder; skipping bad lines never
// fails with bad lines. It never panics.
func FuzzReadCUB(f *testing.F) {
	f.Add("1 2.0 1.0 10.0 9.0\n", "1 001.Black_footed_Albatross/Black_footed_Albatross_0001_101.jpg\n")
	f.Add("1 -5 -5 1e9 3\n2 x\n\n", "\ufeff1 a.jpg\n1 b.jpg\n")
	f.Add("1 2 1 0 0\n9 1 1 1 1\n", "x y z\n2 001.Black_footed_Albatross/Black_footed_Albatross_0001_101.jpg\n")
	root := writeReplica(f, 1)
	f.Fuzz(func(t *testing.T, boxes, images string) {
		dir := filepath.Join(root, Dir)
		imagetest.WriteFile(t, filepath.Join(dir, "bounding_boxes.txt"), []byte(boxes))
		imagetest.WriteFile(t, filepath.Join(dir, "images.txt"), []byte(images))
		imagetest.CheckEitherMode(t, dir, func(opts datasets.LoadOptions) (*datasets.Attributes, error) {
			a, _, err := Read(root, groups[:2], Options{Crop: true, Margin: 0.2, Certainty: 2}, shape, opts)
			return a, err
		})
	})
}
