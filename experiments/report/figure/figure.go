package figure

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/relnet/relnet/internal/atomicfile"
)

// Figure size: one column of a two-column paper (PageWidth: the whole page), fonts in points
// at that size, PNGs at DPI.
const (
	Width     = 3.5 * vg.Inch
	Height    = 2.6 * vg.Inch
	PageWidth = 7 * vg.Inch
	DPI       = 300
	TickSize  = 7 // the tick labels' font size, in points

	titleSize  = 8
	labelSize  = 8
	legendSize = 7
)

// Formats are the file extensions Encode draws and Save writes, the first the one a report
// shows.
var Formats = []string{".png", ".svg", ".pdf"}

// legendGap separates legend columns, wide enough that a viewer substituting a wider font
// for the SVG's Liberation Serif does not run one column into the next.
const legendGap vg.Length = 12

// Figure is a plot whose legend is drawn below its axes, never over the data.
type Figure struct {
	*plot.Plot
	Height vg.Length // 0: Height
	Width  vg.Length // 0: Width
	legend []legendEntry
}

type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// New is a figure with a light grid behind its data.
func New(title, xLabel, yLabel string) *Figure {
	f := NewBare(title, xLabel, yLabel)
	f.Add(&plotter.Grid{Horizontal: draw.LineStyle{Color: color.Gray{Y: 225}, Width: vg.Points(0.4)}})
	return f
}

// NewBare is a figure with the paper's fonts and round ticks on both axes and nothing drawn
// yet.
func NewBare(title, xLabel, yLabel string) *Figure {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, yLabel
	p.Title.TextStyle.Font.Size = titleSize
	p.Title.Padding = vg.Points(3)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = labelSize
		a.Tick.Label.Font.Size = TickSize
		a.Tick.Marker = cleanTicks{}
		a.Padding = vg.Points(2)
	}
	return &Figure{Plot: p}
}

// AddLegend adds an entry to the legend below the axes, in the order added.
func (f *Figure) AddLegend(name string, thumbs ...plot.Thumbnailer) {
	f.legend = append(f.legend, legendEntry{name, thumbs})
}

// LegendEntries is the number of entries in the legend.
func (f *Figure) LegendEntries() int { return len(f.legend) }

// columns lays the legend out in rows, read left to right, in the most columns that fit
// c's width side by side.
func (f *Figure) columns(c draw.Canvas) []plot.Legend {
	for n := len(f.legend); n >= 1; n-- {
		var cols []plot.Legend
		var width vg.Length
		for j := range n {
			l := plot.NewLegend()
			l.TextStyle.Font = font.From(plot.DefaultFont, legendSize)
			l.Left, l.Top = true, true
			l.ThumbnailWidth = vg.Points(18)
			l.Padding = vg.Points(1)
			for k := j; k < len(f.legend); k += n {
				l.Add(f.legend[k].name, f.legend[k].thumbs...)
			}
			width += l.Rectangle(c).Size().X + legendGap
			cols = append(cols, l)
		}
		if width-legendGap <= c.Size().X || n == 1 {
			return cols
		}
	}
	return nil
}

// draw draws the plot above its legend on c.
func (f *Figure) draw(c draw.Canvas) {
	pad := vg.Points(4)
	c = draw.Crop(c, pad, -pad, pad, -pad)
	cols := f.columns(c)
	var height, width vg.Length
	for i := range cols {
		r := cols[i].Rectangle(c)
		height = max(height, r.Size().Y)
		width += r.Size().X
	}
	width += legendGap * vg.Length(max(len(cols)-1, 0))
	if len(cols) > 0 {
		height += vg.Points(6)
	}
	f.Plot.Draw(draw.Crop(c, 0, 0, height, 0))
	x := c.Center().X - width/2
	for i := range cols {
		w := cols[i].Rectangle(c).Size().X
		cols[i].Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: c.Min.Y}, Max: vg.Point{X: x + w, Y: c.Min.Y + height}}})
		x += w + legendGap
	}
}

// Encode draws the figure in the format of ext, one of Formats: PNG at DPI, SVG, PDF.
func (f *Figure) Encode(ext string) ([]byte, error) {
	height, width := cmp.Or(f.Height, Height), cmp.Or(f.Width, Width)
	var c vg.CanvasWriterTo
	switch ext {
	case ".png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI))}
	case ".svg":
		c = vgsvg.New(width, height)
	case ".pdf":
		c = vgpdf.New(width, height)
	default:
		return nil, fmt.Errorf("no plot format %q", ext)
	}
	f.draw(draw.New(c))
	var b bytes.Buffer
	_, err := c.WriteTo(&b)
	return b.Bytes(), err
}

// Save writes the figure to base plus each of Formats, each file atomically.
func (f *Figure) Save(base string) error {
	for _, ext := range Formats {
		data, err := f.Encode(ext)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(base+ext, data); err != nil {
			return err
		}
	}
	return nil
}

// AddCurve draws row i's curve through (xs[k], ys[k]) in the row's style (RowColor, dashes
// and marker), with a marker at no more than 10 of its points, and adds it to the legend as
// label. Without points it draws nothing.
func (f *Figure) AddCurve(i int, label string, xs, ys []float64) error {
	if len(xs) == 0 {
		return nil
	}
	pts := make(plotter.XYs, len(xs))
	for k := range xs {
		pts[k] = plotter.XY{X: xs[k], Y: ys[k]}
	}
	var marks plotter.XYs
	step := (len(pts) + 9) / 10
	for k := 0; k < len(pts); k += step {
		marks = append(marks, pts[k])
	}
	line, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	dots, err := plotter.NewScatter(marks)
	if err != nil {
		return err
	}
	s := styleOf(i)
	line.Color, line.Width, line.Dashes = s.color, vg.Points(1), s.dashes
	dots.GlyphStyle = draw.GlyphStyle{Color: s.color, Radius: vg.Points(2), Shape: s.glyph}
	f.Add(line, dots)
	f.AddLegend(label, line, dots)
	return nil
}
