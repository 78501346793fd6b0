// Package imagetest is the test support of the datasets packages: images drawn, encoded and
// written for tests, the committed fixtures under testdata/attributes with the images they
// are drawn from, and the checks that the readers' tests and fuzzers share. Only tests import
// it.
package imagetest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
)

// Colours of the test images.
var (
	Red   = color.RGBA{255, 0, 0, 255}
	Green = color.RGBA{0, 255, 0, 255}
	Blue  = color.RGBA{0, 0, 255, 255}
	White = color.RGBA{255, 255, 255, 255}
)

// Solid returns a w×h image of one colour.
func Solid(w, h int, c color.Color) *image.RGBA {
	return TwoTone(w, h, c, c, false)
}

// TwoTone returns a w×h image whose left half (x < w/2) is a and right half b, or whose top half
// (y < h/2) is a and bottom half b when horizontal is true.
func TwoTone(w, h int, a, b color.Color, horizontal bool) *image.RGBA {
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

// EncodeImage encodes img as PNG, or as JPEG of quality 100 when the name ends in .jpg or .jpeg.
func EncodeImage(t testing.TB, name string, img image.Image) []byte {
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

// WriteImage writes img to path (creating its folders) as PNG or JPEG by the name's extension.
func WriteImage(t testing.TB, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	WriteFile(t, path, EncodeImage(t, path, img))
}

// WriteFile writes content to path or fails the test.
func WriteFile(t testing.TB, path string, content []byte) {
	t.Helper()
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// PNGHeader is the start of a grey 8-bit PNG whose header says w×h pixels: the signature and
// a valid IHDR chunk, then nothing (decoding it fails, reading its header does not).
func PNGHeader(w, h uint32) []byte {
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

// Decode runs datasets.DecodeImage into a new slice or fails the test.
func Decode(t testing.TB, path string, crop image.Rectangle, shape datasets.ImageShape) []float32 {
	t.Helper()
	dst := make([]float32, shape.Size())
	if err := datasets.DecodeImage(path, crop, shape, 0, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// Planes returns the CHW image px of shape filled with the given channel values (one per channel).
func Planes(shape datasets.ImageShape, values ...float32) []float32 {
	out := make([]float32, 0, shape.Size())
	for _, v := range values {
		for range shape.Height * shape.Width {
			out = append(out, v)
		}
	}
	return out
}

// MaxDiff returns the largest absolute difference between a and b, which have the same length.
func MaxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}
