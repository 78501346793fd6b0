package sampling

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/relnet/relnet/datasets"
)

// newTestSampler returns a 5-way 1-shot 3-query sampler over small random images, with augmentation.
func newTestSampler(t *testing.T) *Sampler {
	t.Helper()
	s, err := NewSampler(allImages(datasets.RandomImages(10, 8, 1, 6, 6, 3)), EpisodeSpec{5, 1, 3}, Augment{RotateDegrees: 10, Rotate90: true}, 42)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStream(t *testing.T) {
	s := newTestSampler(t)
	tests := []struct {
		start, count   int64
		workers, depth int
	}{
		{5, 17, 1, 1},
		{0, 30, 4, 2},
		{100, 25, 3, 8},
		{7, 9, 0, 0}, // mean 1 and 1
		{3, 0, 2, 2},
	}
	for _, tt := range tests {
		var got []int64
		for e := range s.Stream(context.Background(), tt.start, tt.count, tt.workers, tt.depth) {
			want := s.Episode(tt.start + int64(len(got)))
			if !reflect.DeepEqual(e, want) {
				t.Fatalf("%+v: episode %d of the stream is not Episode(%d)", tt, len(got), want.Index)
			}
			got = append(got, e.Index)
		}
		if int64(len(got)) != tt.count {
			t.Errorf("%+v: stream gave %d episodes %v, want %d", tt, len(got), got, tt.count)
		}
	}
}

// TestStreamCancel runs in a synctest bubble, which fails the test if any goroutine the stream started
// is still blocked when the test function returns. The stream is cancelled both while its pipeline is
// full and idle and while the receiver keeps draining.
func TestStreamCancel(t *testing.T) {
	for _, tt := range []struct {
		count int64
		idle  bool
	}{{-1, true}, {1000, true}, {-1, false}, {1000, false}} {
		synctest.Test(t, func(t *testing.T) {
			s := newTestSampler(t)
			ctx, cancel := context.WithCancel(context.Background())
			ch := s.Stream(ctx, 0, tt.count, 3, 4)
			for i := range int64(5) {
				if e := <-ch; e == nil || e.Index != i {
					t.Fatalf("episode %d: got %v", i, e)
				}
			}
			if tt.idle {
				synctest.Wait() // the pipeline fills up and blocks
			}
			cancel()
			if tt.idle {
				synctest.Wait() // the stream winds down with nobody receiving
			}
			n := 0
			for range ch { // must close
				n++
			}
			if tt.idle && n != 0 || n > 1 {
				t.Errorf("%+v: %d episodes arrived after cancel", tt, n)
			}
		})
	}
}

func TestStreamDepth(t *testing.T) {
	tests := []struct{ workers, depth, wantAhead int }{
		{1, 1, 1},
		{2, 3, 3},
		{4, 1, 1},
		{3, 6, 6},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			var built atomic.Int64
			build := func(i int64) *Episode { built.Add(1); return &Episode{Index: i} }
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch := stream(ctx, 0, -1, tt.workers, tt.depth, build)
			synctest.Wait() // everything blocked: the receiver has taken nothing yet
			if got := built.Load(); got != int64(tt.wantAhead) {
				t.Fatalf("%+v: %d episodes built before any was received, want %d", tt, got, tt.wantAhead)
			}
			for i := range int64(3) {
				<-ch
				synctest.Wait()
				if got := built.Load(); got != i+1+int64(tt.wantAhead) {
					t.Fatalf("%+v: %d built after %d received, want %d", tt, got, i+1, i+1+int64(tt.wantAhead))
				}
			}
		})
	}
}
