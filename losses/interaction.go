package losses

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/tensors"
)

// Interaction links two relation heads (after arXiv 1805.12501): for the queries of group g's
// episode, p_g = softmax(logitsG) over g's episode classes and p_h = softmax(crossH) over h's
// episode classes (head h scoring the same queries). With M [N_g, N_h] the conditional table
// P(h-value | g-value) restricted to the two episodes' classes and row-normalised, the term is
// the mean over queries of KL(p_h ‖ q), q = p_g·M: what head g believes, pushed through the
// label co-occurrence, should agree with what head h believes.
//
// The form says where gradients go: arch.Symmetric into both heads, arch.Teacher (q detached)
// into head h only. With confidence > 0 a query counts only if max_j q_j ≥ confidence (the
// source is confident of group h's value); the others add 0 to the mean over all queries.
func Interaction(s *tensors.Scope, logitsG, crossH, m *ts.Tensor, form arch.InteractionForm, confidence float64) *ts.Tensor {
	pg := s.T(logitsG.Softmax(1, gotch.Float, false))
	q := s.T(pg.Matmul(m, false))
	if form == arch.Teacher {
		q = s.T(q.Detach(false))
	}
	logQ := s.T(s.T(q.AddScalar(s.Scalar(1e-8), false)).Log(false))
	logPh := s.T(crossH.LogSoftmax(1, gotch.Float, false))
	ph := s.T(logPh.Exp(false))
	diff := s.T(logPh.Sub(logQ, false))
	perQuery := s.T(s.T(ph.Mul(diff, false)).SumDimIntlist([]int64{1}, false, gotch.Float, false))
	if confidence > 0 {
		top := s.T(s.T(q.Detach(false)).Amax([]int64{1}, false, false))
		gate := s.T(s.T(top.Ge(s.Scalar(confidence), false)).Totype(gotch.Float, false))
		perQuery = s.T(perQuery.Mul(gate, false))
	}
	return s.T(perQuery.Mean(gotch.Float, false))
}

// Cooccurrence estimates P(h-value | g-value) for every ordered pair of groups from the
// training labels, with additive smoothing.
type Cooccurrence struct {
	counts    map[[2]int][][]float64 // (g, h) → counts[value of g][value of h]
	smoothing float64
}

// NewCooccurrence counts, for every pair of groups, the images labelled in both. labels[g][i]
// is image i's value in group g (negative = unlabelled), values[g] the number of values of g.
func NewCooccurrence(labels [][]int, values []int, smoothing float64) *Cooccurrence {
	c := &Cooccurrence{counts: map[[2]int][][]float64{}, smoothing: smoothing}
	for g := range labels {
		for h := range labels {
			if g == h {
				continue
			}
			table := make([][]float64, values[g])
			for i := range table {
				table[i] = make([]float64, values[h])
			}
			for i, vg := range labels[g] {
				if vh := labels[h][i]; vg >= 0 && vh >= 0 {
					table[vg][vh]++
				}
			}
			c.counts[[2]int{g, h}] = table
		}
	}
	return c
}

// Matrix is the row-normalised, smoothed table P(h = cols[j] | g = rows[i]), restricted to
// the given values of g (rows) and h (cols), flattened row-major.
func (c *Cooccurrence) Matrix(g, h int, rows, cols []int) []float32 {
	table := c.counts[[2]int{g, h}]
	out := make([]float32, len(rows)*len(cols))
	for i, r := range rows {
		var sum float64
		for _, col := range cols {
			sum += table[r][col] + c.smoothing
		}
		for j, col := range cols {
			if sum > 0 {
				out[i*len(cols)+j] = float32((table[r][col] + c.smoothing) / sum)
			} else {
				out[i*len(cols)+j] = float32(1 / float64(len(cols)))
			}
		}
	}
	return out
}
