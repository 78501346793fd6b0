package datasets

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Images is an in-memory labelled image set. Pixels are float32, image-major, each image C×H×W (CHW order).
type Images struct {
	Name                    string
	Channels, Height, Width int
	Pixels                  []float32 // len = Len()*Channels*Height*Width; raw Fashion-MNIST bytes scaled to [0,1]
	Labels                  []int     // class index per image, 0 ≤ label < len(ClassNames), or Unlabelled
	ClassNames              []string
}

// Unlabelled marks an image without a label in this set (a multi-attribute image may lack
// one group's label); pools and splits never sample it.
const Unlabelled = -1

// Len returns the number of images.
func (im *Images) Len() int { return len(im.Labels) }

// ClassName is class c's name, or its id where the set names none.
func (im *Images) ClassName(c int) string {
	if c >= 0 && c < len(im.ClassNames) && im.ClassNames[c] != "" {
		return im.ClassNames[c]
	}
	return fmt.Sprint(c)
}

// ImageSize returns the number of values in one image, C*H*W.
func (im *Images) ImageSize() int { return im.Channels * im.Height * im.Width }

// Image returns image i as a sub-slice of Pixels (no copy; appending to it cannot clobber image i+1).
func (im *Images) Image(i int) []float32 {
	n := im.ImageSize()
	return im.Pixels[i*n : (i+1)*n : (i+1)*n]
}

// Validate checks that the shape, pixel count and labels agree, so later indexing cannot panic.
func (im *Images) Validate() error {
	if im == nil {
		return errors.New("no image set")
	}
	if im.Channels <= 0 || im.Height <= 0 || im.Width <= 0 {
		return fmt.Errorf("image set %q: shape %s must be positive", im.Name, im.ImageShape())
	}
	if want := im.Len() * im.ImageSize(); len(im.Pixels) != want {
		return fmt.Errorf("image set %q: %d pixel values for %d images of %s, want %d",
			im.Name, len(im.Pixels), im.Len(), im.ImageShape(), want)
	}
	for i, l := range im.Labels {
		if l != Unlabelled && (l < 0 || l >= len(im.ClassNames)) {
			return fmt.Errorf("image set %q: label %d of image %d is outside 0..%d", im.Name, l, i, len(im.ClassNames)-1)
		}
	}
	return nil
}

// ImageShape is the shape of every image of the set.
func (im *Images) ImageShape() ImageShape {
	return ImageShape{Channels: im.Channels, Height: im.Height, Width: im.Width}
}

// Concat joins image sets of identical shape and class names (used for class splits over train+test files).
// The result owns new Pixels and Labels slices; images keep their order, set by set.
func Concat(name string, sets ...*Images) (*Images, error) {
	if len(sets) == 0 {
		return nil, fmt.Errorf("concat %q: no image sets", name)
	}
	for i, s := range sets {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("concat %q: set %d: %w", name, i, err)
		}
	}
	first := sets[0]
	out := &Images{Name: name, Channels: first.Channels, Height: first.Height, Width: first.Width,
		ClassNames: slices.Clone(first.ClassNames)}
	for _, s := range sets {
		if s.ImageShape() != first.ImageShape() {
			return nil, fmt.Errorf("concat %q: %q has images of %s but %q of %s", name, first.Name, first.ImageShape(), s.Name, s.ImageShape())
		}
		if !slices.Equal(s.ClassNames, first.ClassNames) {
			return nil, fmt.Errorf("concat %q: %q and %q have different class names", name, first.Name, s.Name)
		}
		out.Pixels = append(out.Pixels, s.Pixels...)
		out.Labels = append(out.Labels, s.Labels...)
	}
	return out, nil
}

// RandomImages returns classes×perClass random images of shape c×h×w; image i has label i%classes.
func RandomImages(classes, perClass, c, h, w int, seed uint64) *Images {
	rng := rand.New(rand.NewPCG(seed, 1))
	im := &Images{Name: "synth", Channels: c, Height: h, Width: w}
	for k := range classes {
		im.ClassNames = append(im.ClassNames, fmt.Sprintf("class%d", k))
	}
	n := classes * perClass
	im.Pixels = make([]float32, n*c*h*w)
	for i := range im.Pixels {
		im.Pixels[i] = rng.Float32()
	}
	im.Labels = make([]int, n)
	for i := range im.Labels {
		im.Labels[i] = i % classes
	}
	return im
}
