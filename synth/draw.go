package synth

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/relnet/relnet/datasets"
)

// Drawing constants.
const (
	background = 40   // 8-bit grey of the canvas under the clutter
	darkShade  = 0.45 // pattern marks are the garment colour times darkShade
	maxFill    = 0.85 // a scaled silhouette's side is at most maxFill × Size
	maskLevel  = 0.05 // grey levels above this count as garment when normalising the mask
)

// sample is what image i shows: indices into Config.Categories, Colors and Patterns, and the
// training image whose silhouette it uses.
type sample struct{ category, color, pattern, silhouette int }

// plan is a resolved, validated Config bound to the silhouettes; it draws any image by index
// and is read-only, so workers share it.
type plan struct {
	cfg              Config
	colorP, patternP [][]float64 // per category index: P(value | category) in configured order
	rgb              [][3]float64
	pools            [][]int // per category index: training images of that class, ascending
	silhouettes      *datasets.Images
}

// newPlan binds cfg (resolved and valid) to the Fashion-MNIST training set.
func newPlan(cfg Config, train *datasets.Images) (*plan, error) {
	name := train.Name
	if train.Channels != 1 || train.Height > cfg.Size || train.Width > cfg.Size {
		return nil, fmt.Errorf("%s: silhouettes are %d×%d×%d, want 1 channel and at most synth.size = %d pixels a side",
			name, train.Channels, train.Height, train.Width, cfg.Size)
	}
	p := &plan{cfg: cfg, silhouettes: train}
	for _, id := range cfg.Categories {
		if id >= len(train.ClassNames) || categoryLabel(train.ClassNames[id]) != categoryNames[id] {
			return nil, fmt.Errorf("%s: class %d is not Fashion-MNIST's %q (class names %q)", name, id, categoryNames[id], train.ClassNames)
		}
		var pool []int
		for i, l := range train.Labels {
			if l == id {
				pool = append(pool, i)
			}
		}
		if len(pool) == 0 {
			return nil, fmt.Errorf("%s: no image of class %d (%s) to take a silhouette from", name, id, categoryNames[id])
		}
		p.pools = append(p.pools, pool)
		p.colorP = append(p.colorP, cfg.distribution(categoryNames[id], GroupColor))
		p.patternP = append(p.patternP, cfg.distribution(categoryNames[id], GroupPattern))
	}
	for _, c := range cfg.Colors {
		rgb, _ := colorRGB(c)
		p.rgb = append(p.rgb, [3]float64{float64(rgb[0]) / 255, float64(rgb[1]) / 255, float64(rgb[2]) / 255})
	}
	return p, nil
}

// imageRNG is image i's random stream; seeds are mixed so neighbouring indices share nothing.
func imageRNG(seed uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(splitmix(seed), splitmix(uint64(i)^0x243f6a8885a308d3)))
}

// splitmix is the SplitMix64 finaliser, a bijective 64-bit mix.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// pick draws an index with probabilities p (summing to 1); it never returns a zero-probability index.
func pick(rng *rand.Rand, p []float64) int {
	u := rng.Float64()
	last := 0
	for k, pk := range p {
		if pk <= 0 {
			continue
		}
		if u < pk {
			return k
		}
		u -= pk
		last = k
	}
	return last
}

// draw renders image i. It also returns the garment mask (Size×Size, row-major, in [0, 1]).
func (p *plan) draw(i int) (sample, *image.RGBA, []float64) {
	rng := imageRNG(p.cfg.Seed, i)
	var s sample
	s.category = rng.IntN(len(p.cfg.Categories))
	s.color = pick(rng, p.colorP[s.category])
	s.pattern = pick(rng, p.patternP[s.category])
	pool := p.pools[s.category]
	s.silhouette = pool[rng.IntN(len(pool))]

	n := p.cfg.Size
	canvas := make([]float64, 3*n*n) // RGB per pixel, row-major, in [0, 1] before rounding
	for k := range canvas {
		canvas[k] = background / 255.0
	}
	p.clutter(rng, canvas)
	mask, scale := p.place(rng, s.silhouette)
	f := newFill(rng, p.cfg.Patterns[s.pattern], scale)
	col := p.rgb[s.color]
	for y := range n {
		for x := range n {
			m := mask[y*n+x]
			if m == 0 {
				continue
			}
			shade := 1.0
			if f.dark(float64(x)+0.5, float64(y)+0.5) {
				shade = darkShade
			}
			for ch := range 3 {
				k := 3*(y*n+x) + ch
				canvas[k] = m*col[ch]*shade + (1-m)*canvas[k]
			}
		}
	}
	return s, toRGBA(canvas, n), mask
}

// clutter paints the background: round(8·clutter) shapes (rectangles, discs, bars) in the
// configured colours with opacity 0.3 + 0.5·clutter, then uniform noise of ±0.12·clutter.
func (p *plan) clutter(rng *rand.Rand, canvas []float64) {
	c := *p.cfg.Clutter
	n := p.cfg.Size
	side := float64(n)
	alpha := 0.3 + 0.5*c
	for range int(math.Round(8 * c)) {
		col := p.rgb[rng.IntN(len(p.rgb))]
		cx, cy := rng.Float64()*side, rng.Float64()*side
		r := side * (1.0/16 + rng.Float64()*3/16)
		var inside func(x, y float64) bool
		switch rng.IntN(3) {
		case 0: // rectangle
			ry := r * (0.5 + rng.Float64())
			inside = func(x, y float64) bool { return math.Abs(x-cx) <= r && math.Abs(y-cy) <= ry }
		case 1: // disc
			inside = func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r }
		default: // bar of random orientation
			sin, cos := math.Sincos(rng.Float64() * math.Pi)
			half := math.Max(0.75, side/32)
			inside = func(x, y float64) bool {
				dx, dy := x-cx, y-cy
				return math.Abs(dx*cos+dy*sin) <= 1.5*r && math.Abs(dy*cos-dx*sin) <= half
			}
		}
		for y := range n {
			for x := range n {
				if !inside(float64(x)+0.5, float64(y)+0.5) {
					continue
				}
				for ch := range 3 {
					k := 3*(y*n+x) + ch
					canvas[k] = alpha*col[ch] + (1-alpha)*canvas[k]
				}
			}
		}
	}
	if amp := 0.12 * c; amp > 0 {
		for k := range canvas {
			canvas[k] += (2*rng.Float64() - 1) * amp
		}
	}
}

// place scales silhouette src by a random factor in [1, max(1, maxFill·Size/side)] (bilinear),
// puts it at a random offset and returns the Size×Size mask and the factor. The mask is the
// grey level divided by the median garment grey level, capped at 1, so the garment is opaque
// however dark the original item was.
func (p *plan) place(rng *rand.Rand, src int) ([]float64, float64) {
	h, w, n := p.silhouettes.Height, p.silhouettes.Width, p.cfg.Size
	maxScale := math.Max(1, maxFill*float64(n)/float64(max(h, w)))
	scale := 1 + rng.Float64()*(maxScale-1)
	ph := min(n, int(math.Round(float64(h)*scale)))
	pw := min(n, int(math.Round(float64(w)*scale)))
	oy, ox := rng.IntN(n-ph+1), rng.IntN(n-pw+1)

	grey := p.silhouettes.Image(src)
	gain := maskGain(grey)
	sy, sx := float64(h)/float64(ph), float64(w)/float64(pw)
	mask := make([]float64, n*n)
	for y := range ph {
		for x := range pw {
			v := bilinear(grey, h, w, (float64(y)+0.5)*sy-0.5, (float64(x)+0.5)*sx-0.5)
			mask[(oy+y)*n+ox+x] = math.Min(1, v*gain)
		}
	}
	return mask, scale
}

// maskGain is 1 over the median of the grey levels above maskLevel (1 if there are none).
func maskGain(grey []float32) float64 {
	var fg []float32
	for _, v := range grey {
		if v > maskLevel {
			fg = append(fg, v)
		}
	}
	if len(fg) == 0 {
		return 1
	}
	slices.Sort(fg)
	return 1 / float64(fg[len(fg)/2])
}

// bilinear samples the h×w grey image at (y, x), clamping at the borders.
func bilinear(grey []float32, h, w int, y, x float64) float64 {
	y = math.Min(math.Max(y, 0), float64(h-1))
	x = math.Min(math.Max(x, 0), float64(w-1))
	y0, x0 := int(y), int(x)
	y1, x1 := min(y0+1, h-1), min(x0+1, w-1)
	fy, fx := y-float64(y0), x-float64(x0)
	at := func(r, c int) float64 { return float64(grey[r*w+c]) }
	return (1-fy)*((1-fx)*at(y0, x0)+fx*at(y0, x1)) + fy*((1-fx)*at(y1, x0)+fx*at(y1, x1))
}

// fill is a garment pattern: which points get the darker shade.
type fill struct {
	pattern                  string
	period, cos, sin, px, py float64
}

// newFill draws a pattern's random period, orientation and phase; lengths grow with scale.
// Stripes have period 4–6 px at any angle, dots period 5–7 px, checks cells of 3–5 px.
func newFill(rng *rand.Rand, pattern string, scale float64) fill {
	f := fill{pattern: pattern}
	switch pattern {
	case "striped":
		f.period = scale * (4 + 2*rng.Float64())
		f.sin, f.cos = math.Sincos(rng.Float64() * math.Pi)
		f.px = rng.Float64() * f.period
	case "dotted":
		f.period = scale * (5 + 2*rng.Float64())
		f.px, f.py = rng.Float64()*f.period, rng.Float64()*f.period
	case "checked":
		f.period = scale * (3 + 2*rng.Float64())
		f.px, f.py = rng.Float64()*f.period, rng.Float64()*f.period
	}
	return f
}

// dark reports whether the point (x, y) of the canvas gets the pattern's darker shade.
func (f fill) dark(x, y float64) bool {
	switch f.pattern {
	case "striped":
		return wrap(x*f.cos+y*f.sin+f.px, f.period) < f.period/2
	case "dotted":
		dx := wrap(x+f.px, f.period) - f.period/2
		dy := wrap(y+f.py, f.period) - f.period/2
		return math.Hypot(dx, dy) < 0.3*f.period
	case "checked":
		return (int(math.Floor((x+f.px)/f.period))+int(math.Floor((y+f.py)/f.period)))%2 != 0
	}
	return false
}

// wrap returns v modulo period, in [0, period).
func wrap(v, period float64) float64 { return v - period*math.Floor(v/period) }

// toRGBA rounds the n×n RGB canvas to an opaque 8-bit image.
func toRGBA(canvas []float64, n int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for px := range n * n {
		for ch := range 3 {
			img.Pix[4*px+ch] = uint8(math.Round(255 * math.Min(math.Max(canvas[3*px+ch], 0), 1)))
		}
		img.Pix[4*px+3] = 255
	}
	return img
}
