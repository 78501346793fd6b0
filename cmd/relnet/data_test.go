package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets/replica"
)

// TestImageBombIsRefusedUnread: an image folder holding one PNG whose 3 MB decode to
// 50000×50000 pixels (2.5 GB). Strict loading fails naming it and its size, skip mode loads
// the rest and lists it; either way it is refused by its header, and `relnet data inspect`
// stays under 1 GB of peak RSS. (predict's side is in TestTrainPredictExport.)
func TestImageBombIsRefusedUnread(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "images")
	for _, class := range []string{"dress", "shirt"} {
		for i := range 3 {
			writeTinyPNG(t, filepath.Join(root, class, fmt.Sprintf("%d.png", i)), uint8(40*i))
		}
	}
	bomb := filepath.Join(root, "shirt", "bomb.png")
	writePNGBomb(t, bomb, 50000)
	config := func(badLines string) string {
		return writeFile(t, filepath.Join(dir, badLines+".toml"), fmt.Sprintf(`[experiment]
results = %q
[dataset]
source = "folder"
path = %q
channels = 1
height = 8
width = 8
bad_lines = %q
`, filepath.Join(dir, "results-"+badLines), root, badLines))
	}
	size := "50000×50000 PNG image (2500.0 megapixels), larger than max_pixels = 100000000"
	for _, mode := range []string{"error", "skip"} {
		r := execute(t, nil, relnetBin, "data", "inspect", config(mode))
		t.Logf("bad_lines = %q: exit %d, peak RSS %.0f MB", mode, r.code, r.peakMB)
		if r.peakMB > 1024 {
			t.Errorf("bad_lines = %q: peak RSS %.0f MB, want under 1 GB", mode, r.peakMB)
		}
		switch {
		case mode == "error" && (r.code == 0 || !strings.Contains(r.stderr, "1 bad line") || !strings.Contains(r.stderr, bomb+": "+size)):
			t.Errorf("strict loading: exit %d, want a failure naming %s and its size:\n%s", r.code, bomb, r.stderr)
		case mode == "skip" && (r.code != 0 || !strings.Contains(r.stdout, "shirt/bomb.png") || !strings.Contains(r.stdout, size) || !strings.Contains(r.stdout, "6 images")):
			t.Errorf("skip mode: exit %d, want the 6 small images loaded and bomb.png listed with its size:\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
}

// writeTinyPNG writes a 4×4 grey PNG of one level to path, making its directory.
func writeTinyPNG(t *testing.T, path string, level uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = level
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b.String())
}

// TestDataInspectShowsTheClassSplit: `relnet data inspect` on the miniImageNet, Omniglot and
// CUB replicas and on Fashion-MNIST's class split prints each class's role beside its image count
// and the counts per role.
func TestDataInspectShowsTheClassSplit(t *testing.T) {
	dir := t.TempDir()
	if err := replica.MiniImageNet(filepath.Join(dir, "miniimagenet"), 3); err != nil {
		t.Fatal(err)
	}
	if err := replica.Omniglot(filepath.Join(dir, "omniglot"), 2, 3); err != nil {
		t.Fatal(err)
	}
	if err := replica.CUB(dir, 6); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		source string
		want   []string
	}{
		{"miniimagenet", []string{"24 images of 3×6×6", "class split: train 3 classes, 9 images; val 2 classes, 6 images; test 3 classes, 9 images",
			"n01532829 3 train", "n01855672 3 val", "n01930112 3 test"}},
		{"omniglot", []string{"class split: train 4 classes, 12 images; val 0 classes (validation on held-out images of the training classes); test 4 classes, 12 images",
			"Greek/character02 3 train", "Atlantean/character01 3 test"}},
		{"fashion-mnist", []string{"70000 images of 1×28×28", "class split: train 5 classes, 35000 images; val 1 classes, 7000 images; test 4 classes, 28000 images",
			"Trouser 7000 train", "Sandal 7000 val", "Ankle boot 7000 test"}},
		{"cub", []string{"group species: 8 values, 48 images labelled", "class split: train 4 classes, 24 images; val 2 classes, 12 images; test 2 classes, 12 images",
			"002.Laysan_Albatross 6 val", "004.Groove_billed_Ani 6 test", "group has_bill_shape: 3 values, 40 images labelled, 8 unlabelled",
			"class split: follows the other groups' (every value in every role); its labelled images: train 20, val 10, test 10"}},
	} {
		text := fmt.Sprintf("[experiment]\nresults = %q\n[dataset]\nsource = %q\npath = %q\nheight = 6\nwidth = 6\n", filepath.Join(dir, "results"), tc.source, tc.source)
		if tc.source == "cub" {
			text += "path = \"CUB_200_2011\"\nsplit = \"class\"\nclass_split = \"closer-look\"\nattributes = [\"has_bill_shape\"]\n[[dataset.groups]]\nname = \"species\"\n"
			text = strings.Replace(text, "path = \"cub\"\n", "", 1)
		}
		if tc.source == "fashion-mnist" {
			text = "[dataset]\nsplit = \"class\"\ntrain_classes = [0, 1, 2, 3, 4]\nval_classes = [\"Sandal\"]\n"
		}
		config := writeFile(t, filepath.Join(dir, tc.source+".toml"), text)
		r := execute(t, nil, relnetBin, "data", "inspect", config)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.source, r.code, r.stderr)
		}
		columns := strings.Join(strings.Fields(r.stdout), " ") // the table's alignment aside
		for _, w := range tc.want {
			if !strings.Contains(columns, w) {
				t.Errorf("%s: data inspect does not say %q:\n%s", tc.source, w, r.stdout)
			}
		}
	}
}
