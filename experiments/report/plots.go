package report

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/internal/atomicfile"
)

// Figure size: one column of a two-column paper, fonts in points at that size.
const (
	figWidth   = 3.5 * vg.Inch
	figHeight  = 2.6 * vg.Inch
	pngDPI     = 300
	titleSize  = 8
	labelSize  = 8
	tickSize   = 7
	legendSize = 7
)

// PlotFormats are the files written for every plot; report.md shows the first.
var PlotFormats = []string{".png", ".svg", ".pdf"}

// okabeIto is the Okabe–Ito colour-blind-safe palette, black left out for the floor.
var okabeIto = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // blue
	color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // orange
	color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	color.RGBA{0xF0, 0xE4, 0x42, 0xFF}, // yellow
}

var (
	variantDashes = [][]vg.Length{nil, {vg.Points(4), vg.Points(1.5)}, {vg.Points(1), vg.Points(1)}, {vg.Points(4), vg.Points(1.5), vg.Points(1), vg.Points(1.5)}}
	variantGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PlusGlyph{}}
	floorStyle    = draw.LineStyle{Color: color.Black, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
)

const floorLabel = "pixel floor (test episodes)"

// legendGap separates legend columns, wide enough that a viewer substituting a wider font
// for the SVG's Liberation Serif does not run one column into the next.
const legendGap vg.Length = 12

// rowStyle is the look of the report's i-th row in every plot: colour, dashes and marker.
type rowStyle struct {
	color  color.Color
	dashes []vg.Length
	glyph  draw.GlyphDrawer
}

func styleOf(i int) rowStyle {
	return rowStyle{okabeIto[i%len(okabeIto)], variantDashes[i%len(variantDashes)], variantGlyphs[i%len(variantGlyphs)]}
}

// RowColor is the colour of the report's i-th row in every plot, as CSS ("#0072b2"): the
// dashboard draws its live curves in the same colours.
func RowColor(i int) string {
	c := color.RGBAModel.Convert(styleOf(i).color).(color.RGBA)
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

// figure is a plot whose legend is drawn below its axes, never over the data.
type figure struct {
	*plot.Plot
	legend []legendEntry
	height vg.Length // 0: figHeight
	width  vg.Length // 0: figWidth
}

type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// newFigure is a figure with a light grid behind its data.
func newFigure(title, xLabel, yLabel string) *figure {
	f := newBareFigure(title, xLabel, yLabel)
	f.Add(&plotter.Grid{Horizontal: draw.LineStyle{Color: color.Gray{Y: 225}, Width: vg.Points(0.4)}})
	return f
}

// newBareFigure is a figure with the report's fonts and ticks and nothing drawn yet.
func newBareFigure(title, xLabel, yLabel string) *figure {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, yLabel
	p.Title.TextStyle.Font.Size = titleSize
	p.Title.Padding = vg.Points(3)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = labelSize
		a.Tick.Label.Font.Size = tickSize
		a.Tick.Marker = cleanTicks{}
		a.Padding = vg.Points(2)
	}
	return &figure{Plot: p}
}

func (f *figure) addLegend(name string, thumbs ...plot.Thumbnailer) {
	f.legend = append(f.legend, legendEntry{name, thumbs})
}

// columns lays the legend out in rows, read left to right, in the most columns that fit
// c's width side by side.
func (f *figure) columns(c draw.Canvas) []plot.Legend {
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
func (f *figure) draw(c draw.Canvas) {
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

// encode draws the figure in the format of ext, one of PlotFormats: PNG at pngDPI, SVG, PDF.
func (f *figure) encode(ext string) ([]byte, error) {
	figHeight, figWidth := cmp.Or(f.height, figHeight), cmp.Or(f.width, figWidth)
	var c vg.CanvasWriterTo
	switch ext {
	case ".png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(figWidth, figHeight), vgimg.UseDPI(pngDPI))}
	case ".svg":
		c = vgsvg.New(figWidth, figHeight)
	case ".pdf":
		c = vgpdf.New(figWidth, figHeight)
	default:
		return nil, fmt.Errorf("no plot format %q", ext)
	}
	f.draw(draw.New(c))
	var b bytes.Buffer
	_, err := c.WriteTo(&b)
	return b.Bytes(), err
}

// save writes the figure to base plus each of PlotFormats.
func (f *figure) save(base string) error {
	for _, ext := range PlotFormats {
		data, err := f.encode(ext)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(base+ext, data); err != nil {
			return err
		}
	}
	return nil
}

// namedPlot is one of the report's plots, drawn when asked.
type namedPlot struct {
	name string
	make func() (*figure, error)
}

// plots lists the report's plots: final accuracy per group (bars with 95% CI whiskers),
// validation accuracy per group, the paired differences when there is a baseline, training
// loss against training episodes (one curve per row, seeds averaged), and the best run's
// confusion matrix per group where its eval.json records one.
func (r *Report) plots() []namedPlot {
	if len(r.Groups) == 0 {
		return nil
	}
	plots := []namedPlot{{"accuracy", r.accuracyPlot}}
	for g, group := range r.Groups {
		if group == results.JointGroup || crossDomain(group) { // validation scores each group alone, on the run's own set
			continue
		}
		plots = append(plots, namedPlot{"validation-" + group, func() (*figure, error) { return r.validationPlot(g) }})
	}
	if r.HasDeltas() {
		for g, group := range r.Groups {
			plots = append(plots, namedPlot{"difference-" + group, func() (*figure, error) { return r.deltaPlot(g) }})
		}
	}
	plots = append(plots, namedPlot{"loss", r.lossPlot})
	return append(plots, r.confusionPlots()...)
}

// PlotNames names the report's plots, in the order report.md shows them.
func (r *Report) PlotNames() []string {
	var names []string
	for _, p := range r.plots() {
		names = append(names, p.name)
	}
	return names
}

// Plot draws the plot called name (one of PlotNames) in the format of ext (one of
// PlotFormats).
func (r *Report) Plot(name, ext string) ([]byte, error) {
	for _, p := range r.plots() {
		if p.name != name {
			continue
		}
		f, err := p.make()
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", name, err)
		}
		return f.encode(ext)
	}
	return nil, fmt.Errorf("no plot %q", name)
}

// writePlots draws the report's plots into dir in every one of PlotFormats and returns the
// PNG paths.
func (r *Report) writePlots(dir string) ([]string, error) {
	plots := r.plots()
	if len(plots) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range plots {
		f, err := p.make()
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", p.name, err)
		}
		if err := f.save(filepath.Join(dir, p.name)); err != nil {
			return nil, fmt.Errorf("plot %s: %w", p.name, err)
		}
		out = append(out, filepath.Join(dir, p.name+PlotFormats[0]))
	}
	return out, nil
}

// accuracyPlot is a grouped bar chart: one cluster per group, one bar per row with whiskers at
// the 95% CI, and the pixel floor as a dashed line across each cluster.
func (r *Report) accuracyPlot() (*figure, error) {
	f := newFigure("test accuracy (95% CI)", "", "accuracy (%)")
	var rows []int
	for i, row := range r.Rows {
		if len(row.Cells) > 0 {
			rows = append(rows, i)
		}
	}
	const cluster = 0.8 // share of a group's unit width taken by its bars
	width := cluster / float64(max(len(rows), 1))
	for k, i := range rows {
		var tops plotter.XYs
		var errs plotter.YErrors
		var bars []plotter.XYer
		for g, c := range r.Rows[i].Cells {
			x := float64(g) - cluster/2 + (float64(k)+0.5)*width
			y := 100 * c.Mean
			bars = append(bars, plotter.XYs{{X: x - width/2, Y: 0}, {X: x + width/2, Y: 0}, {X: x + width/2, Y: y}, {X: x - width/2, Y: y}})
			tops = append(tops, plotter.XY{X: x, Y: y})
			errs = append(errs, struct{ Low, High float64 }{100 * c.CI95, 100 * c.CI95})
		}
		poly, err := plotter.NewPolygon(bars...)
		if err != nil {
			return nil, err
		}
		poly.Color, poly.LineStyle.Width = styleOf(i).color, 0
		whiskers, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{tops, errs})
		if err != nil {
			return nil, err
		}
		whiskers.LineStyle.Width, whiskers.CapWidth = vg.Points(0.6), vg.Points(2.5)
		f.Add(poly, whiskers)
		f.addLegend(r.Rows[i].Label, poly)
	}
	for g, fl := range r.Floor {
		line, err := plotter.NewLine(plotter.XYs{{X: float64(g) - 0.45, Y: 100 * fl.Mean}, {X: float64(g) + 0.45, Y: 100 * fl.Mean}})
		if err != nil {
			return nil, err
		}
		line.LineStyle = floorStyle
		f.Add(line)
		if g == 0 {
			f.addLegend(floorLabel, line)
		}
	}
	f.Y.Min, f.Y.Max = 0, 100
	f.NominalX(r.Groups...)
	f.X.Min, f.X.Max = -0.5, float64(len(r.Groups))-0.5
	return f, nil
}

// deltaPlot is a forest plot of group g: each compared row's paired difference to its
// baseline with its 95% CI, one line per row from top to bottom in report order, and a
// dashed line at 0. The figure grows with the rows so that their labels stay legible.
func (r *Report) deltaPlot(g int) (*figure, error) {
	f := newFigure("difference to the baseline: "+r.Groups[g]+" (95% CI)", "points", "")
	var labels []string
	var pts plotter.XYs
	var errs plotter.XErrors
	var colors []color.Color
	var lo, hi float64
	for i, row := range r.Rows {
		if len(row.Cells) == 0 || row.Cells[g].Delta == nil {
			continue
		}
		d := row.Cells[g].Delta
		labels, colors = append(labels, row.Label), append(colors, styleOf(i).color)
		pts = append(pts, plotter.XY{X: 100 * d.Mean, Y: float64(len(labels) - 1)})
		errs = append(errs, struct{ Low, High float64 }{100 * d.CI95, 100 * d.CI95})
		lo, hi = min(lo, 100*(d.Mean-d.CI95)), max(hi, 100*(d.Mean+d.CI95))
	}
	n := float64(len(labels))
	for i := range pts { // the first row at the top
		pts[i].Y = n - 1 - pts[i].Y
	}
	slices.Reverse(labels)
	dots, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	dots.GlyphStyle.Shape, dots.GlyphStyle.Radius = draw.CircleGlyph{}, vg.Points(1.8)
	dots.GlyphStyleFunc = func(i int) draw.GlyphStyle { // each row in its colour, as in the other plots
		st := dots.GlyphStyle
		st.Color = colors[i]
		return st
	}
	bars, err := plotter.NewXErrorBars(struct {
		plotter.XYs
		plotter.XErrors
	}{pts, errs})
	if err != nil {
		return nil, err
	}
	bars.LineStyle.Width, bars.CapWidth = vg.Points(0.6), vg.Points(2.5)
	zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: n - 0.5}})
	if err != nil {
		return nil, err
	}
	zero.LineStyle = floorStyle
	f.Add(zero, bars, dots)
	f.NominalY(labels...)
	f.Y.Min, f.Y.Max = -0.5, n-0.5
	pad := 0.05 * (hi - lo)
	f.X.Min, f.X.Max = lo-pad, hi+pad
	f.height = max(figHeight, vg.Points(9)*vg.Length(n)+vg.Inch)
	return f, nil
}

// validationPlot is the validation accuracy of group g against training episodes, each
// curve with its 95% CI as a band where the runs recorded it, and the pixel floor.
func (r *Report) validationPlot(g int) (*figure, error) {
	group := r.Groups[g]
	f := newFigure("validation accuracy: "+group, "training episode", "accuracy (%)")
	f.X.Tick.Marker = episodeTicks{}
	value := func(rec results.Record) (float64, bool) {
		if rec.Kind != "val" {
			return 0, false
		}
		if v, ok := rec.ValGroups[group]; ok {
			return 100 * v, true
		}
		return 100 * rec.ValAcc, len(r.Groups) == 1
	}
	ci := func(rec results.Record) (float64, bool) {
		v, ok := rec.ValCI95[group]
		return 100 * v, ok && rec.Kind == "val" && !rec.Pretraining()
	}
	for i, row := range r.Rows {
		if len(row.Metrics) == 0 {
			continue
		}
		xs, ys := meanCurve(row.Metrics, value)
		if len(xs) == 0 {
			continue
		}
		// With several seeds the band's half-width is the mean of theirs: an upper bound
		// of the CI of their mean, whatever their correlation.
		if cxs, half := meanCurve(row.Metrics, ci); len(cxs) == len(xs) {
			band := make(plotter.XYs, 0, 2*len(xs))
			for k := range xs {
				band = append(band, plotter.XY{X: xs[k], Y: min(ys[k]+half[k], 100)})
			}
			for k := len(xs) - 1; k >= 0; k-- {
				band = append(band, plotter.XY{X: xs[k], Y: max(ys[k]-half[k], 0)})
			}
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, err
			}
			c := color.RGBAModel.Convert(styleOf(i).color).(color.RGBA)
			poly.Color, poly.LineStyle.Width = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 56}, 0
			f.Add(poly)
		}
		if err := f.addCurve(i, row.Label, xs, ys); err != nil {
			return nil, err
		}
	}
	if len(f.legend) > 0 && g < len(r.Floor) {
		line, err := plotter.NewLine(plotter.XYs{{X: f.X.Min, Y: 100 * r.Floor[g].Mean}, {X: f.X.Max, Y: 100 * r.Floor[g].Mean}})
		if err != nil {
			return nil, err
		}
		line.LineStyle = floorStyle
		f.Add(line)
		f.addLegend(floorLabel, line)
	}
	pad := (f.Y.Max - f.Y.Min) / 20 // keep the top curve off the title and the floor off the axis
	f.Y.Min, f.Y.Max = max(f.Y.Min-pad, 0), min(f.Y.Max+pad, 100)
	return f, nil
}

// lossPlot is the training loss against training episodes, on a log scale when the losses
// span a decade or more (a first window's loss would otherwise flatten every other point).
func (r *Report) lossPlot() (*figure, error) {
	f := newFigure("training loss (mean over each logging window)", "training episode", "loss")
	f.X.Tick.Marker = episodeTicks{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, row := range r.Rows {
		if len(row.Metrics) == 0 {
			continue
		}
		xs, ys := meanCurve(row.Metrics, func(rec results.Record) (float64, bool) { return rec.Loss, rec.Kind == "train" && !rec.Pretraining() })
		if err := f.addCurve(i, row.Label, xs, ys); err != nil {
			return nil, err
		}
		for _, y := range ys {
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	if lo > 0 && hi >= 10*lo {
		f.Y.Scale, f.Y.Tick.Marker = plot.LogScale{}, logTicks{}
		f.Y.Label.Text = "loss (log scale)"
	}
	return f, nil
}

// addCurve draws row i's curve in its style, with a marker at no more than 10 of its points.
func (f *figure) addCurve(i int, label string, xs, ys []float64) error {
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
	f.addLegend(label, line, dots)
	return nil
}

// cleanTicks are about five major ticks at a round step (1, 2, 2.5 or 5 × 10^k), labelled
// with the fewest decimals that show every one exactly ("0.5 1.0 1.5", "20 40 60").
type cleanTicks struct{}

func (cleanTicks) Ticks(lo, hi float64) []plot.Tick {
	step := roundStep(hi-lo, 1, 2, 2.5, 5)
	decimals := 0
	for decimals < 6 && math.Abs(step*math.Pow10(decimals)-math.Round(step*math.Pow10(decimals))) > 1e-6 {
		decimals++
	}
	return ticksEvery(lo, hi, step, func(v float64) string { return strconv.FormatFloat(v, 'f', decimals, 64) })
}

// episodeTicks are about five whole-number ticks at a round step, thousands separated
// ("0 1,000 2,000").
type episodeTicks struct{}

func (episodeTicks) Ticks(lo, hi float64) []plot.Tick {
	step := max(roundStep(hi-lo, 1, 2, 5), 1)
	return ticksEvery(lo, hi, step, func(v float64) string { return thousands(int64(math.Round(v))) })
}

// logTicks mark 1, 2 and 5 × 10^k on a log axis, labelling only the powers of ten when the
// axis spans more than two decades.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	labelled := []int{1, 2, 5}
	if hi > 100*lo {
		labelled = []int{1}
	}
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); math.Pow10(e) <= hi; e++ {
		for m := 1; m < 10; m++ {
			v := float64(m) * math.Pow10(e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if slices.Contains(labelled, m) {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// roundStep is the smallest of mults × 10^k that splits span into at most 6 intervals.
func roundStep(span float64, mults ...float64) float64 {
	if span <= 0 {
		return 1
	}
	raw := span / 6
	mag := math.Pow10(int(math.Floor(math.Log10(raw))))
	for _, m := range mults {
		if m*mag >= raw*(1-1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// ticksEvery marks the multiples of step in [lo, hi].
func ticksEvery(lo, hi, step float64, label func(float64) string) []plot.Tick {
	var ticks []plot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label(v)})
	}
	return ticks
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}
