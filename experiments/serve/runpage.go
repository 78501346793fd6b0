package serve

import (
	"fmt"
	"math"
	"net/http"

	"github.com/relnet/relnet/experiments/report/figure"
	"github.com/relnet/relnet/experiments/results"
)

// runPageData is what the run page shows besides the curves its script draws.
type runPageData struct {
	Experiment string
	Run        runView
	Config     string
	Data       string
	Eval       *results.EvalResult
	Confusions []confusionView
}

// confusionView is one group's confusion matrix as the run page's table shows it.
type confusionView struct {
	Group   string
	Classes []string
	Rows    []confusionRow
}

// confusionRow is one true class: its cells, shaded by their share of the row, and its
// accuracy.
type confusionRow struct {
	Class    string
	Cells    []confusionCell
	Accuracy string
}

type confusionCell struct {
	Count int
	Shade int  // the shade class: share-<Shade> of shades.css, its share of the row in percent
	Dark  bool // the count is written in white
}

// shadesCSS is the stylesheet of the confusion tables' shades, one class a percent of a row
// (share-0 … share-100), in the report's palette: classes, not style attributes, which the
// pages' Content-Security-Policy refuses.
func shadesCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	for p := 0; p <= 100; p++ {
		fmt.Fprintf(w, ".share-%d { background: %s; }\n", p, figure.CSS(figure.ShareColor(float64(p)/100)))
	}
}

// confusions are the tables of the groups whose evaluation recorded a confusion matrix.
func confusions(ev *results.EvalResult) []confusionView {
	if ev == nil {
		return nil
	}
	var out []confusionView
	for _, g := range ev.Groups {
		if len(g.Confusion) == 0 || len(g.Confusion) != len(g.Classes) {
			continue
		}
		v := confusionView{Group: g.Group, Classes: g.Classes}
		for t, counts := range g.Confusion {
			row := confusionRow{Class: g.Classes[t]}
			n := 0
			for _, k := range counts {
				n += k
			}
			for _, k := range counts {
				share := float64(k) / float64(max(n, 1))
				row.Cells = append(row.Cells, confusionCell{Count: k, Shade: int(math.Round(100 * share)), Dark: share > 0.6})
			}
			if t < len(g.PerClass) {
				row.Accuracy = fmt.Sprintf("%.1f", 100*g.PerClass[t])
			}
			v.Rows = append(v.Rows, row)
		}
		out = append(out, v)
	}
	return out
}

// runPage is one run: its state, the error it recorded, its evaluation with its confusion
// matrices, its resolved configuration and its data report.
func runPage(w http.ResponseWriter, r *http.Request, e *experiment) {
	rn, err := e.run(r.PathValue("run"))
	if err != nil {
		fail(w, err)
		return
	}
	render(w, "run.html", runPageData{Experiment: e.name, Run: rn.view(""), Config: string(rn.config.text),
		Data: string(rn.data.text), Eval: rn.eval, Confusions: confusions(rn.eval)})
}
