package heads

import (
	"fmt"
	"math"
	"testing"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/tensors"
)

func randomData(n int, seed uint64) []float32 {
	out := make([]float32, n)
	x := uint64(seed*2654435761 + 1)
	for i := range out {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out[i] = float32(int64(x%2001)-1000) / 1000
	}
	return out
}

func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := tensors.Run(fn); err != nil {
		t.Fatal(err)
	}
}

func newHead(t *testing.T, feat layers.Shape, cfg arch.Head) (*layers.Params, *Relation) {
	t.Helper()
	p := layers.NewParams(7)
	r, err := NewRelation(p, "head", feat, cfg, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	return p, r
}

// TestRelationMatchesReference checks the head's logits on a tiny input against a naive
// float64 implementation of the paper's concatenated form.
func TestRelationMatchesReference(t *testing.T) {
	const way, nq, c, side, f, hidden = 2, 3, 2, 5, 3, 4
	feat := layers.Shape{C: c, H: side, W: side}
	run(t, func() error {
		p, r := newHead(t, feat, arch.Head{Filters: f, Hidden: hidden, Padding: "1"})
		defer p.Free()
		classData := randomData(way*c*side*side, 1)
		queryData := randomData(nq*c*side*side, 2)
		var s tensors.Scope
		defer s.Drop()
		classes := s.Float32(classData, way, c, side, side)
		queries := s.Float32(queryData, nq, c, side, side)
		got := tensors.Values(r.Logits(&s, classes, way, 1, queries, layers.Train))

		// Reference: pairs (query i, class j) in row i*way+j, class map first on channels.
		pairs := newT4(nq*way, 2*c, side, side)
		for i := 0; i < nq; i++ {
			for j := 0; j < way; j++ {
				for ch := 0; ch < c; ch++ {
					for y := 0; y < side; y++ {
						for x := 0; x < side; x++ {
							pairs.set(i*way+j, ch, y, x, float64(classData[((j*c+ch)*side+y)*side+x]))
							pairs.set(i*way+j, c+ch, y, x, float64(queryData[((i*c+ch)*side+y)*side+x]))
						}
					}
				}
			}
		}
		v := tensors.Values
		h := refConv(pairs, v(r.block1.Conv.Weight), v(r.block1.Conv.Bias), f, 3, 1)
		h = refBNReluPool(h, v(r.block1.BN.Weight), v(r.block1.BN.Bias))
		h = refConv(h, v(r.block2.Conv.Weight), v(r.block2.Conv.Bias), f, 3, 1)
		h = refBNReluPool(h, v(r.block2.BN.Weight), v(r.block2.BN.Bias))
		in := h.c * h.h * h.w
		z := refLinear(h.v, v(r.fc1.Weight), v(r.fc1.Bias), in, hidden)
		for i := range z {
			z[i] = math.Max(z[i], 0)
		}
		want := refLinear(z, v(r.fc2.Weight), v(r.fc2.Bias), hidden, 1)
		if len(got) != len(want) {
			t.Fatalf("got %d logits, want %d", len(got), len(want))
		}
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > 1e-4 {
				t.Errorf("logit %d: got %.6f, want %.6f", i, got[i], want[i])
			}
		}
		return nil
	})
}

// TestRelationMatchesConcatenation checks the split first convolution against the literal
// concatenate-then-convolve form on a larger random input, in train and eval modes, with the
// first BatchNorm's parameters and statistics moved away from their initial values (in eval
// mode the split form folds them into both half-kernels; the literal form applies them).
func TestRelationMatchesConcatenation(t *testing.T) {
	feat := layers.Shape{C: 8, H: 19, W: 19}
	run(t, func() error {
		p, r := newHead(t, feat, arch.Head{})
		defer p.Free()
		var s tensors.Scope
		defer s.Drop()
		classes := s.Float32(randomData(5*8*19*19, 3), 5, 8, 19, 19)
		queries := s.Float32(randomData(7*8*19*19, 4), 7, 8, 19, 19)
		bn := r.block1.BN
		for i, x := range []*ts.Tensor{bn.Weight, bn.Bias, bn.RunningMean, bn.RunningVar} {
			v := randomData(64, uint64(10+i))
			for j := range v {
				v[j] = 0.5 + v[j]*v[j] // positive, for the variance
			}
			tensors.CopyInto(x, s.Float32(v, 64))
		}
		for _, mode := range []layers.Mode{layers.Eval, layers.Train, layers.EvalBatch} {
			got := tensors.Values(r.Logits(&s, classes, 5, 1, queries, mode))
			want := tensors.Values(concatLogits(&s, r, classes, queries, mode))
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-4*math.Max(1, math.Abs(float64(want[i]))) {
					t.Fatalf("mode %d logit %d: split form %.6f, concatenated form %.6f", mode, i, got[i], want[i])
				}
			}
		}
		return nil
	})
}

// concatLogits is the paper's literal form: expand, concatenate on channels, convolve.
func concatLogits(s *tensors.Scope, r *Relation, classes, queries *ts.Tensor, mode layers.Mode) *ts.Tensor {
	n, m := tensors.Shape(classes)[0], tensors.Shape(queries)[0]
	f := r.feat
	ce := s.T(classes.View([]int64{1, n, f.C, f.H, f.W}, false))
	ce = s.T(ce.Expand([]int64{m, n, f.C, f.H, f.W}, false, false))
	qe := s.T(queries.View([]int64{m, 1, f.C, f.H, f.W}, false))
	qe = s.T(qe.Expand([]int64{m, n, f.C, f.H, f.W}, false, false))
	pairs := s.T(ts.Cat([]*ts.Tensor{ce, qe}, 2))
	pairs = s.T(pairs.View([]int64{m * n, 2 * f.C, f.H, f.W}, false))
	b1 := r.block1
	x := b1.Activate(s, b1.BN.Forward(s, b1.Conv.Forward(s, pairs), mode), mode)
	x = r.block2.Forward(s, x, mode)
	x = s.T(x.Flatten(1, -1, false))
	x = s.T(r.fc1.Forward(s, x).Relu(false))
	x = r.fc2.Forward(s, x)
	return s.T(x.View([]int64{m, n}, false))
}

// TestFirstConvMACs checks the first convolution's count by hand and against the layers'
// count of both forms, which differ only there.
func TestFirstConvMACs(t *testing.T) {
	feat := layers.Shape{C: 8, H: 19, W: 19}
	run(t, func() error {
		p, r := newHead(t, feat, arch.Head{}) // padding 0: 17×17 outputs, 64 filters, kernel 16×3×3
		defer p.Free()
		split, concat := r.FirstConvMACs(5, 7)
		if pair := int64(17 * 17 * 64 * 16 * 9); split != 12*pair/2 || concat != 35*pair {
			t.Errorf("FirstConvMACs(5, 7) = %d, %d; want %d, %d", split, concat, 12*pair/2, 35*pair)
		}
		var s tensors.Scope
		defer s.Drop()
		classes := s.Float32(randomData(5*8*19*19, 3), 5, 8, 19, 19)
		queries := s.Float32(randomData(7*8*19*19, 4), 7, 8, 19, 19)
		asRun := layers.CountMACs(func() { r.Logits(&s, classes, 5, 1, queries, layers.Eval) })
		literal := layers.CountMACs(func() { concatLogits(&s, r, classes, queries, layers.Eval) })
		if literal-asRun != concat-split {
			t.Errorf("counted %d MACs split and %d concatenated: a difference of %d, want %d", asRun, literal, literal-asRun, concat-split)
		}
		return nil
	})
}

func TestRelationPadding(t *testing.T) {
	cases := []struct {
		feat    layers.Shape
		padding arch.Padding
		wantPad int64
		wantErr bool
	}{
		{layers.Shape{C: 64, H: 5, W: 5}, "auto", 1, false},   // Omniglot-sized maps
		{layers.Shape{C: 64, H: 19, W: 19}, "auto", 0, false}, // miniImageNet-sized maps
		{layers.Shape{C: 64, H: 11, W: 7}, "auto", 1, false},  // odd input 50×37
		{layers.Shape{C: 64, H: 5, W: 5}, "0", 0, true},
		{layers.Shape{C: 64, H: 1, W: 1}, "1", 0, true},
	}
	for _, tc := range cases {
		run(t, func() error {
			p := layers.NewParams(1)
			defer p.Free()
			r, err := NewRelation(p, "head", tc.feat, arch.Head{Padding: tc.padding}, 0.1)
			if tc.wantErr {
				if err == nil {
					t.Errorf("%v padding %s: expected an error", tc.feat, tc.padding)
				}
				return nil
			}
			if err != nil {
				t.Fatalf("%v: %v", tc.feat, err)
			}
			if r.block1.Conv.Padding != tc.wantPad {
				t.Errorf("%v: padding %d, want %d", tc.feat, r.block1.Conv.Padding, tc.wantPad)
			}
			return nil
		})
	}
}

func TestClassMapsSumShots(t *testing.T) {
	run(t, func() error {
		var s tensors.Scope
		defer s.Drop()
		// 2 classes × 3 shots of 1×1×2 maps.
		data := []float32{1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}
		got := tensors.Values(ClassMaps(&s, s.Float32(data, 6, 1, 1, 2), 2, 3))
		want := []float32{9, 12, 90, 120}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("class maps %v, want %v", got, want)
			}
		}
		return nil
	})
}

// TestClassesOfUnequalShots checks that both heads bring classes of any number of support
// maps to what `shot` maps give: the relation head shot times the mean map, the prototype the
// mean feature.
func TestClassesOfUnequalShots(t *testing.T) {
	run(t, func() error {
		var s tensors.Scope
		defer s.Drop()
		// Class 0: one 1×1×2 map; class 1: three.
		support := s.Float32([]float32{1, 2, 3, 6, 6, 12, 9, 18}, 4, 1, 1, 2)
		p := layers.NewParams(1)
		defer p.Free()
		r, err := NewRelation(p, "head", layers.Shape{C: 1, H: 8, W: 8}, arch.Head{}, 0.1)
		if err != nil {
			return err
		}
		cases := []struct {
			name string
			head Head
			want []float32
		}{
			{"relation", r, []float32{2, 4, 12, 24}}, // 2 × (1,2); 2 × mean (6,12)
			{"prototype", Prototype{}, []float32{1, 2, 6, 12}},
		}
		for _, tc := range cases {
			got := tensors.Values(tc.head.Classes(&s, support, []int64{1, 3}, 2))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s: classes %v, want %v", tc.name, got, tc.want)
			}
		}
		// Equal counts that are not the shot: 2 × 2 maps brought to 4 shots.
		got := tensors.Values(r.Classes(&s, support, []int64{2, 2}, 4))
		if want := []float32{8, 16, 30, 60}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("relation, 2 maps each at shot 4: %v, want %v", got, want)
		}
		return nil
	})
}
