package report

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/relnet/relnet/experiments/results"
)

// Plot size in the report.
const plotWidth, plotHeight = 6 * vg.Inch, 4 * vg.Inch

// writePlots draws the report's plots into dir as PNG and SVG and returns the PNG paths:
// final accuracy per group (bars with 95% CI whiskers), validation accuracy per group and
// training loss against training episodes (one line per row, seeds averaged).
func (r *Report) writePlots(dir string) ([]string, error) {
	if len(r.Groups) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	type namedPlot struct {
		name string
		make func() (*plot.Plot, error)
	}
	plots := []namedPlot{{"accuracy", r.accuracyPlot}}
	for _, g := range r.Groups {
		if g == results.JointGroup { // validation scores each group alone
			continue
		}
		plots = append(plots, namedPlot{"validation-" + g, func() (*plot.Plot, error) { return r.validationPlot(g) }})
	}
	plots = append(plots, namedPlot{"loss", r.lossPlot})
	var out []string
	for _, p := range plots {
		pl, err := p.make()
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", p.name, err)
		}
		for _, ext := range []string{".png", ".svg"} {
			path := filepath.Join(dir, p.name+ext)
			if err := pl.Save(plotWidth, plotHeight, path); err != nil {
				return nil, err
			}
		}
		out = append(out, filepath.Join(dir, p.name+".png"))
	}
	return out, nil
}

// accuracyPlot is a grouped bar chart: one cluster per group, one bar per row (and the pixel
// floor), whiskers at the 95% CI.
func (r *Report) accuracyPlot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = r.Experiment + ": test accuracy (95% CI)"
	p.Y.Label.Text = "accuracy (%)"
	type series struct {
		label string
		cells []results.Summary
		color color.Color
	}
	var all []series
	for i, row := range r.Rows {
		if len(row.Cells) == 0 {
			continue
		}
		s := series{label: row.Label, color: plotutil.Color(i)}
		for _, c := range row.Cells {
			s.cells = append(s.cells, c.Summary)
		}
		all = append(all, s)
	}
	all = append(all, series{label: "pixel floor", cells: r.Floor, color: color.Gray{Y: 160}})
	const cluster = 0.8 // share of a group's unit width taken by its bars
	width := cluster / float64(len(all))
	for i, s := range all {
		var errs plotter.XYs
		var yerr plotter.YErrors
		var bars []plotter.XYer
		for g, c := range s.cells {
			x := float64(g) - cluster/2 + (float64(i)+0.5)*width
			y := 100 * c.Mean
			bars = append(bars, plotter.XYs{{X: x - width/2, Y: 0}, {X: x + width/2, Y: 0}, {X: x + width/2, Y: y}, {X: x - width/2, Y: y}})
			errs = append(errs, plotter.XY{X: x, Y: y})
			yerr = append(yerr, struct{ Low, High float64 }{100 * c.CI95, 100 * c.CI95})
		}
		poly, err := plotter.NewPolygon(bars...)
		if err != nil {
			return nil, err
		}
		poly.Color, poly.LineStyle.Width = s.color, 0
		whiskers, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{errs, yerr})
		if err != nil {
			return nil, err
		}
		p.Add(poly, whiskers)
		p.Legend.Add(s.label, poly)
	}
	p.Y.Min, p.Y.Max = 0, 100+7*float64(len(all)) // headroom for the legend
	p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"}, {Value: 75, Label: "75"}, {Value: 100, Label: "100"}}
	p.NominalX(r.Groups...)
	p.X.Min, p.X.Max = -0.5, float64(len(r.Groups))-0.5
	p.Legend.Top = true
	return p, nil
}

// validationPlot is the validation accuracy of one group against training episodes.
func (r *Report) validationPlot(group string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = r.Experiment + ": validation accuracy, " + group
	p.X.Label.Text = "training episode"
	p.Y.Label.Text = "accuracy (%)"
	err := r.addCurves(p, func(rec results.Record) (float64, bool) {
		if rec.Kind != "val" {
			return 0, false
		}
		if v, ok := rec.ValGroups[group]; ok {
			return 100 * v, true
		}
		return 100 * rec.ValAcc, len(r.Groups) == 1
	})
	p.Legend.Top = false
	return p, err
}

// lossPlot is the training loss against training episodes.
func (r *Report) lossPlot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = r.Experiment + ": training loss"
	p.X.Label.Text = "training episode"
	p.Y.Label.Text = "loss (mean over the logging window)"
	err := r.addCurves(p, func(rec results.Record) (float64, bool) { return rec.Loss, rec.Kind == "train" })
	p.Legend.Top = true
	return p, err
}

// addCurves draws one line per row: value at each logged episode, averaged over seeds.
func (r *Report) addCurves(p *plot.Plot, value func(results.Record) (float64, bool)) error {
	for i, row := range r.Rows {
		if len(row.Metrics) == 0 {
			continue
		}
		xs, ys := meanCurve(row.Metrics, value)
		pts := make(plotter.XYs, len(xs))
		for k := range xs {
			pts[k] = plotter.XY{X: xs[k], Y: ys[k]}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(1.5)
		line.Dashes = plotutil.Dashes(0)
		p.Add(line)
		p.Legend.Add(row.Label, line)
	}
	p.Add(plotter.NewGrid())
	p.Legend.ThumbnailWidth = 0.4 * vg.Inch
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	return nil
}
