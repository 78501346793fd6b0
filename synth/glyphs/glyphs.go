// Package glyphs writes an Omniglot-like set for true few-shot work: many classes (characters
// of invented alphabets), few images each (one per "drawer"), in Omniglot's folder layout
// root/<alphabet>/<character>/<drawer>.png. A character is two to four pen strokes (quadratic
// Bézier curves) drawn in its alphabet's style (stroke width, curvature); each drawer draws
// it with a shaky hand: control points jittered, a slightly different pen, a small rotation,
// scale and shift. Dark strokes on white, 8-bit grey.
//
// Invariants: the files depend only on the Config (every random draw comes from a PCG stream
// seeded by the Config's seed and the alphabet, character and drawer), and a complete set is
// renamed into place, so a reader never sees half of one.
package glyphs

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
)

// Config sizes the set. Zero fields take the defaults.
type Config struct {
	Alphabets  int    `json:"alphabets"`  // default 20
	Characters int    `json:"characters"` // per alphabet; default 15
	Drawers    int    `json:"drawers"`    // images per character; default 20 (as Omniglot)
	Size       int    `json:"size"`       // side in pixels; default 28
	Seed       uint64 `json:"seed"`       // default 1
}

// WithDefaults fills zero fields.
func (c Config) WithDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Alphabets, 20)
	def(&c.Characters, 15)
	def(&c.Drawers, 20)
	def(&c.Size, 28)
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

// Validate reports a size that cannot make a set.
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Alphabets < 1 || c.Characters < 1 || c.Drawers < 1:
		return fmt.Errorf("glyphs: alphabets, characters and drawers must be ≥ 1, got %d, %d, %d", c.Alphabets, c.Characters, c.Drawers)
	case c.Size < 12 || c.Size > 512:
		return fmt.Errorf("glyphs: size %d: want 12 to 512 pixels", c.Size)
	}
	return nil
}

// ConfigFile, in the set's root, holds the resolved Config it was made with.
const ConfigFile = "glyphs.json"

// Generate writes the set into out unless an identical one is there, and returns the number
// of images in it.
func Generate(cfg Config, out string) (int, error) {
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	cfg = cfg.WithDefaults()
	n := cfg.Alphabets * cfg.Characters * cfg.Drawers
	if generated(out, cfg) {
		return n, nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".glyphs-*")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	for a := range cfg.Alphabets {
		style := newStyle(cfg.Seed, a)
		for c := range cfg.Characters {
			char := style.character(rng(cfg.Seed, a, c, -1))
			dir := filepath.Join(tmp, fmt.Sprintf("alphabet%02d", a), fmt.Sprintf("character%02d", c))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return 0, err
			}
			for d := range cfg.Drawers {
				img := char.draw(rng(cfg.Seed, a, c, d), cfg.Size)
				if err := writePNG(filepath.Join(dir, fmt.Sprintf("drawer%02d.png", d)), img); err != nil {
					return 0, err
				}
			}
		}
	}
	text, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, ConfigFile), text, 0o644); err != nil {
		return 0, err
	}
	if err := os.RemoveAll(out); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, out); err != nil && !errors.Is(err, os.ErrExist) {
		return 0, fmt.Errorf("glyphs: %w", err)
	}
	return n, nil
}

// generated reports whether dir holds the set cfg describes.
func generated(dir string, cfg Config) bool {
	text, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	var prev Config
	return err == nil && json.Unmarshal(text, &prev) == nil && reflect.DeepEqual(prev, cfg)
}

func rng(seed uint64, a, c, d int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(a)<<40|uint64(c+1)<<20|uint64(d+1)))
}

// style is an alphabet's hand: how many strokes, how wide and how curved.
type style struct {
	minStrokes, maxStrokes int
	width, curve           float64
}

func newStyle(seed uint64, a int) style {
	r := rng(seed, a, -1, -1)
	lo := 2 + r.IntN(2)
	return style{minStrokes: lo, maxStrokes: lo + r.IntN(2), width: 0.04 + 0.03*r.Float64(), curve: 0.1 + 0.4*r.Float64()}
}

// stroke is a quadratic Bézier curve in the unit square.
type stroke struct{ p [3][2]float64 }

type character struct {
	strokes []stroke
	width   float64 // pen radius, as a share of the side
}

func (s style) character(r *rand.Rand) character {
	n := s.minStrokes + r.IntN(s.maxStrokes-s.minStrokes+1)
	ch := character{width: s.width}
	for range n {
		var st stroke
		for k := 0; k < 3; k += 2 {
			st.p[k] = [2]float64{0.15 + 0.7*r.Float64(), 0.15 + 0.7*r.Float64()}
		}
		mid := [2]float64{(st.p[0][0] + st.p[2][0]) / 2, (st.p[0][1] + st.p[2][1]) / 2}
		st.p[1] = [2]float64{mid[0] + s.curve*r.NormFloat64(), mid[1] + s.curve*r.NormFloat64()}
		ch.strokes = append(ch.strokes, st)
	}
	return ch
}

// draw renders one drawer's version of the character on a size×size canvas.
func (ch character) draw(r *rand.Rand, size int) *image.Gray {
	angle := (r.Float64()*2 - 1) * 8 * math.Pi / 180
	scale := 0.9 + 0.2*r.Float64()
	dx, dy := (r.Float64()*2-1)*0.05, (r.Float64()*2-1)*0.05
	cos, sin := math.Cos(angle)*scale, math.Sin(angle)*scale
	pen := ch.width * (0.8 + 0.4*r.Float64()) * float64(size)
	ink := make([]float64, size*size)
	for _, st := range ch.strokes {
		var p [3][2]float64
		for k := range p {
			x, y := st.p[k][0]-0.5+0.02*r.NormFloat64(), st.p[k][1]-0.5+0.02*r.NormFloat64()
			p[k] = [2]float64{(cos*x - sin*y + 0.5 + dx) * float64(size), (sin*x + cos*y + 0.5 + dy) * float64(size)}
		}
		for i := 0; i <= 48; i++ {
			t := float64(i) / 48
			x := (1-t)*(1-t)*p[0][0] + 2*(1-t)*t*p[1][0] + t*t*p[2][0]
			y := (1-t)*(1-t)*p[0][1] + 2*(1-t)*t*p[1][1] + t*t*p[2][1]
			dab(ink, size, x, y, pen)
		}
	}
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i, v := range ink {
		img.Pix[i] = uint8(255 - math.Round(255*v))
	}
	return img
}

// dab inks a disc of radius r at (x, y), anti-aliased over one pixel.
func dab(ink []float64, size int, x, y, r float64) {
	for py := max(0, int(y-r-1)); py <= min(size-1, int(y+r+1)); py++ {
		for px := max(0, int(x-r-1)); px <= min(size-1, int(x+r+1)); px++ {
			d := math.Hypot(float64(px)+0.5-x, float64(py)+0.5-y)
			v := math.Min(1, math.Max(0, r+0.5-d))
			ink[py*size+px] = math.Max(ink[py*size+px], v)
		}
	}
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
