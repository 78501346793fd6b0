package results

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	// mean 3, sample std sqrt(2.5), t(0.975, 4) = 2.7764451 (statistical tables).
	s := Summarize([]float64{1, 2, 3, 4, 5})
	want := 2.7764451 * math.Sqrt(2.5) / math.Sqrt(5)
	if s.Mean != 3 || math.Abs(s.Std-math.Sqrt(2.5)) > 1e-12 || math.Abs(s.CI95-want) > 1e-6 || s.Episodes != 5 {
		t.Errorf("got %+v, want mean 3, ci %.6f", s, want)
	}
	// With 600 episodes t(0.975, 599) = 1.963939 (tables).
	xs := make([]float64, 600)
	for i := range xs {
		xs[i] = float64(i % 2)
	}
	s = Summarize(xs)
	want = 1.963939 * s.Std / math.Sqrt(600)
	if math.Abs(s.CI95-want) > 1e-5 {
		t.Errorf("600 episodes: ci %.6f, want %.6f", s.CI95, want)
	}
	if z := Summarize(nil); z.Episodes != 0 {
		t.Errorf("empty: %+v", z)
	}
}

func TestPaired(t *testing.T) {
	mk := func(name string, accs ...float64) *EvalResult {
		return &EvalResult{Experiment: name, Way: 5, Shot: 1, Query: 15, Seed: 7,
			Groups: []GroupResult{{Group: "class", Model: Accuracy{PerEpisode: accs}}}}
	}
	d, err := Paired(mk("a", 0.5, 0.7, 0.9), mk("b", 0.4, 0.5, 0.6))
	if err != nil {
		t.Fatal(err)
	}
	// differences 0.1, 0.2, 0.3: mean 0.2, sd 0.1, t(0.975, 2) = 4.302653.
	if s := d["class"]; math.Abs(s.Mean-0.2) > 1e-12 || math.Abs(s.CI95-4.302653*0.1/math.Sqrt(3)) > 1e-6 {
		t.Errorf("paired %+v", s)
	}
	other := mk("c", 0.1, 0.2, 0.3)
	other.Seed = 8
	if _, err := Paired(mk("a", 0.5, 0.7, 0.9), other); err == nil {
		t.Error("different test banks compared")
	}
}

func TestPValueMatchesClosedForm(t *testing.T) {
	// With 2 degrees of freedom the two-sided p-value of t is 1 − t/√(2 + t²).
	for _, diffs := range [][]float64{{0.1, 0.2, 0.3}, {-0.3, 0.1, 0.05}, {0.02, -0.01, 0.04}} {
		s := Summarize(diffs)
		tStat := s.Mean / (s.Std / math.Sqrt(3))
		want := 1 - math.Abs(tStat)/math.Sqrt(2+tStat*tStat)
		if got := PValue(s); math.Abs(got-want) > 1e-9 {
			t.Errorf("%v: p %v, want %v", diffs, got, want)
		}
	}
	if p := PValue(Summarize([]float64{0.1, 0.2, 0.3})); math.Abs(p-0.07418) > 1e-4 {
		t.Errorf("p %v, want 0.0742 (t = 3.464, df 2)", p)
	}
}
