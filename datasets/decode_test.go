package datasets_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/internal/imagetest"
	"github.com/relnet/relnet/datasets/seedcsv"
)

func TestDecodeImage(t *testing.T) {
	dir := t.TempDir()
	files := map[string]image.Image{
		"red.png":         imagetest.Solid(8, 6, imagetest.Red),
		"green.png":       imagetest.Solid(8, 6, imagetest.Green),
		"blue.png":        imagetest.Solid(8, 6, imagetest.Blue),
		"odd.png":         imagetest.Solid(7, 5, color.RGBA{10, 200, 30, 255}),
		"grey16.png":      &image.Gray16{Pix: bytes.Repeat([]byte{0x80, 0x80}, 4*3), Stride: 8, Rect: image.Rect(0, 0, 4, 3)},
		"split.png":       imagetest.TwoTone(8, 6, imagetest.Red, imagetest.Green, false),
		"split.jpg":       imagetest.TwoTone(16, 16, imagetest.Red, imagetest.Blue, false),
		"solid.jpg":       imagetest.Solid(16, 16, color.RGBA{40, 120, 200, 255}),
		"transparent.png": image.NewNRGBA(image.Rect(0, 0, 2, 2)),
	}
	for name, img := range files {
		imagetest.WriteImage(t, filepath.Join(dir, name), img)
	}
	// PNG content under a JPEG name: the format is read from the content.
	imagetest.WriteFile(t, filepath.Join(dir, "png-named.jpg"), imagetest.EncodeImage(t, "x.png", imagetest.Solid(8, 6, imagetest.Red)))

	rgb := func(h, w int) datasets.ImageShape { return datasets.ImageShape{3, h, w} }
	grey := func(h, w int) datasets.ImageShape { return datasets.ImageShape{1, h, w} }
	odd := []float32{10. / 255, 200. / 255, 30. / 255}
	tests := []struct {
		name  string
		file  string
		crop  image.Rectangle
		shape datasets.ImageShape
		want  []float32
		tol   float64
	}{
		{"red as RGB", "red.png", image.Rectangle{}, rgb(2, 3), imagetest.Planes(rgb(2, 3), 1, 0, 0), 0},
		{"red as grey is its luma", "red.png", image.Rectangle{}, grey(2, 3), imagetest.Planes(grey(2, 3), 0.299), 1e-7},
		{"green as grey", "green.png", image.Rectangle{}, grey(2, 2), imagetest.Planes(grey(2, 2), 0.587), 1e-7},
		{"blue as grey", "blue.png", image.Rectangle{}, grey(2, 2), imagetest.Planes(grey(2, 2), 0.114), 1e-7},
		{"solid stays solid scaled up", "odd.png", image.Rectangle{}, rgb(13, 11), imagetest.Planes(rgb(13, 11), odd...), 0},
		{"solid stays solid scaled down", "odd.png", image.Rectangle{}, rgb(2, 3), imagetest.Planes(rgb(2, 3), odd...), 0},
		{"solid stays solid, same size", "odd.png", image.Rectangle{}, rgb(5, 7), imagetest.Planes(rgb(5, 7), odd...), 0},
		{"16-bit grey", "grey16.png", image.Rectangle{}, grey(3, 3), imagetest.Planes(grey(3, 3), 128./255), 1e-7},
		{"left half of two-tone", "split.png", image.Rect(0, 0, 4, 6), rgb(3, 5), imagetest.Planes(rgb(3, 5), 1, 0, 0), 0},
		{"right half of two-tone", "split.png", image.Rect(4, 0, 8, 6), rgb(3, 5), imagetest.Planes(rgb(3, 5), 0, 1, 0), 0},
		// Shrinking 8 columns to 2 widens the tent kernel to ±4 source pixels around centre 1.5: weights
		// 5/8, 7/8, 7/8, 5/8 on the red columns 0-3 and 3/8, 1/8 on the green columns 4-5, so 6/7 red, 1/7 green.
		{"two-tone shrunk blends by the kernel's weights", "split.png", image.Rectangle{}, rgb(1, 2),
			[]float32{6. / 7, 1. / 7, 1. / 7, 6. / 7, 0, 0}, 0.5 / 255},
		{"crop clamped to the image", "split.png", image.Rect(-5, -5, 4, 100), rgb(3, 5), imagetest.Planes(rgb(3, 5), 1, 0, 0), 0},
		{"JPEG solid", "solid.jpg", image.Rectangle{}, rgb(4, 4), imagetest.Planes(rgb(4, 4), 40./255, 120./255, 200./255), 3. / 255},
		{"JPEG right half", "split.jpg", image.Rect(12, 0, 16, 16), rgb(4, 2), imagetest.Planes(rgb(4, 2), 0, 0, 1), 0.1},
		{"by content, not extension", "png-named.jpg", image.Rectangle{}, rgb(1, 1), []float32{1, 0, 0}, 0},
		{"transparent is black", "transparent.png", image.Rectangle{}, rgb(1, 1), []float32{0, 0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := imagetest.Decode(t, filepath.Join(dir, tt.file), tt.crop, tt.shape)
			if d := imagetest.MaxDiff(got, tt.want); d > tt.tol {
				t.Errorf("got %v, want %v (max diff %g > %g)", got, tt.want, d, tt.tol)
			}
		})
	}
}

func TestDecodeImageErrors(t *testing.T) {
	dir := t.TempDir()
	jpg := imagetest.EncodeImage(t, "a.jpg", imagetest.TwoTone(32, 32, imagetest.Red, imagetest.Blue, false))
	pngBytes := imagetest.EncodeImage(t, "a.png", imagetest.Solid(8, 6, imagetest.Red))
	for name, content := range map[string][]byte{
		"truncated.jpg":  jpg[:len(jpg)/2],
		"truncated.png":  pngBytes[:len(pngBytes)-20],
		"text.png":       []byte("image,label\n"),
		"empty.jpg":      nil,
		"good.png":       pngBytes,
		"huge.png":       imagetest.PNGHeader(50000, 50000),
		"cut-header.png": pngBytes[:20],
		"lying.png":      lieAboutWidth(t, pngBytes, 4),
		"zero.png":       imagetest.PNGHeader(0, 5),
	} {
		imagetest.WriteFile(t, filepath.Join(dir, name), content)
	}
	shape := datasets.ImageShape{3, 4, 4}
	tests := []struct {
		name  string
		file  string
		crop  image.Rectangle
		shape datasets.ImageShape
		dst   int
		max   int
		want  string
	}{
		{"missing", "nothere.jpg", image.Rectangle{}, shape, 48, 0, "nothere.jpg: missing image file"},
		{"truncated JPEG", "truncated.jpg", image.Rectangle{}, shape, 48, 0, "truncated.jpg: truncated or corrupt JPEG image: unexpected EOF"},
		{"truncated PNG", "truncated.png", image.Rectangle{}, shape, 48, 0, "truncated.png: truncated or corrupt PNG image"},
		{"not an image", "text.png", image.Rectangle{}, shape, 48, 0, "text.png: not an image (12 bytes"},
		{"empty file", "empty.jpg", image.Rectangle{}, shape, 48, 0, "empty.jpg: not an image (0 bytes"},
		{"crop outside", "good.png", image.Rect(8, 0, 20, 6), shape, 48, 0, "good.png: crop (8,0)-(20,6) lies outside the 8×6 image"},
		{"two channels", "good.png", image.Rectangle{}, datasets.ImageShape{2, 4, 4}, 32, 0, "good.png: image shape 2×4×4: channels must be 1 (grey) or 3 (RGB)"},
		{"zero width", "good.png", image.Rectangle{}, datasets.ImageShape{1, 4, 0}, 0, 0, "height and width must be positive"},
		{"short destination", "good.png", image.Rectangle{}, shape, 47, 0, "good.png: destination holds 47 values, image shape 3×4×4 needs 48"},
		{"larger than the limit", "huge.png", image.Rectangle{}, shape, 48, 0, "huge.png: 50000×50000 PNG image (2500.0 megapixels), larger than max_pixels = 100000000"},
		{"larger than a set limit", "good.png", image.Rectangle{}, shape, 48, 47, "good.png: 8×6 PNG image (0.0 megapixels), larger than max_pixels = 47"},
		{"truncated header", "cut-header.png", image.Rectangle{}, shape, 48, 0, "cut-header.png: truncated or corrupt PNG image: unexpected EOF"},
		{"header lies about the width", "lying.png", image.Rectangle{}, shape, 48, 0, "lying.png: truncated or corrupt PNG image"},
		{"zero width in the header", "zero.png", image.Rectangle{}, shape, 48, 0, "zero.png: truncated or corrupt PNG image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := datasets.DecodeImage(filepath.Join(dir, tt.file), tt.crop, tt.shape, tt.max, make([]float32, tt.dst))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	if err := datasets.DecodeImage(filepath.Join(dir, "good.png"), image.Rectangle{}, shape, 48, make([]float32, 48)); err != nil {
		t.Errorf("an image of exactly max_pixels is refused: %v", err)
	}
}

// lieAboutWidth returns the PNG file with the width in its header set to w (its CRC mended),
// so that the header is valid and disagrees with the pixel data.
func lieAboutWidth(t *testing.T, file []byte, w uint32) []byte {
	out := slices.Clone(file)
	if string(out[12:16]) != "IHDR" {
		t.Fatal("no IHDR chunk first")
	}
	binary.BigEndian.PutUint32(out[16:20], w)
	binary.BigEndian.PutUint32(out[29:33], crc32.ChecksumIEEE(out[12:29]))
	return out
}

// writeNoiseSet writes n random-noise images (alternately PNG and JPEG, 16×12) and a seed CSV
// listing them to dir, and returns the CSV's path.
func writeNoiseSet(t *testing.T, dir string, n int) string {
	rng := rand.New(rand.NewPCG(7, 7))
	var csv strings.Builder
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 16, 12))
		for p := range img.Pix {
			img.Pix[p] = byte(rng.IntN(256))
			if p%4 == 3 {
				img.Pix[p] = 255
			}
		}
		name := fmt.Sprintf("img%02d.png", i)
		if i%2 == 1 {
			name = fmt.Sprintf("img%02d.jpg", i)
		}
		imagetest.WriteImage(t, filepath.Join(dir, name), img)
		fmt.Fprintf(&csv, "%s,shade_%d\n", name, i%3)
	}
	path := filepath.Join(dir, "noise.csv")
	imagetest.WriteFile(t, path, []byte(csv.String()))
	return path
}

func TestDecodingIsTheSameForAnyWorkerCount(t *testing.T) {
	dir := t.TempDir()
	path := writeNoiseSet(t, dir, 30)
	groups := []datasets.GroupSpec{{Name: "shade"}}
	for _, shape := range []datasets.ImageShape{{3, 5, 7}, {1, 9, 4}} {
		want, _, err := seedcsv.Read(path, dir, groups, shape, datasets.LoadOptions{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{0, 2, 3, 8, 64} {
			got, _, err := seedcsv.Read(path, dir, groups, shape, datasets.LoadOptions{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Pixels, want.Pixels) || !slices.Equal(got.Files, want.Files) ||
				!slices.Equal(got.Groups[0].Labels, want.Groups[0].Labels) {
				t.Errorf("shape %s: %d workers give a different set than 1 worker", shape, workers)
			}
		}
	}
	// Every failing image is found, whatever the worker count, and skipping them gives the same set.
	os.Remove(filepath.Join(dir, "img06.png"))
	imagetest.WriteFile(t, filepath.Join(dir, "img03.jpg"), []byte("not a jpeg"))
	os.Remove(filepath.Join(dir, "img25.jpg"))
	shape := datasets.ImageShape{3, 5, 7}
	_, _, err := seedcsv.Read(path, dir, groups, shape, datasets.LoadOptions{Workers: 1})
	want, ok := errors.AsType[*datasets.BadLinesError](err)
	if !ok || !slices.Equal(imagetest.SkipLines(want.Lines), []int{4, 7, 26}) {
		t.Fatalf("1 worker: error %v, want a *BadLinesError of lines 4 (img03.jpg), 7 (img06.png), 26 (img25.jpg)", err)
	}
	wantSet, wantReport, err := seedcsv.Read(path, dir, groups, shape, datasets.LoadOptions{Workers: 1, SkipBadLines: true})
	if err != nil {
		t.Fatal(err)
	}
	if wantSet.Len() != 27 || !slices.Equal(imagetest.SkipLines(wantReport.Skipped), []int{4, 7, 26}) {
		t.Fatalf("skipping: %d images, skipped %+v", wantSet.Len(), wantReport.Skipped)
	}
	for _, workers := range []int{2, 4, 8, 30} {
		for range 5 {
			_, _, err := seedcsv.Read(path, dir, groups, shape, datasets.LoadOptions{Workers: workers})
			if got, ok := errors.AsType[*datasets.BadLinesError](err); !ok || !reflect.DeepEqual(got, want) {
				t.Fatalf("%d workers: error %v, want %v", workers, err, want)
			}
			got, r, err := seedcsv.Read(path, dir, groups, shape, datasets.LoadOptions{Workers: workers, SkipBadLines: true})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, wantSet) || !reflect.DeepEqual(r, wantReport) {
				t.Fatalf("%d workers, skipping: a different set or report than 1 worker", workers)
			}
		}
	}
}

func TestDecodeAllReportsEveryFailure(t *testing.T) {
	dir := t.TempDir()
	imagetest.WriteImage(t, filepath.Join(dir, "red.png"), imagetest.Solid(4, 4, imagetest.Red))
	imagetest.WriteFile(t, filepath.Join(dir, "text.png"), []byte("hello"))
	shape := datasets.ImageShape{3, 2, 2}
	job := func(name string) datasets.Row { return datasets.Row{Image: name, Path: filepath.Join(dir, name)} }
	for _, workers := range []int{0, 1, 2, 16} {
		pixels := make([]float32, 4*shape.Size())
		if errs := datasets.DecodeAll([]datasets.Row{job("red.png"), job("red.png")}, shape, pixels[:2*shape.Size()], datasets.LoadOptions{Workers: workers}); errs != nil {
			t.Fatalf("%d workers: all decode, yet errors %v", workers, errs)
		}
		errs := datasets.DecodeAll([]datasets.Row{job("gone.png"), job("red.png"), job("text.png"), job("red.png")}, shape, pixels, datasets.LoadOptions{Workers: workers})
		if len(errs) != 4 || errs[1] != nil || errs[3] != nil || errs[0] == nil || errs[2] == nil ||
			!strings.HasPrefix(errs[0].Error(), "image gone.png: ") || !strings.Contains(errs[2].Error(), "text.png: not an image") {
			t.Fatalf("%d workers: errors %v, want jobs 0 and 2 to fail", workers, errs)
		}
		if want := imagetest.Planes(shape, 1, 0, 0); !slices.Equal(pixels[shape.Size():2*shape.Size()], want) || !slices.Equal(pixels[3*shape.Size():], want) {
			t.Errorf("%d workers: the images after a failure are not decoded", workers)
		}
	}
}

// FuzzDecodeImage: any file is decoded or refused with an error naming it; never a panic,
// and never an image above the limit: with max_pixels = 4096 the fuzzer cannot make the
// decoder allocate more than a 64×64 image, whatever size a header claims.
func FuzzDecodeImage(f *testing.F) {
	f.Add(imagetest.EncodeImage(f, "a.png", imagetest.Solid(8, 6, imagetest.Red)))
	f.Add(imagetest.EncodeImage(f, "a.jpg", imagetest.TwoTone(16, 16, imagetest.Red, imagetest.Blue, false)))
	f.Add(imagetest.PNGHeader(50000, 50000))
	f.Add(imagetest.PNGHeader(64, 64))
	f.Add(imagetest.PNGHeader(0, 1))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"))
	dir := f.TempDir()
	shape := datasets.ImageShape{3, 4, 4}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzzed.img")
		imagetest.WriteFile(t, path, data)
		cfg, _, cfgErr := image.DecodeConfig(bytes.NewReader(data))
		err := datasets.DecodeImage(path, image.Rectangle{}, shape, 4096, make([]float32, shape.Size()))
		switch {
		case err != nil && !strings.Contains(err.Error(), path):
			t.Fatalf("error does not name the file: %v", err)
		case err == nil && (cfgErr != nil || cfg.Width*cfg.Height > 4096 || cfg.Width < 1 || cfg.Height < 1):
			t.Fatalf("decoded an image whose header says %d×%d (%v)", cfg.Width, cfg.Height, cfgErr)
		}
	})
}
