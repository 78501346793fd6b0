package datasets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
)

// solid returns a w×h image of one colour.
func solid(w, h int, c color.Color) *image.RGBA {
	return twoTone(w, h, c, c, false)
}

// twoTone returns a w×h image whose left half (x < w/2) is a and right half b, or whose top half
// (y < h/2) is a and bottom half b when horizontal is true.
func twoTone(w, h int, a, b color.Color, horizontal bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := a
			if (!horizontal && x >= w/2) || (horizontal && y >= h/2) {
				c = b
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// encodeImage encodes img as PNG, or as JPEG of quality 100 when the name ends in .jpg or .jpeg.
func encodeImage(t testing.TB, name string, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 100})
	default:
		err = png.Encode(&b, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeImage writes img to path (creating its folders) as PNG or JPEG by the name's extension.
func writeImage(t testing.TB, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, encodeImage(t, path, img))
}

// decode runs DecodeImage into a new slice or fails the test.
func decode(t testing.TB, path string, crop image.Rectangle, shape ImageShape) []float32 {
	t.Helper()
	dst := make([]float32, shape.Size())
	if err := DecodeImage(path, crop, shape, 0, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// planes returns the CHW image px of shape filled with the given channel values (one per channel).
func planes(shape ImageShape, values ...float32) []float32 {
	out := make([]float32, 0, shape.Size())
	for _, v := range values {
		for range shape.Height * shape.Width {
			out = append(out, v)
		}
	}
	return out
}

// maxDiff returns the largest absolute difference between a and b, which have the same length.
func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestDecodeImage(t *testing.T) {
	dir := t.TempDir()
	files := map[string]image.Image{
		"red.png":         solid(8, 6, red),
		"green.png":       solid(8, 6, green),
		"blue.png":        solid(8, 6, blue),
		"odd.png":         solid(7, 5, color.RGBA{10, 200, 30, 255}),
		"grey16.png":      &image.Gray16{Pix: bytes.Repeat([]byte{0x80, 0x80}, 4*3), Stride: 8, Rect: image.Rect(0, 0, 4, 3)},
		"split.png":       twoTone(8, 6, red, green, false),
		"split.jpg":       twoTone(16, 16, red, blue, false),
		"solid.jpg":       solid(16, 16, color.RGBA{40, 120, 200, 255}),
		"transparent.png": image.NewNRGBA(image.Rect(0, 0, 2, 2)),
	}
	for name, img := range files {
		writeImage(t, filepath.Join(dir, name), img)
	}
	// PNG content under a JPEG name: the format is read from the content.
	writeFile(t, filepath.Join(dir, "png-named.jpg"), encodeImage(t, "x.png", solid(8, 6, red)))

	rgb := func(h, w int) ImageShape { return ImageShape{3, h, w} }
	grey := func(h, w int) ImageShape { return ImageShape{1, h, w} }
	odd := []float32{10. / 255, 200. / 255, 30. / 255}
	tests := []struct {
		name  string
		file  string
		crop  image.Rectangle
		shape ImageShape
		want  []float32
		tol   float64
	}{
		{"red as RGB", "red.png", image.Rectangle{}, rgb(2, 3), planes(rgb(2, 3), 1, 0, 0), 0},
		{"red as grey is its luma", "red.png", image.Rectangle{}, grey(2, 3), planes(grey(2, 3), 0.299), 1e-7},
		{"green as grey", "green.png", image.Rectangle{}, grey(2, 2), planes(grey(2, 2), 0.587), 1e-7},
		{"blue as grey", "blue.png", image.Rectangle{}, grey(2, 2), planes(grey(2, 2), 0.114), 1e-7},
		{"solid stays solid scaled up", "odd.png", image.Rectangle{}, rgb(13, 11), planes(rgb(13, 11), odd...), 0},
		{"solid stays solid scaled down", "odd.png", image.Rectangle{}, rgb(2, 3), planes(rgb(2, 3), odd...), 0},
		{"solid stays solid, same size", "odd.png", image.Rectangle{}, rgb(5, 7), planes(rgb(5, 7), odd...), 0},
		{"16-bit grey", "grey16.png", image.Rectangle{}, grey(3, 3), planes(grey(3, 3), 128./255), 1e-7},
		{"left half of two-tone", "split.png", image.Rect(0, 0, 4, 6), rgb(3, 5), planes(rgb(3, 5), 1, 0, 0), 0},
		{"right half of two-tone", "split.png", image.Rect(4, 0, 8, 6), rgb(3, 5), planes(rgb(3, 5), 0, 1, 0), 0},
		// Shrinking 8 columns to 2 widens the tent kernel to ±4 source pixels around centre 1.5: weights
		// 5/8, 7/8, 7/8, 5/8 on the red columns 0-3 and 3/8, 1/8 on the green columns 4-5, so 6/7 red, 1/7 green.
		{"two-tone shrunk blends by the kernel's weights", "split.png", image.Rectangle{}, rgb(1, 2),
			[]float32{6. / 7, 1. / 7, 1. / 7, 6. / 7, 0, 0}, 0.5 / 255},
		{"crop clamped to the image", "split.png", image.Rect(-5, -5, 4, 100), rgb(3, 5), planes(rgb(3, 5), 1, 0, 0), 0},
		{"JPEG solid", "solid.jpg", image.Rectangle{}, rgb(4, 4), planes(rgb(4, 4), 40./255, 120./255, 200./255), 3. / 255},
		{"JPEG right half", "split.jpg", image.Rect(12, 0, 16, 16), rgb(4, 2), planes(rgb(4, 2), 0, 0, 1), 0.1},
		{"by content, not extension", "png-named.jpg", image.Rectangle{}, rgb(1, 1), []float32{1, 0, 0}, 0},
		{"transparent is black", "transparent.png", image.Rectangle{}, rgb(1, 1), []float32{0, 0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decode(t, filepath.Join(dir, tt.file), tt.crop, tt.shape)
			if d := maxDiff(got, tt.want); d > tt.tol {
				t.Errorf("got %v, want %v (max diff %g > %g)", got, tt.want, d, tt.tol)
			}
		})
	}
}

func TestDecodeImageErrors(t *testing.T) {
	dir := t.TempDir()
	jpg := encodeImage(t, "a.jpg", twoTone(32, 32, red, blue, false))
	pngBytes := encodeImage(t, "a.png", solid(8, 6, red))
	for name, content := range map[string][]byte{
		"truncated.jpg":  jpg[:len(jpg)/2],
		"truncated.png":  pngBytes[:len(pngBytes)-20],
		"text.png":       []byte("image,label\n"),
		"empty.jpg":      nil,
		"good.png":       pngBytes,
		"huge.png":       pngHeader(50000, 50000),
		"cut-header.png": pngBytes[:20],
		"lying.png":      lieAboutWidth(t, pngBytes, 4),
		"zero.png":       pngHeader(0, 5),
	} {
		writeFile(t, filepath.Join(dir, name), content)
	}
	shape := ImageShape{3, 4, 4}
	tests := []struct {
		name  string
		file  string
		crop  image.Rectangle
		shape ImageShape
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
		{"two channels", "good.png", image.Rectangle{}, ImageShape{2, 4, 4}, 32, 0, "good.png: image shape 2×4×4: channels must be 1 (grey) or 3 (RGB)"},
		{"zero width", "good.png", image.Rectangle{}, ImageShape{1, 4, 0}, 0, 0, "height and width must be positive"},
		{"short destination", "good.png", image.Rectangle{}, shape, 47, 0, "good.png: destination holds 47 values, image shape 3×4×4 needs 48"},
		{"larger than the limit", "huge.png", image.Rectangle{}, shape, 48, 0, "huge.png: 50000×50000 PNG image (2500.0 megapixels), larger than max_pixels = 100000000"},
		{"larger than a set limit", "good.png", image.Rectangle{}, shape, 48, 47, "good.png: 8×6 PNG image (0.0 megapixels), larger than max_pixels = 47"},
		{"truncated header", "cut-header.png", image.Rectangle{}, shape, 48, 0, "cut-header.png: truncated or corrupt PNG image: unexpected EOF"},
		{"header lies about the width", "lying.png", image.Rectangle{}, shape, 48, 0, "lying.png: truncated or corrupt PNG image"},
		{"zero width in the header", "zero.png", image.Rectangle{}, shape, 48, 0, "zero.png: truncated or corrupt PNG image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := DecodeImage(filepath.Join(dir, tt.file), tt.crop, tt.shape, tt.max, make([]float32, tt.dst))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	if err := DecodeImage(filepath.Join(dir, "good.png"), image.Rectangle{}, shape, 48, make([]float32, 48)); err != nil {
		t.Errorf("an image of exactly max_pixels is refused: %v", err)
	}
}

// pngHeader is the start of a grey 8-bit PNG whose header says w×h pixels: the signature and
// a valid IHDR chunk, then nothing (decoding it fails, reading its header does not).
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	return pngChunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", append(ihdr, 8, 0, 0, 0, 0))
}

// pngChunk appends a PNG chunk of the given type and data, with its length and CRC.
func pngChunk(dst []byte, kind string, data []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
	body := append([]byte(kind), data...)
	return binary.BigEndian.AppendUint32(append(dst, body...), crc32.ChecksumIEEE(body))
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
		writeImage(t, filepath.Join(dir, name), img)
		fmt.Fprintf(&csv, "%s,shade_%d\n", name, i%3)
	}
	path := filepath.Join(dir, "noise.csv")
	writeFile(t, path, []byte(csv.String()))
	return path
}

func TestDecodingIsTheSameForAnyWorkerCount(t *testing.T) {
	dir := t.TempDir()
	path := writeNoiseSet(t, dir, 30)
	groups := []GroupSpec{{Name: "shade"}}
	for _, shape := range []ImageShape{{3, 5, 7}, {1, 9, 4}} {
		want, _, err := ReadSeedCSV(path, dir, groups, shape, LoadOptions{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{0, 2, 3, 8, 64} {
			got, _, err := ReadSeedCSV(path, dir, groups, shape, LoadOptions{Workers: workers})
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
	writeFile(t, filepath.Join(dir, "img03.jpg"), []byte("not a jpeg"))
	os.Remove(filepath.Join(dir, "img25.jpg"))
	shape := ImageShape{3, 5, 7}
	_, _, err := ReadSeedCSV(path, dir, groups, shape, LoadOptions{Workers: 1})
	want, ok := errors.AsType[*BadLinesError](err)
	if !ok || !slices.Equal(skipLines(want.Lines), []int{4, 7, 26}) {
		t.Fatalf("1 worker: error %v, want a *BadLinesError of lines 4 (img03.jpg), 7 (img06.png), 26 (img25.jpg)", err)
	}
	wantSet, wantReport, err := ReadSeedCSV(path, dir, groups, shape, LoadOptions{Workers: 1, SkipBadLines: true})
	if err != nil {
		t.Fatal(err)
	}
	if wantSet.Len() != 27 || !slices.Equal(skipLines(wantReport.Skipped), []int{4, 7, 26}) {
		t.Fatalf("skipping: %d images, skipped %+v", wantSet.Len(), wantReport.Skipped)
	}
	for _, workers := range []int{2, 4, 8, 30} {
		for range 5 {
			_, _, err := ReadSeedCSV(path, dir, groups, shape, LoadOptions{Workers: workers})
			if got, ok := errors.AsType[*BadLinesError](err); !ok || !reflect.DeepEqual(got, want) {
				t.Fatalf("%d workers: error %v, want %v", workers, err, want)
			}
			got, r, err := ReadSeedCSV(path, dir, groups, shape, LoadOptions{Workers: workers, SkipBadLines: true})
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
	writeImage(t, filepath.Join(dir, "red.png"), solid(4, 4, red))
	writeFile(t, filepath.Join(dir, "text.png"), []byte("hello"))
	shape := ImageShape{3, 2, 2}
	job := func(name string) Row { return Row{Image: name, Path: filepath.Join(dir, name)} }
	for _, workers := range []int{0, 1, 2, 16} {
		pixels := make([]float32, 4*shape.Size())
		if errs := decodeAll([]Row{job("red.png"), job("red.png")}, shape, pixels[:2*shape.Size()], LoadOptions{Workers: workers}); errs != nil {
			t.Fatalf("%d workers: all decode, yet errors %v", workers, errs)
		}
		errs := decodeAll([]Row{job("gone.png"), job("red.png"), job("text.png"), job("red.png")}, shape, pixels, LoadOptions{Workers: workers})
		if len(errs) != 4 || errs[1] != nil || errs[3] != nil || errs[0] == nil || errs[2] == nil ||
			!strings.HasPrefix(errs[0].Error(), "image gone.png: ") || !strings.Contains(errs[2].Error(), "text.png: not an image") {
			t.Fatalf("%d workers: errors %v, want jobs 0 and 2 to fail", workers, errs)
		}
		if want := planes(shape, 1, 0, 0); !slices.Equal(pixels[shape.Size():2*shape.Size()], want) || !slices.Equal(pixels[3*shape.Size():], want) {
			t.Errorf("%d workers: the images after a failure are not decoded", workers)
		}
	}
}

// FuzzDecodeImage: any file is decoded or refused with an error naming it; never a panic,
// and never an image above the limit: with max_pixels = 4096 the fuzzer cannot make the
// decoder allocate more than a 64×64 image, whatever size a header claims.
func FuzzDecodeImage(f *testing.F) {
	f.Add(encodeImage(f, "a.png", solid(8, 6, red)))
	f.Add(encodeImage(f, "a.jpg", twoTone(16, 16, red, blue, false)))
	f.Add(pngHeader(50000, 50000))
	f.Add(pngHeader(64, 64))
	f.Add(pngHeader(0, 1))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"))
	dir := f.TempDir()
	shape := ImageShape{3, 4, 4}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzzed.img")
		writeFile(t, path, data)
		cfg, _, cfgErr := image.DecodeConfig(bytes.NewReader(data))
		err := DecodeImage(path, image.Rectangle{}, shape, 4096, make([]float32, shape.Size()))
		switch {
		case err != nil && !strings.Contains(err.Error(), path):
			t.Fatalf("error does not name the file: %v", err)
		case err == nil && (cfgErr != nil || cfg.Width*cfg.Height > 4096 || cfg.Width < 1 || cfg.Height < 1):
			t.Fatalf("decoded an image whose header says %d×%d (%v)", cfg.Width, cfg.Height, cfgErr)
		}
	})
}
