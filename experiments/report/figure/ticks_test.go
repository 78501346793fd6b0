package figure

import (
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

func TestTicks(t *testing.T) {
	labels := func(ticks []plot.Tick) string {
		var out []string
		for _, tk := range ticks {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		marker plot.Ticker
		lo, hi float64
		want   string
	}{
		{EpisodeTicks{}, 100, 500, "100 200 300 400 500"},
		{EpisodeTicks{}, 0, 2500, "0 500 1,000 1,500 2,000 2,500"},
		{EpisodeTicks{}, 1, 4, "1 2 3 4"},
		{EpisodeTicks{}, 0, 60000, "0 10,000 20,000 30,000 40,000 50,000 60,000"},
		{EpisodeTicks{}, 500, 2000, "500 1,000 1,500 2,000"},
		{cleanTicks{}, 0, 100, "0 20 40 60 80 100"},
		{cleanTicks{}, 25, 95, "40 60 80"},
		{cleanTicks{}, 0.25, 0.95, "0.4 0.6 0.8"},
		{cleanTicks{}, -0.05, 0.09, "-0.050 -0.025 0.000 0.025 0.050 0.075"},
		{cleanTicks{}, 45, 98, "50 60 70 80 90"},
		{cleanTicks{}, 1.8, 3.4, "2.0 2.5 3.0"},
		{LogTicks{}, 0.15, 108, "1 10 100"},
		{LogTicks{}, 0.15, 3.4, "0.2 0.5 1 2"},
	} {
		if got := labels(c.marker.Ticks(c.lo, c.hi)); got != c.want {
			t.Errorf("%T on [%v, %v]: %q, want %q", c.marker, c.lo, c.hi, got, c.want)
		}
	}
}
