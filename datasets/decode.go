package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // registers the JPEG decoder for image.Decode
	_ "image/png"  // registers the PNG decoder for image.Decode
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/image/draw"
)

// ImageShape is the size every image is decoded to.
type ImageShape struct{ Channels, Height, Width int } // Channels 1 (grey, ITU-R 601 luma) or 3 (RGB)

// String formats the shape as C×H×W.
func (s ImageShape) String() string { return fmt.Sprintf("%d×%d×%d", s.Channels, s.Height, s.Width) }

// Size returns the number of values in one image, C*H*W.
func (s ImageShape) Size() int { return s.Channels * s.Height * s.Width }

// Validate checks that Channels is 1 or 3 and Height, Width are positive.
func (s ImageShape) Validate() error {
	if s.Channels != 1 && s.Channels != 3 {
		return fmt.Errorf("image shape %s: channels must be 1 (grey) or 3 (RGB)", s)
	}
	if s.Height <= 0 || s.Width <= 0 {
		return fmt.Errorf("image shape %s: height and width must be positive", s)
	}
	return nil
}

// ITU-R BT.601 luma weights, used for grey images.
const (
	lumaR = 0.299
	lumaG = 0.587
	lumaB = 0.114
)

// DefaultMaxPixels is the largest image, in width × height from its header, that DecodeImage
// decodes when the caller sets no limit: 100 megapixels, above the sensors of common cameras.
// A larger file (a scraped panorama, or a decompression bomb whose 10 MB of PNG claims
// 50000×50000 pixels) would take gigabytes to decode, and is refused before it is.
const DefaultMaxPixels = 100_000_000

// DecodeImage reads a JPEG or PNG (by content, not extension), crops it to crop (the whole image when crop is
// empty; a crop reaching outside the image is clamped to it, one wholly outside is an error), resizes it to shape
// with bilinear interpolation (golang.org/x/image/draw.BiLinear, which widens its kernel when shrinking so every
// source pixel counts) and writes CHW float32 values in [0,1] into dst (len = C*H*W). Grey is ITU-R 601 luma
// 0.299R + 0.587G + 0.114B; transparent pixels count as black (premultiplied alpha).
// The header is read first: an image of more than maxPixels pixels (< 1 means DefaultMaxPixels) is refused,
// naming its size, before anything is decoded. Errors name the file: missing, not an image, too large,
// truncated/corrupt.
func DecodeImage(path string, crop image.Rectangle, shape ImageShape, maxPixels int, dst []float32) error {
	if err := shape.Validate(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(dst) != shape.Size() {
		return fmt.Errorf("%s: destination holds %d values, image shape %s needs %d", path, len(dst), shape, shape.Size())
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: missing image file", path)
	}
	if err != nil {
		return err // names the file already
	}
	defer f.Close()
	img, err := decodeChecked(f, path, maxPixels)
	if err != nil {
		return err
	}
	src := img.Bounds()
	if !crop.Empty() {
		src = crop.Intersect(img.Bounds())
		if src.Empty() {
			return fmt.Errorf("%s: crop %v lies outside the %d×%d image", path, crop, img.Bounds().Dx(), img.Bounds().Dy())
		}
	}
	rgba := image.NewRGBA(image.Rect(0, 0, shape.Width, shape.Height))
	draw.BiLinear.Scale(rgba, rgba.Bounds(), img, src, draw.Src, nil)
	hw := shape.Height * shape.Width
	for p := range hw {
		r := float64(rgba.Pix[4*p]) / 255
		g := float64(rgba.Pix[4*p+1]) / 255
		b := float64(rgba.Pix[4*p+2]) / 255
		if shape.Channels == 1 {
			dst[p] = float32(min(lumaR*r+lumaG*g+lumaB*b, 1))
			continue
		}
		dst[p], dst[hw+p], dst[2*hw+p] = float32(r), float32(g), float32(b)
	}
	return nil
}

// decodeChecked decodes the image in f after its header: the format and size it claims.
func decodeChecked(f *os.File, path string, maxPixels int) (image.Image, error) {
	if maxPixels < 1 {
		maxPixels = DefaultMaxPixels
	}
	notImage := func() error {
		size := "?"
		if info, err := f.Stat(); err == nil {
			size = fmt.Sprint(info.Size())
		}
		return fmt.Errorf("%s: not an image (%s bytes; JPEG and PNG are read)", path, size)
	}
	// The decoders report truncation as io.ErrUnexpectedEOF or as a format error.
	corrupt := func(format string, err error) error {
		return fmt.Errorf("%s: truncated or corrupt %s image: %v", path, strings.ToUpper(format), err)
	}
	cfg, format, err := image.DecodeConfig(bufio.NewReader(f))
	switch {
	case errors.Is(err, image.ErrFormat):
		return nil, notImage()
	case err != nil:
		return nil, corrupt(format, err)
	case cfg.Width < 1 || cfg.Height < 1:
		return nil, fmt.Errorf("%s: its %s header gives %d×%d pixels", path, strings.ToUpper(format), cfg.Width, cfg.Height)
	case int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels):
		return nil, fmt.Errorf("%s: %d×%d %s image (%.1f megapixels), larger than max_pixels = %d",
			path, cfg.Width, cfg.Height, strings.ToUpper(format), float64(cfg.Width)*float64(cfg.Height)/1e6, maxPixels)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bufio.NewReader(f))
	switch {
	case errors.Is(err, image.ErrFormat): // the file changed since its header was read
		return nil, notImage()
	case err != nil:
		return nil, corrupt(format, err)
	}
	return img, nil
}

// decodeAll decodes the image of rows[i] (its Path, cropped to its Crop) into image slot i of pixels
// with opts.Workers goroutines (< 1 means 1), each image at most opts.MaxPixels large. Every row
// is decoded, whatever fails; it returns nil when all succeed, else the failures by row index (len(rows),
// nil for each success), each `image <Image>: <DecodeImage's error>`. The slots of failed rows are
// undefined. Neither depends on the worker count.
func decodeAll(rows []Row, shape ImageShape, pixels []float32, opts LoadOptions) []error {
	size := shape.Size()
	errs := make([]error, len(rows))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(max(opts.Workers, 1), max(len(rows), 1)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(rows) {
					return
				}
				r := rows[i]
				if err := DecodeImage(r.Path, r.Crop, shape, opts.MaxPixels, pixels[i*size:(i+1)*size]); err != nil {
					errs[i] = fmt.Errorf("image %s: %w", r.Image, err)
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	if !failed.Load() {
		return nil
	}
	return errs
}
