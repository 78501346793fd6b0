package sampling

import (
	"context"
	"sync"
)

// Stream delivers episodes start, start+1, ..., start+count-1 IN ORDER on the returned channel, built by `workers`
// goroutines with at most `depth` episodes built or being built ahead of the receiver (bounded prefetch; so at
// most min(workers, depth) are built at once: use depth ≥ workers). It stops early and closes the channel when
// ctx is done; the channel closes only after all its goroutines have finished. count < 0 means unbounded.
// workers/depth < 1 mean 1.
func (s *Sampler) Stream(ctx context.Context, start, count int64, workers, depth int) <-chan *Episode {
	return stream(ctx, start, count, max(workers, 1), max(depth, 1), s.Episode)
}

// job asks a worker to build episode i and hand it over on done.
type job struct {
	i    int64
	done chan<- *Episode
}

// stream runs the ordered pipeline of Stream around build. A producer queues one future per episode
// (at most depth-1 queued plus the one the deliverer waits on) before handing its job to a worker, so at most
// depth episodes are ever started and not yet received; the deliverer resolves the futures in order.
// Once ctx is done, at most one more episode is delivered.
func stream(ctx context.Context, start, count int64, workers, depth int, build func(int64) *Episode) <-chan *Episode {
	out := make(chan *Episode)
	futures := make(chan chan *Episode, depth-1)
	jobs := make(chan job)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // producer
		defer wg.Done()
		defer close(jobs)
		defer close(futures)
		for i := start; (count < 0 || i-start < count) && ctx.Err() == nil; i++ {
			done := make(chan *Episode, 1)
			select {
			case futures <- done:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{i, done}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.done <- build(j.i)
			}
		}()
	}
	go func() { // deliverer
		defer close(out)
		defer wg.Wait()
		for f := range futures {
			if ctx.Err() != nil { // a done ctx wins over a ready receiver
				return
			}
			select {
			case e := <-f:
				select {
				case out <- e:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
