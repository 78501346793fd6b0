package report

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"

	"github.com/relnet/relnet/experiments/report/figure"
	"github.com/relnet/relnet/experiments/results"
)

// Confusion matrices: class names on the axes up to maxNamedClasses classes, the count in
// each cell up to maxCountedClasses; the figure is one column wide up to oneColumnClasses
// classes, else the width of the page.
const (
	maxNamedClasses   = 50
	maxCountedClasses = 12
	oneColumnClasses  = 20
	maxNameRunes      = 18
)

// bestRunFor is, of the runs whose evaluation recorded group's confusion matrix, the one with
// the highest model accuracy in group, by name, and its result there; "" and nil when none did.
func (r *Report) bestRunFor(group string) (string, *results.GroupResult) {
	var name string
	var best *results.GroupResult
	for _, row := range r.Rows {
		for i, ev := range row.evals {
			for k, g := range ev.Groups {
				if g.Group == group && len(g.Confusion) > 0 && (best == nil || g.Model.Mean > best.Model.Mean) {
					name, best = row.runs[i], &ev.Groups[k]
				}
			}
		}
	}
	return name, best
}

// confusionPlots are, per group, the confusion matrix of the run best in that group of those
// that recorded one.
func (r *Report) confusionPlots() []namedPlot {
	var plots []namedPlot
	for _, group := range r.Groups {
		run, g := r.bestRunFor(group)
		if g != nil {
			plots = append(plots, namedPlot{"confusion-" + strings.ReplaceAll(group, " ", "-"), func() (*figure.Figure, error) { return confusionPlot(run, *g) }})
		}
	}
	return plots
}

// shareGrid is a confusion matrix as a heat map's grid: row-normalised shares, the first true
// class at the top.
type shareGrid [][]float64

func (s shareGrid) Dims() (c, r int)   { return len(s), len(s) }
func (s shareGrid) X(c int) float64    { return float64(c) }
func (s shareGrid) Y(r int) float64    { return float64(r) }
func (s shareGrid) Z(c, r int) float64 { return s[len(s)-1-r][c] }

// shares is counts with each row divided by its sum (a row without queries stays 0).
func shares(counts [][]int) shareGrid {
	out := make(shareGrid, len(counts))
	for t, row := range counts {
		out[t] = make([]float64, len(row))
		n := 0
		for _, k := range row {
			n += k
		}
		for p, k := range row {
			if n > 0 {
				out[t][p] = float64(k) / float64(n)
			}
		}
	}
	return out
}

// confusionPlot draws group g's confusion matrix from run: true class down the rows, predicted
// class across, each cell's shade its share of the true class's queries (and its count, with
// few classes). Class names label the axes up to maxNamedClasses classes.
func confusionPlot(run string, g results.GroupResult) (*figure.Figure, error) {
	n := len(g.Classes)
	if n == 0 || len(g.Confusion) != n {
		return nil, fmt.Errorf("group %s: %d classes and a %d-row confusion matrix", g.Group, n, len(g.Confusion))
	}
	f := figure.NewBare(fmt.Sprintf("confusion: %s (%s)", g.Group, run), "predicted class", "true class") // the cells are the grid
	f.X.Label.Text += " (shade: share of the true class's queries)"
	f.Add(plotter.NewHeatMap(shares(g.Confusion), figure.SharePalette{}))
	f.Width = figure.Width
	if n > oneColumnClasses {
		f.Width = figure.PageWidth
	}
	size := figure.TickSize * vg.Points(1)
	if cell := (f.Width - vg.Inch) / vg.Length(n); cell < size*1.25 {
		size = max(cell/1.25, vg.Points(4))
	}
	longest := vg.Length(0)
	if n <= maxNamedClasses {
		f.X.Tick.Label.Rotation, f.X.Tick.Label.XAlign, f.X.Tick.Label.YAlign = math.Pi/2, text.XRight, text.YCenter
		f.X.Tick.Label.Font.Size, f.Y.Tick.Label.Font.Size = size, size
		names := make([]string, n)
		for i, c := range g.Classes {
			names[i] = shorten(c)
			longest = max(longest, f.X.Tick.Label.Width(names[i]))
		}
		f.X.Tick.Marker, f.Y.Tick.Marker = classTicks(names, false), classTicks(names, true)
	} else {
		f.X.Tick.Marker, f.Y.Tick.Marker = plot.ConstantTicks{}, plot.ConstantTicks{}
		f.X.Label.Text = fmt.Sprintf("predicted class (%d classes: names left out; shade: share of the true class's queries)", n)
		f.Y.Label.Text = fmt.Sprintf("true class (%d classes, in eval.json's order)", n)
	}
	if n <= maxCountedClasses {
		labels, err := countLabels(g.Confusion)
		if err != nil {
			return nil, err
		}
		f.Add(labels)
	}
	f.X.Min, f.X.Max, f.Y.Min, f.Y.Max = -0.5, float64(n)-0.5, -0.5, float64(n)-0.5
	pal := figure.SharePalette{}.Colors()
	for _, v := range []int{0, 25, 50, 75, 100} {
		f.AddLegend(fmt.Sprintf("%d%%", v), figure.Swatch{Color: pal[v]})
	}
	f.Height = f.Width + longest // the cells about square beside the true-class names

	return f, nil
}

// classTicks labels cell i with names[i]; reversed, the first name at the top.
func classTicks(names []string, reversed bool) plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, len(names))
	for i, name := range names {
		v := i
		if reversed {
			v = len(names) - 1 - i
		}
		ticks[i] = plot.Tick{Value: float64(v), Label: name}
	}
	return ticks
}

// shorten cuts a class name to maxNameRunes, marking the cut with an ellipsis.
func shorten(name string) string {
	r := []rune(name)
	if len(r) <= maxNameRunes {
		return name
	}
	return string(r[:maxNameRunes-1]) + "…"
}

// countLabels writes each cell's count at its centre, white on the darker cells.
func countLabels(counts [][]int) (*plotter.Labels, error) {
	var xys plotter.XYs
	var strs []string
	var dark []bool
	sh := shares(counts)
	for t, row := range counts {
		for p, k := range row {
			xys = append(xys, plotter.XY{X: float64(p), Y: float64(len(counts) - 1 - t)})
			strs = append(strs, strconv.Itoa(k))
			dark = append(dark, sh[t][p] > 0.6)
		}
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: strs})
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		st := &l.TextStyle[i]
		st.Font.Size, st.XAlign, st.YAlign = figure.TickSize, text.XCenter, text.YCenter
		if dark[i] {
			st.Color = color.White
		}
	}
	return l, nil
}
