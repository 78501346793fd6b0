package serve

import (
	"net/http"

	"github.com/relnet/relnet/experiments/results"
)

// runPageData is what the run page shows besides the curves its script draws.
type runPageData struct {
	Experiment string
	Run        runView
	Config     string
	Data       string
	Eval       *results.EvalResult
}

// runPage is one run: its state, the error it recorded, its evaluation, its resolved
// configuration and its data report.
func runPage(w http.ResponseWriter, r *http.Request, e *experiment) {
	rn, err := e.run(r.PathValue("run"))
	if err != nil {
		fail(w, err)
		return
	}
	render(w, "run.html", runPageData{Experiment: e.name, Run: rn.view(""), Config: string(rn.config.text),
		Data: string(rn.data.text), Eval: rn.eval})
}
