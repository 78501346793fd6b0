package bench

import (
	"testing"
	"time"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// BenchmarkHeadsStep times one training step of the heads ablation's shape (32×32×3, 4-way
// 1-shot, 10 queries, three attribute groups) for a single-head model on one group's episode,
// a head per group on one episode per group (one backbone call), and one shared head on the
// same three episodes. The variants take turns within one run, so machine noise hits all of
// them alike; it reports ms per step and the ratios to the single-group step.
//
//	go test -run '^$' -bench HeadsStep -benchtime 40x ./bench
func BenchmarkHeadsStep(b *testing.B) {
	c := Case{C: 3, H: 32, W: 32, Way: 4, Shot: 1, Query: 10}
	groups := []string{"category", "color", "pattern"}
	variants := []struct {
		name   string
		groups []string
		shared bool
	}{{"single-group", groups[:1], false}, {"head-per-group", groups, false}, {"shared-head", groups, true}}
	spent := make([]time.Duration, len(variants))
	err := tensors.Run(func() error {
		if err := tensors.Setup(tensors.Options{Threads: 0}); err != nil {
			return err
		}
		var learners []*model.Learner
		for _, v := range variants {
			kind := arch.Relation
			if v.shared {
				kind = arch.SharedRelation
			}
			l, err := model.NewLearner(model.Config{Kind: kind, Groups: v.groups}, c.shape(), 1, arch.Optim{})
			if err != nil {
				return err
			}
			defer l.Free()
			learners = append(learners, l)
		}
		bank := randomEpisodes(c, 3)
		step := func(k int, i int64) {
			var s tensors.Scope
			defer s.Drop()
			learners[k].Step(&s, bank[:len(variants[k].groups)], nil, i)
		}
		for k := range variants { // warm-up
			for i := range int64(3) {
				step(k, i)
			}
		}
		b.ResetTimer()
		for i := range int64(b.N) {
			for k := range variants {
				start := time.Now()
				step(k, i)
				spent[k] += time.Since(start)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range variants {
		b.ReportMetric(float64(spent[k].Milliseconds())/float64(b.N), v.name+"-ms/step")
	}
	b.ReportMetric(float64(spent[1])/float64(spent[0]), "head-per-group/single")
	b.ReportMetric(float64(spent[2])/float64(spent[0]), "shared/single")
}

// TestStepsLeakNoCMemory trains and evaluates 100 episodes after a warm-up and checks that the
// C heap in use (libtorch's allocations, read from glibc) does not grow by more than 64 bytes
// per episode: gotch v0.9.1 leaks a malloc'ed out-pointer per op (gotch#115; 3.4 KB per
// episode here) unless scripts/setup.sh has patched it. Patched, about 10–90 bytes per
// training episode remain over the first few hundred, then about 15, and none in evaluation.
func TestStepsLeakNoCMemory(t *testing.T) {
	c := Case{C: 1, H: 28, W: 28, Way: 5, Shot: 1, Query: 3}
	err := withLearner(c, 1, func(l *model.Learner) error {
		bank := randomEpisodes(c, 4)
		steps := func(from, to int64) {
			for i := from; i < to; i++ {
				trainStep(l, bank[i%4], i)
				l.Model.RightQueries(0, bank[i%4:i%4+1], layers.Eval)
			}
		}
		steps(0, 50)
		before := tensors.HeapInUseMB()
		steps(50, 150)
		perStep := (tensors.HeapInUseMB() - before) * (1 << 20) / 100
		t.Logf("C heap in use: %.3f MB, %+.1f bytes per training and evaluation episode", before, perStep)
		if perStep > 64 {
			t.Errorf("the C heap grew by %.0f bytes per episode: a leak (is gotch patched? run scripts/setup.sh)", perStep)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
