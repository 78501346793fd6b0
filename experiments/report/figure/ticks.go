package figure

import (
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
)

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

// EpisodeTicks are about five whole-number ticks at a round step, thousands separated
// ("0 1,000 2,000"): for an axis of episodes or other counts.
type EpisodeTicks struct{}

// Ticks marks [lo, hi].
func (EpisodeTicks) Ticks(lo, hi float64) []plot.Tick {
	step := max(roundStep(hi-lo, 1, 2, 5), 1)
	return ticksEvery(lo, hi, step, func(v float64) string { return thousands(int64(math.Round(v))) })
}

// LogTicks mark 1, 2 and 5 × 10^k on a log axis, labelling only the powers of ten when the
// axis spans more than two decades.
type LogTicks struct{}

// Ticks marks [lo, hi], lo > 0.
func (LogTicks) Ticks(lo, hi float64) []plot.Tick {
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
