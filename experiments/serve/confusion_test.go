package serve

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/relnet/relnet/experiments/results"
)

// TestRunPageShowsConfusion gives a run's eval.json a confusion matrix and finds it on the
// run page, class names escaped, shaded cells and per-class accuracy; a run whose eval.json
// has none says so.
func TestRunPageShowsConfusion(t *testing.T) {
	dir, ts := newServer(t)
	path := filepath.Join(dir, "heads-ablation", "single-head-seed1", results.EvalFile)
	ev, err := results.ReadEvalResult(path)
	if err != nil {
		t.Fatal(err)
	}
	conf := results.NewConfusion([]int{7, 9}, []string{"sandal", "<boot>"})
	for range 3 {
		conf.Add(7, 7)
		conf.Add(9, 7)
	}
	conf.Add(9, 9)
	conf.Record(&ev.Groups[0])
	if err := results.WriteJSON(path, ev); err != nil {
		t.Fatal(err)
	}
	_, page := get(t, ts, "/e/heads-ablation/r/single-head-seed1/")
	for _, want := range []string{"<th>sandal</th>", "<th>&lt;boot&gt;</th>", `<td class="share-100 dark">3</td>`, `<td class="share-75 dark">3</td>`, "<td>100.0</td>", "<td>25.0</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the run page lacks %q", want)
		}
	}
	if _, css := get(t, ts, "/shades.css"); !strings.Contains(css, ".share-100 { background: #0072b2; }") || !strings.Contains(css, ".share-0 { background: #ffffff; }") {
		t.Errorf("shades.css lacks the palette's ends:\n%.200s", css)
	}
	if strings.Contains(page, "predates per-class results") {
		t.Error("the run page says the confusion matrix is not recorded")
	}
	if _, other := get(t, ts, "/e/heads-ablation/r/multi-head-seed1/"); !strings.Contains(other, "predates per-class results") {
		t.Errorf("a run without a confusion matrix does not say so:\n%s", other)
	}
}
