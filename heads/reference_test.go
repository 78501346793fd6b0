package heads

import "math"

// Naive float64 reference layers for the tests: loops written from the definitions, sharing
// no code with libtorch.

type tensor4 struct {
	n, c, h, w int
	v          []float64
}

func newT4(n, c, h, w int) tensor4 { return tensor4{n, c, h, w, make([]float64, n*c*h*w)} }

func (t tensor4) at(n, c, h, w int) float64 {
	if h < 0 || w < 0 || h >= t.h || w >= t.w {
		return 0
	}
	return t.v[((n*t.c+c)*t.h+h)*t.w+w]
}

func (t tensor4) set(n, c, h, w int, v float64) { t.v[((n*t.c+c)*t.h+h)*t.w+w] = v }

func refConv(x tensor4, weight []float32, bias []float32, out, k, pad int) tensor4 {
	oh, ow := x.h+2*pad-k+1, x.w+2*pad-k+1
	y := newT4(x.n, out, oh, ow)
	for n := 0; n < x.n; n++ {
		for o := 0; o < out; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					s := float64(bias[o])
					for c := 0; c < x.c; c++ {
						for a := 0; a < k; a++ {
							for b := 0; b < k; b++ {
								s += float64(weight[((o*x.c+c)*k+a)*k+b]) * x.at(n, c, i+a-pad, j+b-pad)
							}
						}
					}
					y.set(n, o, i, j, s)
				}
			}
		}
	}
	return y
}

// refBNReluPool: batch-statistics BatchNorm (biased variance, eps 1e-5), ReLU, 2×2 max-pool.
func refBNReluPool(x tensor4, gamma, beta []float32) tensor4 {
	cnt := float64(x.n * x.h * x.w)
	for c := 0; c < x.c; c++ {
		var mean, vr float64
		for n := 0; n < x.n; n++ {
			for i := 0; i < x.h; i++ {
				for j := 0; j < x.w; j++ {
					mean += x.at(n, c, i, j)
				}
			}
		}
		mean /= cnt
		for n := 0; n < x.n; n++ {
			for i := 0; i < x.h; i++ {
				for j := 0; j < x.w; j++ {
					d := x.at(n, c, i, j) - mean
					vr += d * d
				}
			}
		}
		vr /= cnt
		for n := 0; n < x.n; n++ {
			for i := 0; i < x.h; i++ {
				for j := 0; j < x.w; j++ {
					v := (x.at(n, c, i, j)-mean)/math.Sqrt(vr+1e-5)*float64(gamma[c]) + float64(beta[c])
					x.set(n, c, i, j, math.Max(v, 0))
				}
			}
		}
	}
	y := newT4(x.n, x.c, x.h/2, x.w/2)
	for n := 0; n < x.n; n++ {
		for c := 0; c < x.c; c++ {
			for i := 0; i < y.h; i++ {
				for j := 0; j < y.w; j++ {
					m := math.Inf(-1)
					for a := 0; a < 2; a++ {
						for b := 0; b < 2; b++ {
							m = math.Max(m, x.at(n, c, 2*i+a, 2*j+b))
						}
					}
					y.set(n, c, i, j, m)
				}
			}
		}
	}
	return y
}

func refLinear(x []float64, weight, bias []float32, in, out int) []float64 {
	rows := len(x) / in
	y := make([]float64, rows*out)
	for r := 0; r < rows; r++ {
		for o := 0; o < out; o++ {
			s := float64(bias[o])
			for i := 0; i < in; i++ {
				s += float64(weight[o*in+i]) * x[r*in+i]
			}
			y[r*out+o] = s
		}
	}
	return y
}
