package sampling

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// EpisodeSpec: N-way, K-shot, Q queries per class.
type EpisodeSpec struct{ Way, Shot, Query int }

// Validate checks Way ≥ 2, Shot ≥ 1, Query ≥ 1 and that at least Way classes of p have ≥ Shot+Query
// images; the message names the failing field, or the set, the classes by name and how many
// images each has against how many an episode needs.
func (s EpisodeSpec) Validate(p *Pool) error {
	switch {
	case s.Way < 2:
		return fmt.Errorf("episode spec: Way = %d, need at least 2", s.Way)
	case s.Shot < 1:
		return fmt.Errorf("episode spec: Shot = %d, need at least 1", s.Shot)
	case s.Query < 1:
		return fmt.Errorf("episode spec: Query = %d, need at least 1", s.Query)
	case p == nil || p.Images == nil:
		return fmt.Errorf("episode spec %s: no pool to sample from", s.name())
	}
	need := s.Shot + s.Query
	if n := len(p.eligible(need)); n < s.Way {
		if len(p.Classes) < s.Way {
			names := make([]string, len(p.Classes))
			for i, c := range p.Classes {
				names[i] = p.Images.ClassName(c)
			}
			return fmt.Errorf("%s: a %s episode needs %d classes, and this split has %d (%s); lower the way or give the split more classes",
				p.Images.Name, s.name(), s.Way, len(p.Classes), strings.Join(names, ", "))
		}
		var small []string
		for _, c := range p.Classes {
			if k := len(p.ByClass[c]); k < need {
				small = append(small, fmt.Sprintf("%s (%d)", p.Images.ClassName(c), k))
			}
		}
		return fmt.Errorf("%s: a %s episode needs %d classes with at least %d images each (shot %d + query %d), and %d of its %d classes have that many; images of the others: %s; lower the shot or query, or give these classes more images",
			p.Images.Name, s.name(), s.Way, need, s.Shot, s.Query, n, len(p.Classes), strings.Join(small, ", "))
	}
	return nil
}

// name formats the spec as "5-way 1-shot 19-query".
func (s EpisodeSpec) name() string {
	return fmt.Sprintf("%d-way %d-shot %d-query", s.Way, s.Shot, s.Query)
}

// Episode is one few-shot task, ready for the model. Support is class-major: Support image j of class c is at
// index c*Shot+j; Query image j of class c is at index c*Query+j and QueryLabels[c*Query+j] == c.
type Episode struct {
	Index                   int64 // episode number in its stream
	Spec                    EpisodeSpec
	Classes                 []int // the Way class ids, in the order of episode labels 0..Way-1
	Channels, Height, Width int
	Support                 []float32 // Way*Shot images, CHW each
	Query                   []float32 // Way*Query images
	QueryLabels             []int     // len Way*Query, values 0..Way-1
	SupportIDs, QueryIDs    []int     // image indices into Pool.Images (for tests and debugging)
}

// Sampler draws reproducible episodes. Episode(i) depends only on (seed, i): the same i always gives the same
// episode, whatever was drawn before, which is what makes resumed training continue the exact stream.
// Classes are drawn without replacement from the pool's classes that have at least Shot+Query images;
// support and query images are drawn without replacement from each class and are disjoint.
// A Sampler is read-only after NewSampler, so Episode may be called from many goroutines.
type Sampler struct {
	pool    *Pool
	spec    EpisodeSpec
	aug     Augment
	seed    uint64
	classes []int // the pool's classes with at least Shot+Query images
}

// NewSampler checks spec against p and aug against p's image shape.
func NewSampler(p *Pool, spec EpisodeSpec, aug Augment, seed uint64) (*Sampler, error) {
	if err := spec.Validate(p); err != nil {
		return nil, err
	}
	im := p.Images
	if err := im.Validate(); err != nil {
		return nil, err
	}
	if err := aug.Validate(im.Channels, im.Height, im.Width); err != nil {
		return nil, err
	}
	return &Sampler{pool: p, spec: spec, aug: aug, seed: seed, classes: p.eligible(spec.Shot + spec.Query)}, nil
}

// Pool is the pool the sampler draws from.
func (s *Sampler) Pool() *Pool { return s.pool }

// Episode returns episode i of the sampler's stream. Its random numbers come from a PCG seeded with
// (seed, splitmix64(i)), drawn in a fixed order: classes, images, then augmentation.
func (s *Sampler) Episode(i int64) *Episode {
	rng := rand.New(rand.NewPCG(s.seed, splitmix64(uint64(i))))
	sp, im := s.spec, s.pool.Images
	e := &Episode{
		Index: i, Spec: sp, Classes: make([]int, sp.Way),
		Channels: im.Channels, Height: im.Height, Width: im.Width,
		Support: make([]float32, sp.Way*sp.Shot*im.ImageSize()), Query: make([]float32, sp.Way*sp.Query*im.ImageSize()),
		QueryLabels: make([]int, sp.Way*sp.Query),
		SupportIDs:  make([]int, sp.Way*sp.Shot), QueryIDs: make([]int, sp.Way*sp.Query),
	}
	for label, pick := range sample(rng, len(s.classes), sp.Way) {
		c := s.classes[pick]
		e.Classes[label] = c
		idx := s.pool.ByClass[c]
		picks := sample(rng, len(idx), sp.Shot+sp.Query)
		for j, k := range picks[:sp.Shot] {
			e.SupportIDs[label*sp.Shot+j] = idx[k]
		}
		for j, k := range picks[sp.Shot:] {
			e.QueryIDs[label*sp.Query+j] = idx[k]
			e.QueryLabels[label*sp.Query+j] = label
		}
	}
	t := s.aug.episode(rng, im.Channels, im.Height, im.Width)
	t.fill(e.Support, im, e.SupportIDs, rng)
	t.fill(e.Query, im, e.QueryIDs, rng)
	return e
}

// sample returns k distinct integers from [0, n) in random order: a partial Fisher–Yates shuffle that
// records only the positions it touched, so drawing 20 of 6000 images costs 20 steps.
func sample(rng *rand.Rand, n, k int) []int {
	out := make([]int, k)
	moved := make(map[int]int, k) // position -> value now there, for positions already swapped
	at := func(i int) int {
		if v, ok := moved[i]; ok {
			return v
		}
		return i
	}
	for i := range k {
		j := i + rng.IntN(n-i)
		out[i] = at(j)
		moved[j] = at(i)
	}
	return out
}

// splitmix64 scrambles an episode index into a PCG seed word, so neighbouring episodes get unrelated streams.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
