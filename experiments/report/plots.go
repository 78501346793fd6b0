package report

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/relnet/relnet/experiments/report/figure"
	"github.com/relnet/relnet/experiments/results"
)

// PlotFormats are the files written for every plot; report.md shows the first.
var PlotFormats = figure.Formats

// floorStyle draws the pixel floor, and the zero of a forest plot, as a dashed black line.
var floorStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}

const floorLabel = "pixel floor (test episodes)"

// namedPlot is one of the report's plots, drawn when asked.
type namedPlot struct {
	name string
	make func() (*figure.Figure, error)
}

// plots lists the report's plots: final accuracy per group (bars with 95% CI whiskers),
// validation accuracy per group, the paired differences when there is a baseline, the
// pretraining stage's validation per group where rows pretrained, training loss against
// training episodes (one curve per row, seeds averaged), and per group the confusion matrix
// of the run best in it, where its eval.json records one.
func (r *Report) plots() []namedPlot {
	if len(r.Groups) == 0 {
		return nil
	}
	plots := []namedPlot{{"accuracy", r.accuracyPlot}}
	for g, group := range r.Groups {
		if group == results.JointGroup || r.crossDomain(g) { // validation scores each group alone, on the run's own set
			continue
		}
		plots = append(plots, namedPlot{"validation-" + group, func() (*figure.Figure, error) { return r.validationPlot(g) }})
	}
	for g, group := range r.Groups {
		if slices.ContainsFunc(r.Rows, func(row *Row) bool { return len(row.Cells) > 0 && row.Cells[g].Delta != nil }) {
			plots = append(plots, namedPlot{"difference-" + group, func() (*figure.Figure, error) { return r.deltaPlot(g) }})
		}
	}
	for g, group := range r.Groups {
		if r.pretrained(group) {
			plots = append(plots, namedPlot{"pretraining-" + group, func() (*figure.Figure, error) { return r.pretrainingPlot(g) }})
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
		return f.Encode(ext)
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
		if err := f.Save(filepath.Join(dir, p.name)); err != nil {
			return nil, fmt.Errorf("plot %s: %w", p.name, err)
		}
		out = append(out, filepath.Join(dir, p.name+PlotFormats[0]))
	}
	return out, nil
}

// accuracyPlot is a grouped bar chart: one cluster per group, one bar per row with whiskers at
// the 95% CI, and the pixel floor as a dashed line across each cluster.
func (r *Report) accuracyPlot() (*figure.Figure, error) {
	f := figure.New("test accuracy (95% CI)", "", "accuracy (%)")
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
			if !c.Scored() {
				continue
			}
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
		poly.Color, poly.LineStyle.Width = figure.RowColor(i), 0
		whiskers, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{tops, errs})
		if err != nil {
			return nil, err
		}
		whiskers.LineStyle.Width, whiskers.CapWidth = vg.Points(0.6), vg.Points(2.5)
		f.Add(poly, whiskers)
		f.AddLegend(r.Rows[i].Label, poly)
	}
	for g, fl := range r.Floor {
		line, err := plotter.NewLine(plotter.XYs{{X: float64(g) - 0.45, Y: 100 * fl.Mean}, {X: float64(g) + 0.45, Y: 100 * fl.Mean}})
		if err != nil {
			return nil, err
		}
		line.LineStyle = floorStyle
		f.Add(line)
		if g == 0 {
			f.AddLegend(floorLabel, line)
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
func (r *Report) deltaPlot(g int) (*figure.Figure, error) {
	f := figure.New("difference to the baseline: "+r.Groups[g]+" (95% CI)", "points", "")
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
		labels, colors = append(labels, row.Label), append(colors, figure.RowColor(i))
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
	f.Height = max(figure.Height, vg.Points(9)*vg.Length(n)+vg.Inch)
	return f, nil
}

// validationPlot is the validation accuracy of group g against training episodes, each
// curve with its 95% CI as a band where the runs recorded it, and the pixel floor.
func (r *Report) validationPlot(g int) (*figure.Figure, error) {
	group := r.Groups[g]
	f := figure.New("validation accuracy: "+group, "training episode", "accuracy (%)")
	f.X.Tick.Marker = figure.EpisodeTicks{}
	value := func(rec results.Record) (float64, bool) {
		if rec.Kind != "val" || rec.Pretraining() {
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
			c := color.RGBAModel.Convert(figure.RowColor(i)).(color.RGBA)
			poly.Color, poly.LineStyle.Width = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 56}, 0
			f.Add(poly)
		}
		if err := f.AddCurve(i, row.Label, xs, ys); err != nil {
			return nil, err
		}
	}
	if f.LegendEntries() > 0 && g < len(r.Floor) {
		line, err := plotter.NewLine(plotter.XYs{{X: f.X.Min, Y: 100 * r.Floor[g].Mean}, {X: f.X.Max, Y: 100 * r.Floor[g].Mean}})
		if err != nil {
			return nil, err
		}
		line.LineStyle = floorStyle
		f.Add(line)
		f.AddLegend(floorLabel, line)
	}
	pad := (f.Y.Max - f.Y.Min) / 20 // keep the top curve off the title and the floor off the axis
	f.Y.Min, f.Y.Max = max(f.Y.Min-pad, 0), min(f.Y.Max+pad, 100)
	return f, nil
}

// pretrainingValue is a pretraining record's nearest-centroid validation accuracy of group,
// in percent.
func pretrainingValue(group string) func(results.Record) (float64, bool) {
	return func(rec results.Record) (float64, bool) {
		v, ok := rec.ValGroups[group]
		return 100 * v, ok && rec.Kind == "val" && rec.Pretraining()
	}
}

// pretrained reports whether some row's runs validated group during a [pretrain] stage.
func (r *Report) pretrained(group string) bool {
	return slices.ContainsFunc(r.Rows, func(row *Row) bool {
		xs, _ := meanCurve(row.Metrics, pretrainingValue(group))
		return len(xs) > 0
	})
}

// pretrainingPlot is the nearest-centroid validation accuracy of group g after each epoch of
// the [pretrain] stage: one curve per pretraining, labelled by the first row that used it and
// the number of rows that share it (every run of a seed with the same [pretrain] table and data
// shares one).
func (r *Report) pretrainingPlot(g int) (*figure.Figure, error) {
	group := r.Groups[g]
	f := figure.New("pretraining: nearest-centroid validation accuracy: "+group, "pretraining epoch", "accuracy (%)")
	type curve struct {
		row    int
		xs, ys []float64
		rows   int
	}
	var curves []*curve
	for i, row := range r.Rows {
		xs, ys := meanCurve(row.Metrics, pretrainingValue(group))
		if len(xs) == 0 {
			continue
		}
		k := slices.IndexFunc(curves, func(c *curve) bool { return slices.Equal(c.xs, xs) && slices.Equal(c.ys, ys) })
		if k >= 0 {
			curves[k].rows++
			continue
		}
		curves = append(curves, &curve{row: i, xs: xs, ys: ys, rows: 1})
	}
	for _, c := range curves {
		label := r.Rows[c.row].Label
		if c.rows > 1 {
			label += fmt.Sprintf(" (+%d rows sharing it)", c.rows-1)
		}
		if err := f.AddCurve(c.row, label, c.xs, c.ys); err != nil {
			return nil, err
		}
	}
	pad := (f.Y.Max - f.Y.Min) / 20
	f.Y.Min, f.Y.Max = max(f.Y.Min-pad, 0), min(f.Y.Max+pad, 100)
	return f, nil
}

// lossPlot is the training loss against training episodes, on a log scale when the losses
// span a decade or more (a first window's loss would otherwise flatten every other point).
func (r *Report) lossPlot() (*figure.Figure, error) {
	f := figure.New("training loss (mean over each logging window)", "training episode", "loss")
	f.X.Tick.Marker = figure.EpisodeTicks{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, row := range r.Rows {
		if len(row.Metrics) == 0 {
			continue
		}
		xs, ys := meanCurve(row.Metrics, func(rec results.Record) (float64, bool) { return rec.Loss, rec.Kind == "train" && !rec.Pretraining() })
		if err := f.AddCurve(i, row.Label, xs, ys); err != nil {
			return nil, err
		}
		for _, y := range ys {
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	if lo > 0 && hi >= 10*lo {
		f.Y.Scale, f.Y.Tick.Marker = plot.LogScale{}, figure.LogTicks{}
		f.Y.Label.Text = "loss (log scale)"
	}
	return f, nil
}
