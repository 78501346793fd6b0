package sampling

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
)

func TestEpisodeSpecValidate(t *testing.T) {
	im := datasets.RandomImages(4, 6, 1, 1, 1, 1)
	p := NewPool(im, []int{0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10}) // classes 0, 1: 6 images; 2: 3 images
	tests := []struct {
		spec    EpisodeSpec
		pool    *Pool
		wantErr string // "" means valid
	}{
		{EpisodeSpec{2, 1, 5}, p, ""},
		{EpisodeSpec{3, 1, 2}, p, ""},
		{EpisodeSpec{1, 1, 1}, p, "Way = 1"},
		{EpisodeSpec{2, 0, 1}, p, "Shot = 0"},
		{EpisodeSpec{2, 1, 0}, p, "Query = 0"},
		{EpisodeSpec{2, 1, 1}, nil, "no pool"},
		{EpisodeSpec{3, 1, 3}, p, "synth: a 3-way 1-shot 3-query episode needs 3 classes with at least 4 images each (shot 1 + query 3), and 2 of its 3 classes have that many; images of the others: class2 (3)"},
		{EpisodeSpec{5, 1, 1}, p, "needs 5 classes, and this split has 3 (class0, class1, class2)"},
	}
	for _, tt := range tests {
		err := tt.spec.Validate(tt.pool)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%+v: error = %v, want %q", tt.spec, err, tt.wantErr)
		}
	}
}

func TestNewSamplerErrors(t *testing.T) {
	p := NewPool(datasets.RandomImages(3, 4, 1, 2, 3, 1), []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	if _, err := NewSampler(p, EpisodeSpec{4, 1, 1}, Augment{}, 1); err == nil || !strings.Contains(err.Error(), "needs 4 classes") {
		t.Errorf("too many ways: error = %v", err)
	}
	if _, err := NewSampler(p, EpisodeSpec{2, 1, 1}, Augment{Rotate90: true}, 1); err == nil || !strings.Contains(err.Error(), "square") {
		t.Errorf("Rotate90 on 2×3: error = %v", err)
	}
	p.Images.Pixels = p.Images.Pixels[1:]
	if _, err := NewSampler(p, EpisodeSpec{2, 1, 1}, Augment{}, 1); err == nil || !strings.Contains(err.Error(), "pixel values") {
		t.Errorf("short pixels: error = %v", err)
	}
}

// checkEpisode fails unless e is a well-formed episode of spec drawn from p without augmentation.
func checkEpisode(t *testing.T, p *Pool, spec EpisodeSpec, e *Episode) {
	t.Helper()
	im := p.Images
	if e.Spec != spec || len(e.Classes) != spec.Way || len(e.SupportIDs) != spec.Way*spec.Shot || len(e.QueryIDs) != spec.Way*spec.Query ||
		len(e.QueryLabels) != spec.Way*spec.Query || len(e.Support) != len(e.SupportIDs)*im.ImageSize() || len(e.Query) != len(e.QueryIDs)*im.ImageSize() ||
		e.Channels != im.Channels || e.Height != im.Height || e.Width != im.Width {
		t.Fatalf("episode %d has the wrong shape: %+v", e.Index, e)
	}
	classes := map[int]bool{}
	for _, c := range e.Classes {
		if classes[c] || len(p.ByClass[c]) == 0 {
			t.Fatalf("episode %d: classes %v not distinct classes of the pool", e.Index, e.Classes)
		}
		classes[c] = true
	}
	used := map[int]bool{}
	check := func(ids []int, per int, pixels []float32, labels []int) {
		for k, id := range ids {
			label := k / per
			if used[id] || !slices.Contains(p.ByClass[e.Classes[label]], id) || im.Labels[id] != e.Classes[label] {
				t.Fatalf("episode %d: image %d at %d is repeated or not of class %d", e.Index, id, k, e.Classes[label])
			}
			used[id] = true
			if labels != nil && labels[k] != label {
				t.Fatalf("episode %d: QueryLabels[%d] = %d, want %d", e.Index, k, labels[k], label)
			}
			n := im.ImageSize()
			if !slices.Equal(pixels[k*n:(k+1)*n], im.Image(id)) {
				t.Fatalf("episode %d: pixels at %d are not image %d", e.Index, k, id)
			}
		}
	}
	check(e.SupportIDs, spec.Shot, e.Support, nil)
	check(e.QueryIDs, spec.Query, e.Query, e.QueryLabels)
}

func TestSamplerInvariants(t *testing.T) {
	im := datasets.RandomImages(12, 25, 2, 3, 3, 1)
	half := make([]int, 0, im.Len())
	for i := range im.Len() {
		if im.Labels[i] != 11 && (im.Labels[i] != 10 || i < 126) { // class 11 absent, class 10 has 10 images
			half = append(half, i)
		}
	}
	pool := NewPool(im, half)
	tests := []struct {
		spec EpisodeSpec
		seed uint64
	}{
		{EpisodeSpec{5, 1, 19}, 1},
		{EpisodeSpec{5, 5, 15}, 2},
		{EpisodeSpec{2, 1, 1}, 3},
		{EpisodeSpec{11, 2, 3}, 4},  // every class, including the small class 10
		{EpisodeSpec{10, 5, 20}, 5}, // every image of the ten full classes; class 10 is too small
	}
	for _, tt := range tests {
		s, err := NewSampler(pool, tt.spec, Augment{}, tt.seed)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int64{}
		for i := range int64(30) {
			e := s.Episode(i)
			if e.Index != i {
				t.Fatalf("Episode(%d).Index = %d", i, e.Index)
			}
			checkEpisode(t, pool, tt.spec, e)
			if slices.Contains(e.Classes, 10) && tt.spec.Shot+tt.spec.Query > 10 {
				t.Fatalf("%+v: class 10 has too few images but was drawn", tt.spec)
			}
			key := fmt.Sprint(e.Classes, e.SupportIDs, e.QueryIDs)
			if j, ok := seen[key]; ok {
				t.Errorf("%+v seed %d: episodes %d and %d are identical", tt.spec, tt.seed, j, i)
			}
			seen[key] = i
		}
	}
}

func TestSamplerDeterminism(t *testing.T) {
	pool := allImages(datasets.RandomImages(8, 30, 1, 5, 5, 2))
	aug := Augment{Mean: []float64{0.5}, Std: []float64{0.25}, RotateDegrees: 20, Rotate90: true}
	spec := EpisodeSpec{5, 2, 4}
	s, err := NewSampler(pool, spec, aug, 11)
	if err != nil {
		t.Fatal(err)
	}
	twin, _ := NewSampler(pool, spec, aug, 11)
	other, _ := NewSampler(pool, spec, aug, 12)
	forward := make([]*Episode, 20)
	for i := range forward {
		forward[i] = s.Episode(int64(i))
	}
	for _, i := range rand.New(rand.NewPCG(3, 4)).Perm(len(forward)) {
		if e := twin.Episode(int64(i)); !reflect.DeepEqual(e, forward[i]) {
			t.Fatalf("Episode(%d) differs when drawn in another order by a twin sampler", i)
		}
		if e := s.Episode(int64(i)); !reflect.DeepEqual(e, forward[i]) {
			t.Fatalf("Episode(%d) differs when drawn again", i)
		}
		if e := other.Episode(int64(i)); reflect.DeepEqual(e.SupportIDs, forward[i].SupportIDs) && reflect.DeepEqual(e.QueryIDs, forward[i].QueryIDs) {
			t.Errorf("Episode(%d) is the same for seeds 11 and 12", i)
		}
		if i > 0 && slices.Equal(forward[i].Query, forward[i-1].Query) {
			t.Errorf("episodes %d and %d have the same query pixels", i-1, i)
		}
	}
}

func TestSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	counts := make([]int, 6) // how often each value comes first
	for range 6000 {
		got := sample(rng, 6, 4)
		if len(got) != 4 || len(slices.Compact(slices.Sorted(slices.Values(got)))) != 4 || slices.Min(got) < 0 || slices.Max(got) >= 6 {
			t.Fatalf("sample(6, 4) = %v, want 4 distinct values in [0, 6)", got)
		}
		counts[got[0]]++
	}
	for v, n := range counts {
		if n < 850 || n > 1150 { // expected 1000, sd ≈ 29
			t.Errorf("value %d came first %d times of 6000, want about 1000", v, n)
		}
	}
	if all := sample(rng, 5, 5); !slices.Equal(slices.Sorted(slices.Values(all)), []int{0, 1, 2, 3, 4}) {
		t.Errorf("sample(5, 5) = %v, want a permutation", all)
	}
}

func BenchmarkEpisode(b *testing.B) {
	im := datasets.RandomImages(10, 100, 1, 28, 28, 1)
	pool := allImages(im)
	mean, std := pool.Stats()
	s, err := NewSampler(pool, EpisodeSpec{5, 1, 19}, Augment{Mean: mean, Std: std, RotateDegrees: 15}, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := int64(0); b.Loop(); i++ {
		s.Episode(i)
	}
}
