package sampling

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/relnet/relnet/datasets"
)

// Augment describes per-episode transforms applied in the sampler (all on Go slices), in this order:
// RotateDegrees, Rotate90, then normalisation. The zero value changes nothing.
type Augment struct {
	Mean, Std     []float64 // per-channel normalisation; nil = none. Applied last: (x-mean)/std.
	RotateDegrees float64   // >0: each image rotated by a uniform random angle in [-d, d] (bilinear, zero fill, about the centre) (seed notebook)
	Rotate90      bool      // each episode: one random k∈{0,1,2,3}, every image of the episode rotated by k·90° (paper, Omniglot). Requires square images, else Validate error.
}

// Validate checks the augmentation against images of the given shape.
func (a Augment) Validate(channels, height, width int) error {
	if (a.Mean == nil) != (a.Std == nil) {
		return fmt.Errorf("augment: Mean and Std must be set together (Mean has %d values, Std %d)", len(a.Mean), len(a.Std))
	}
	if a.Mean != nil && (len(a.Mean) != channels || len(a.Std) != channels) {
		return fmt.Errorf("augment: Mean has %d values and Std %d, want one per channel (%d)", len(a.Mean), len(a.Std), channels)
	}
	for c, m := range a.Mean {
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return fmt.Errorf("augment: Mean[%d] = %v is not finite", c, m)
		}
	}
	for c, s := range a.Std {
		if !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("augment: Std[%d] = %v must be positive and finite", c, s)
		}
	}
	if !(a.RotateDegrees >= 0) || math.IsInf(a.RotateDegrees, 0) {
		return fmt.Errorf("augment: RotateDegrees = %v must be finite and ≥ 0", a.RotateDegrees)
	}
	if a.Rotate90 && height != width {
		return fmt.Errorf("augment: Rotate90 needs square images, got %d×%d", height, width)
	}
	return nil
}

// transform applies an Augment to the images of one episode.
type transform struct {
	aug           Augment
	c, h, w       int
	quarterTurns  int       // this episode's k for Rotate90
	rotated, turn []float32 // scratch images
	pad           []float32 // scratch for rotate
}

// episode prepares the transform of one episode, drawing its quarter turns from rng when Rotate90 is set.
func (a Augment) episode(rng *rand.Rand, c, h, w int) *transform {
	t := &transform{aug: a, c: c, h: h, w: w}
	if a.Rotate90 {
		t.quarterTurns = rng.IntN(4)
		t.turn = make([]float32, c*h*w)
	}
	if a.RotateDegrees > 0 {
		t.rotated = make([]float32, c*h*w)
		t.pad = make([]float32, c*(h+2)*(w+2))
	}
	return t
}

// fill writes the transformed images ids of im one after another into dst.
func (t *transform) fill(dst []float32, im *datasets.Images, ids []int, rng *rand.Rand) {
	n := im.ImageSize()
	for k, id := range ids {
		t.apply(dst[k*n:(k+1)*n], im.Image(id), rng)
	}
}

// apply writes the transformed src into dst, drawing a rotation angle from rng when RotateDegrees > 0.
func (t *transform) apply(dst, src []float32, rng *rand.Rand) {
	img := src
	if d := t.aug.RotateDegrees; d > 0 {
		rotate(t.rotated, img, t.pad, t.c, t.h, t.w, (2*rng.Float64()-1)*d)
		img = t.rotated
	}
	if t.quarterTurns != 0 {
		Rotate90(t.turn, img, t.c, t.h, t.quarterTurns)
		img = t.turn
	}
	copy(dst, img)
	Normalize(dst, t.aug.Mean, t.aug.Std, t.c)
}

// Normalize maps each value x of channel c of an image (CHW, channels planes) to
// (x − mean[c]) / std[c], in place, as the sampler does; nil mean changes nothing.
func Normalize(img []float32, mean, std []float64, channels int) {
	if mean == nil {
		return
	}
	plane := len(img) / channels
	for ch := range channels {
		m, inv := float32(mean[ch]), float32(1/std[ch])
		px := img[ch*plane : (ch+1)*plane]
		for i := range px {
			px[i] = (px[i] - m) * inv
		}
	}
}

// Rotate90 writes src (c planes of n×n) turned k quarter turns counter-clockwise into dst,
// as torch.rot90(x, k, dims=(H, W)) does.
func Rotate90(dst, src []float32, c, n, k int) {
	plane := n * n
	for ch := range c {
		s, d := src[ch*plane:(ch+1)*plane], dst[ch*plane:(ch+1)*plane]
		for i := range n {
			for j := range n {
				var si, sj int
				switch k % 4 {
				case 0:
					si, sj = i, j
				case 1:
					si, sj = j, n-1-i
				case 2:
					si, sj = n-1-i, n-1-j
				case 3:
					si, sj = n-1-j, i
				}
				d[i*n+j] = s[si*n+sj]
			}
		}
	}
}

// rotate writes src (c planes of h×w) rotated deg degrees counter-clockwise about the image centre into dst,
// sampling bilinearly and filling with zero outside the source. At deg = 90 it agrees with Rotate90(k=1).
// pad is scratch of c planes of (h+2)×(w+2) whose one-pixel border is zero (as allocated): src is copied
// into its interior, so every sample needs one range test instead of four bounds checks.
func rotate(dst, src, pad []float32, c, h, w int, deg float64) {
	pw, pplane, plane := w+2, (h+2)*(w+2), h*w
	for ch := range c {
		for y := range h {
			copy(pad[ch*pplane+(y+1)*pw+1:], src[ch*plane+y*w:ch*plane+(y+1)*w])
		}
	}
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	for y := range h {
		dy := float64(y) - cy
		for x := range w {
			dx := float64(x) - cx
			// The source point, shifted by one into pad's coordinates.
			px, py := cx+cos*dx-sin*dy+1, cy+sin*dx+cos*dy+1
			if px < 0 || py < 0 || px >= float64(w+1) || py >= float64(h+1) {
				for ch := range c {
					dst[ch*plane+y*w+x] = 0
				}
				continue
			}
			ix, iy := int(px), int(py) // floor, as px, py ≥ 0
			fx, fy := float32(px-float64(ix)), float32(py-float64(iy))
			for ch := range c {
				p := pad[ch*pplane+iy*pw+ix:]
				dst[ch*plane+y*w+x] = (1-fy)*((1-fx)*p[0]+fx*p[1]) + fy*((1-fx)*p[pw]+fx*p[pw+1])
			}
		}
	}
}
