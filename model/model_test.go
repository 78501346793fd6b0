package model

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/datasets/sampling"
	"github.com/relnet/relnet/internal/cpu"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/losses"
	"github.com/relnet/relnet/tensors"
)

func TestCorrect(t *testing.T) {
	logits := []float32{0.1, 0.9, 0.8, 0.2, 0.3, 0.4}
	if got := Correct(logits, []int{1, 0, 0}, 2); got != 2 {
		t.Errorf("correct %d, want 2", got)
	}
}

func TestLogitsShapeAndInputCheck(t *testing.T) {
	err := tensors.Run(func() error {
		m, err := New(Config{}, layers.Shape{C: 1, H: 28, W: 28}, 1)
		if err != nil {
			return err
		}
		defer m.Free()
		ep := &sampling.Episode{Spec: sampling.EpisodeSpec{Way: 3, Shot: 2, Query: 4}, Channels: 1, Height: 28, Width: 28,
			Support: make([]float32, 6*784), Query: make([]float32, 12*784), QueryLabels: make([]int, 12)}
		var s tensors.Scope
		defer s.Drop()
		if got := tensors.Shape(m.GroupLogits(&s, 0, []*sampling.Episode{ep}, layers.Train)[0]); got[0] != 12 || got[1] != 3 {
			t.Errorf("logits shape %v, want [12 3]", got)
		}
		bad := *ep
		bad.Height, bad.Width = 84, 84
		var perr error
		func() {
			defer tensors.Recover(&perr)
			m.GroupLogits(&s, 0, []*sampling.Episode{&bad}, layers.Train)
		}()
		if perr == nil {
			t.Error("an 84×84 episode was accepted by a 28×28 model")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func episode(way, shot, query int, classes []int) *sampling.Episode {
	ep := &sampling.Episode{Spec: sampling.EpisodeSpec{Way: way, Shot: shot, Query: query}, Classes: classes,
		Channels: 1, Height: 28, Width: 28,
		Support: make([]float32, way*shot*784), Query: make([]float32, way*query*784), QueryLabels: make([]int, way*query)}
	for i := range ep.Support {
		ep.Support[i] = float32(i%97) / 97
	}
	for i := range ep.Query {
		ep.Query[i] = float32(i%89) / 89
	}
	for i := range ep.QueryLabels {
		ep.QueryLabels[i] = i / query
	}
	return ep
}

func TestMultiHeadForwardAndObjective(t *testing.T) {
	err := tensors.Run(func() error {
		for _, shared := range []bool{false, true} {
			m, err := New(Config{Groups: []string{"category", "color"}, Kind: map[bool]arch.HeadKind{false: arch.Relation, true: arch.SharedRelation}[shared], Interaction: arch.Interaction{Weight: 0.5, Warmup: 4}},
				layers.Shape{C: 1, H: 28, W: 28}, 1)
			if err != nil {
				return err
			}
			if (m.Heads[0] == m.Heads[1]) != shared {
				t.Errorf("shared=%v: heads identical = %v", shared, m.Heads[0] == m.Heads[1])
			}
			eps := []*sampling.Episode{episode(3, 1, 2, []int{0, 2, 4}), episode(2, 2, 3, []int{1, 0})}
			var s tensors.Scope
			out := m.Forward(&s, eps, layers.Train)
			for g, want := range [][2]int64{{6, 3}, {6, 2}} {
				if got := tensors.Shape(out.Logits[g]); got[0] != want[0] || got[1] != want[1] {
					t.Errorf("logits[%d] shape %v, want %v", g, got, want)
				}
			}
			if got := tensors.Shape(out.Cross[0][1]); got[0] != 6 || got[1] != 2 {
				t.Errorf("cross[0][1] shape %v, want [6 2]", got)
			}
			cooc := losses.NewCooccurrence([][]int{{0, 1, 2, 3, 4}, {1, 0, 1, 0, 1}}, []int{5, 2}, 1)
			total, parts := m.Objective(&s, eps, out, cooc, 3) // warm-up over: full λ
			sum := tensors.Values(parts[0])[0] + tensors.Values(parts[1])[0]
			if got := tensors.Values(total)[0]; got <= sum {
				t.Errorf("total %v should exceed the relation losses' sum %v by the (positive) interaction term", got, sum)
			}
			first, _ := m.Objective(&s, eps, out, cooc, 0) // λ/4 in the first episode
			full, quarter := float64(tensors.Values(total)[0]-sum), float64(tensors.Values(first)[0]-sum)
			if math.Abs(quarter-full/4) > 1e-5*math.Max(1, full) {
				t.Errorf("warm-up: interaction term %g in episode 0, want a quarter of %g", quarter, full)
			}
			tensors.Check("backward", total.Backward())
			s.Drop()
			m.Free()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestClassifierScoresEpisodesByItsRestrictedSoftmax checks the supervised baseline: its
// episode logits are its full softmax layer's logits at the episode's classes, and its loss is
// the cross-entropy of the full layer against the images' class ids.
func TestClassifierScoresEpisodesByItsRestrictedSoftmax(t *testing.T) {
	err := tensors.Run(func() error {
		m, err := New(Config{Kind: arch.Classifier, Classes: []int{10}}, layers.Shape{C: 1, H: 28, W: 28}, 3)
		if err != nil {
			return err
		}
		defer m.Free()
		ep := &sampling.Episode{Spec: sampling.EpisodeSpec{Way: 3, Shot: 2, Query: 1}, Classes: []int{7, 2, 5},
			Channels: 1, Height: 28, Width: 28, Support: make([]float32, 6*784), Query: make([]float32, 3*784),
			QueryLabels: []int{0, 1, 2}}
		for i := range ep.Query {
			ep.Query[i] = float32(i%29) / 29
			ep.Support[i%len(ep.Support)] = float32(i%13) / 13
		}
		var s tensors.Scope
		defer s.Drop()
		out := m.Forward(&s, []*sampling.Episode{ep}, layers.Eval)
		full := tensors.Values(out.Full[0]) // [6 supports + 3 queries, 10]
		logits := tensors.Values(out.Logits[0])
		for q := range 3 {
			for n, c := range ep.Classes {
				if got, want := logits[q*3+n], full[(6+q)*10+c]; got != want {
					t.Errorf("query %d class %d: episode logit %v, full logit %v", q, c, got, want)
				}
			}
		}
		loss, _ := m.Objective(&s, []*sampling.Episode{ep}, out, nil, 0)
		want := 0.0 // mean over the 9 images of −log softmax at the class id
		labels := []int{7, 7, 2, 2, 5, 5, 7, 2, 5}
		for i, c := range labels {
			row := full[i*10 : (i+1)*10]
			var z float64
			for _, v := range row {
				z += math.Exp(float64(v))
			}
			want += (math.Log(z) - float64(row[c])) / float64(len(labels))
		}
		if got := float64(tensors.Values(loss)[0]); math.Abs(got-want) > 1e-4 {
			t.Errorf("loss %v, want %v", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// randomEpisode is a 3-way 2-shot episode of 4 queries per class with uniform random pixels.
func randomEpisode(rng *rand.Rand) *sampling.Episode {
	ep := episode(3, 2, 4, []int{0, 1, 2})
	for i := range ep.Support {
		ep.Support[i] = rng.Float32()
	}
	for i := range ep.Query {
		ep.Query[i] = rng.Float32()
	}
	return ep
}

// TestBatchedEpisodesScoreAsOneAtATime scores six episodes of random images in one backbone
// call and one by one: the logits agree to float32 rounding and every query's verdict is the
// same, for each head kind. With test-batch BatchNorm statistics the episodes stay apart.
func TestBatchedEpisodesScoreAsOneAtATime(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var eps []*sampling.Episode
	for range 6 {
		eps = append(eps, randomEpisode(rng))
	}
	err := tensors.Run(func() error {
		for _, kind := range []arch.HeadKind{arch.Relation, arch.Prototype, arch.Classifier} {
			m, err := New(Config{Kind: kind, Classes: []int{3}}, layers.Shape{C: 1, H: 28, W: 28}, 1)
			if err != nil {
				return err
			}
			for _, mode := range []layers.Mode{layers.Eval, layers.EvalBatch} {
				batched := m.RightQueries(0, eps, mode)
				var s tensors.Scope
				together := m.GroupLogits(&s, 0, eps, mode)
				for i, ep := range eps {
					alone := tensors.Values(m.GroupLogits(&s, 0, []*sampling.Episode{ep}, mode)[0])
					for j, v := range tensors.Values(together[i]) {
						if d := math.Abs(float64(v - alone[j])); d > 1e-5*math.Max(1, math.Abs(float64(v))) {
							t.Fatalf("%v, mode %d, episode %d: logit %d is %g batched, %g alone", kind, mode, i, j, v, alone[j])
						}
					}
					if one := m.RightQueries(0, []*sampling.Episode{ep}, mode)[0]; !slices.Equal(one, batched[i]) {
						t.Errorf("%v, mode %d, episode %d: %v batched, %v alone", kind, mode, i, batched[i], one)
					}
				}
				s.Drop()
			}
			m.Free()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBF16 runs a model in bf16 beside its fp32 twin (same seed): the logits come out in
// float32, differ from fp32's (so bf16 did compute them) by no more than bf16's rounding
// allows, and a training step keeps the weights in fp32 and changes them.
func TestBF16(t *testing.T) {
	if !cpu.HasBF16() {
		t.Skipf("this CPU lacks %s (%s): TestBF16RefusedWithoutCPUSupport tests the error instead", strings.Join(cpu.BF16Flags, " and "), cpu.This().Summary())
	}
	ep := randomEpisode(rand.New(rand.NewPCG(5, 6)))
	err := tensors.Run(func() error {
		in := layers.Shape{C: 1, H: 28, W: 28}
		var logits [2][]float32
		for i, bf16 := range []bool{false, true} {
			l, err := NewLearner(Config{BF16: bf16}, in, 1, arch.Optim{})
			if err != nil {
				return err
			}
			var s tensors.Scope
			out := l.Model.GroupLogits(&s, 0, []*sampling.Episode{ep}, layers.Eval)[0]
			if out.DType() != gotch.Float {
				t.Errorf("bf16 %v: logits are %v", bf16, out.DType())
			}
			logits[i] = tensors.Values(out)
			before := tensors.Values(l.Model.Params.Tensors[0])
			l.Step(&s, []*sampling.Episode{ep}, nil, 0)
			w := l.Model.Params.Tensors[0]
			if w.DType() != gotch.Float || slices.Equal(before, tensors.Values(w)) {
				t.Errorf("bf16 %v: after a step the first weight is %v, changed %v", bf16, w.DType(), !slices.Equal(before, tensors.Values(w)))
			}
			s.Drop()
			l.Free()
		}
		var largest float64
		for j := range logits[0] {
			largest = math.Max(largest, math.Abs(float64(logits[0][j]-logits[1][j])))
		}
		if largest == 0 || largest > 0.05 {
			t.Errorf("bf16 logits differ from fp32's by at most %g; want above 0 and within 0.05", largest)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBF16RefusedWithoutCPUSupport: where the CPU computes no bfloat16 natively, a bf16 model
// is refused with ErrNoBF16, whose text tells the user what to set instead.
func TestBF16RefusedWithoutCPUSupport(t *testing.T) {
	if cpu.HasBF16() {
		t.Skipf("this CPU has %s; TestBF16BothWays runs this test as if it had not", strings.Join(cpu.BF16Flags, " or "))
	}
	err := tensors.Run(func() error {
		_, err := NewLearner(Config{BF16: true}, layers.Shape{C: 1, H: 28, W: 28}, 1, arch.Optim{})
		return err
	})
	if !errors.Is(err, ErrNoBF16) || !strings.Contains(err.Error(), `set train.precision = "fp32"`) {
		t.Fatalf("bf16 on a CPU without %v: %v, want %v", cpu.BF16Flags, err, ErrNoBF16)
	}
}

// TestBF16BothWays runs the bf16 tests again in a child test process that sees the CPU less
// its bf16 flags (cpu.WithoutEnv): there TestBF16 skips naming the flags and the refusal test
// runs. With the parent's own run, both paths are tested on a CPU that has bf16.
func TestBF16BothWays(t *testing.T) {
	if os.Getenv(cpu.WithoutEnv) != "" {
		t.Skipf("%s is set: this process already sees the CPU without those flags", cpu.WithoutEnv)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestBF16(RefusedWithoutCPUSupport)?$", "-test.v")
	cmd.Env = append(os.Environ(), cpu.WithoutEnv+"="+strings.Join(cpu.BF16Flags, ","))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bf16 tests as if the CPU lacked %v: %v\n%s", cpu.BF16Flags, err, out)
	}
	for _, want := range []string{"--- SKIP: TestBF16 ", "this CPU lacks avx512_bf16 and amx_bf16", "--- PASS: TestBF16RefusedWithoutCPUSupport"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the child's output lacks %q:\n%s", want, out)
		}
	}
}

// TestChannelsLastMatchesNCHW trains two twins (same seed) a step on the same 2-shot
// episode, one with tensors in NCHW and one channels-last, for each head kind: the first
// convolution's weight and the feature maps are laid out as set (channel stride 1 only
// channels-last), and the logits before and after the step agree to float rounding, in
// training and evaluation.
func TestChannelsLastMatchesNCHW(t *testing.T) {
	for _, kind := range []arch.HeadKind{arch.Relation, arch.Prototype, arch.Classifier} {
		t.Run(string(kind), func(t *testing.T) { channelsLastMatchesNCHW(t, Config{Kind: kind, Classes: []int{3}}) })
	}
}

func channelsLastMatchesNCHW(t *testing.T, cfg Config) {
	eps := []*sampling.Episode{randomEpisode(rand.New(rand.NewPCG(7, 8)))}
	var logits [2][][]float32
	err := tensors.Run(func() error {
		defer tensors.Setup(tensors.Options{Threads: 1})
		for i, channelsLast := range []bool{false, true} {
			if err := tensors.Setup(tensors.Options{Threads: 1, ChannelsLast: channelsLast}); err != nil {
				return err
			}
			l, err := NewLearner(cfg, layers.Shape{C: 1, H: 28, W: 28}, 1, arch.Optim{})
			if err != nil {
				return err
			}
			var s tensors.Scope
			w := l.Model.Params.Tensors[0] // backbone.block1.conv.weight [64,1,3,3]
			feats := l.Model.Embed(&s, eps[0].Query, int64(len(eps[0].QueryLabels)), layers.Eval)
			for name, x := range map[string]*ts.Tensor{"first weight": w, "feature maps": feats} {
				if stride := x.MustStride(); (stride[1] == 1) != channelsLast {
					t.Errorf("channels-last %v: %s have strides %v", channelsLast, name, stride)
				}
			}
			for _, mode := range []layers.Mode{layers.Train, layers.Eval} {
				logits[i] = append(logits[i], tensors.Values(l.Model.GroupLogits(&s, 0, eps, mode)[0]))
			}
			l.Step(&s, eps, nil, 0)
			logits[i] = append(logits[i], tensors.Values(l.Model.GroupLogits(&s, 0, eps, layers.Eval)[0]))
			s.Drop()
			l.Free()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// After the step the tolerance is wider: Adam's first update moves every weight by about
	// the learning rate whatever its gradient's size, so a gradient near zero whose rounding
	// differs between the layouts moves its weight differently.
	for k, what := range []string{"training", "evaluation", "evaluation after a step"} {
		tol := []float64{1e-4, 1e-4, 1e-3}[k]
		for j, v := range logits[0][k] {
			if d := math.Abs(float64(v - logits[1][k][j])); d > tol*math.Max(1, math.Abs(float64(v))) {
				t.Fatalf("%s: logit %d is %g in NCHW, %g channels-last", what, j, v, logits[1][k][j])
			}
		}
	}
}
