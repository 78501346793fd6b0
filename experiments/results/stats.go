package results

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Summary is a mean with its 95% confidence interval over independent episodes.
type Summary struct {
	Mean     float64 `json:"mean"`
	CI95     float64 `json:"ci95"` // half-width of the Student-t 95% interval
	Std      float64 `json:"std"`  // sample standard deviation
	Episodes int     `json:"episodes"`
}

// Summarize computes the mean and the t-interval half-width t(0.975, n−1)·s/√n of xs.
func Summarize(xs []float64) Summary {
	n := len(xs)
	switch n {
	case 0:
		return Summary{}
	case 1:
		return Summary{Mean: xs[0], Episodes: 1}
	}
	mean, std := stat.MeanStdDev(xs, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	return Summary{Mean: mean, CI95: t * std / math.Sqrt(float64(n)), Std: std, Episodes: n}
}

// PairedDifference summarises a[i] − b[i] over episodes scored on the same bank.
func PairedDifference(a, b []float64) Summary {
	diff := make([]float64, len(a))
	for i := range diff {
		diff[i] = a[i] - b[i]
	}
	return Summarize(diff)
}

// PValue is the two-sided p-value of a one-sample t-test of mean 0 on the values s
// summarises (a paired test when they are differences).
func PValue(s Summary) float64 {
	if s.Episodes < 2 {
		return math.NaN()
	}
	if s.Std == 0 {
		if s.Mean == 0 {
			return 1
		}
		return 0
	}
	t := s.Mean / (s.Std / math.Sqrt(float64(s.Episodes)))
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(s.Episodes - 1)}.CDF(-math.Abs(t))
}

// Fraction is the share of true values.
func Fraction(correct []bool) float64 {
	n := 0
	for _, c := range correct {
		if c {
			n++
		}
	}
	return float64(n) / float64(len(correct))
}
