package figure

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// rowColors are the Okabe–Ito colour-blind-safe palette, black left out for reference lines,
// then four darker colours of Paul Tol's muted scheme for the eighth to eleventh rows.
var rowColors = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // blue
	color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // orange
	color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	color.RGBA{0xF0, 0xE4, 0x42, 0xFF}, // yellow
	color.RGBA{0x88, 0x22, 0x55, 0xFF}, // wine
	color.RGBA{0x33, 0x22, 0x88, 0xFF}, // indigo
	color.RGBA{0x99, 0x99, 0x33, 0xFF}, // olive
	color.RGBA{0x44, 0xAA, 0x99, 0xFF}, // teal
}

var (
	variantDashes = [][]vg.Length{nil, {vg.Points(4), vg.Points(1.5)}, {vg.Points(1), vg.Points(1)}, {vg.Points(4), vg.Points(1.5), vg.Points(1), vg.Points(1.5)}}
	variantGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PlusGlyph{}}
)

// rowStyle is the look of the i-th row in every figure: colour, dashes and marker.
type rowStyle struct {
	color  color.Color
	dashes []vg.Length
	glyph  draw.GlyphDrawer
}

func styleOf(i int) rowStyle {
	return rowStyle{rowColors[i%len(rowColors)], variantDashes[i%len(variantDashes)], variantGlyphs[i%len(variantGlyphs)]}
}

// RowColor is the colour of the i-th row in every figure (AddCurve's, and bars and dots
// drawn in it), from rowColors, repeating after eleven rows.
func RowColor(i int) color.Color { return styleOf(i).color }

// CSS writes c as a CSS colour ("#0072b2"), its alpha left out.
func CSS(c color.Color) string {
	rgba := color.RGBAModel.Convert(c).(color.RGBA)
	return fmt.Sprintf("#%02x%02x%02x", rgba.R, rgba.G, rgba.B)
}

// SharePalette runs in 101 steps from white (a share of 0) to the first row's blue (a share
// of 1): the shades of a heat map of shares.
type SharePalette struct{}

// Colors are the palette's 101 shades, the k-th for a share of k/100.
func (SharePalette) Colors() []color.Color {
	blue := color.RGBAModel.Convert(rowColors[0]).(color.RGBA)
	out := make([]color.Color, 101)
	for i := range out {
		v := float64(i) / 100
		mix := func(c uint8) uint8 { return uint8(math.Round(255 - v*(255-float64(c)))) }
		out[i] = color.RGBA{R: mix(blue.R), G: mix(blue.G), B: mix(blue.B), A: 0xFF}
	}
	return out
}

// ShareColor is SharePalette's shade for share (0–1, clamped), rounded to the nearest step.
func ShareColor(share float64) color.Color {
	return SharePalette{}.Colors()[int(math.Round(100*min(max(share, 0), 1)))]
}

// Swatch is a legend thumbnail filled with one colour, outlined in grey.
type Swatch struct{ color.Color }

// Thumbnail draws the swatch on c.
func (s Swatch) Thumbnail(c *draw.Canvas) {
	box := c.ClipPolygonXY(boxOf(c.Rectangle))
	c.FillPolygon(s.Color, box)
	c.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 150}, Width: vg.Points(0.4)}, append(box, box[0]))
}

func boxOf(r vg.Rectangle) []vg.Point {
	return []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}}
}
