package sampling

import (
	"slices"
	"testing"

	"github.com/relnet/relnet/datasets"
)

func TestJointEpisodesShareQueriesLabelledInEveryGroup(t *testing.T) {
	// 400 one-pixel images; group a has 5 values (i mod 5), group b 4 values ((i/5) mod 4),
	// every 7th image has no b label. Pixel value = image index, to check the query images.
	const n = 400
	pixels := make([]float32, n)
	a, b := make([]int, n), make([]int, n)
	for i := range n {
		pixels[i] = float32(i)
		a[i], b[i] = i%5, (i/5)%4
		if i%7 == 0 {
			b[i] = datasets.Unlabelled
		}
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	spec := EpisodeSpec{Way: 3, Shot: 1, Query: 4}
	var samplers []*Sampler
	for g, labels := range [][]int{a, b} {
		im := &datasets.Images{Name: "x", Channels: 1, Height: 1, Width: 1, Pixels: pixels, Labels: labels, ClassNames: []string{"0", "1", "2", "3", "4"}[:5-g]}
		s, err := NewSampler(NewPool(im, all), spec, Augment{}, uint64(10+g))
		if err != nil {
			t.Fatal(err)
		}
		samplers = append(samplers, s)
	}
	for i := range int64(50) {
		eps, ok := JointEpisodes(samplers, i)
		if !ok {
			t.Fatalf("episode %d: no joint queries", i)
		}
		again, _ := JointEpisodes(samplers, i)
		if !slices.Equal(eps[0].QueryIDs, again[0].QueryIDs) {
			t.Fatalf("episode %d is not deterministic", i)
		}
		if len(eps[0].QueryIDs) != spec.Way*spec.Query {
			t.Errorf("episode %d: %d queries, want %d", i, len(eps[0].QueryIDs), spec.Way*spec.Query)
		}
		for g, ep := range eps {
			plain := samplers[g].Episode(i)
			if !slices.Equal(ep.SupportIDs, plain.SupportIDs) || !slices.Equal(ep.Classes, plain.Classes) {
				t.Fatalf("episode %d group %d: supports differ from the group's own episode", i, g)
			}
			for k, id := range ep.QueryIDs {
				label := [][]int{a, b}[g][id]
				if label == datasets.Unlabelled || ep.Classes[ep.QueryLabels[k]] != label || ep.Query[k] != float32(id) {
					t.Errorf("episode %d group %d query %d: image %d label %d, episode says class %d", i, g, k, id, label, ep.Classes[ep.QueryLabels[k]])
				}
				if slices.Contains(eps[0].SupportIDs, id) || slices.Contains(eps[1].SupportIDs, id) {
					t.Errorf("episode %d: query %d is a support image", i, id)
				}
			}
		}
	}
}
