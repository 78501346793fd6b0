package sampling

import (
	"math/rand/v2"
	"slices"
)

// JointEpisodes returns episode i of every attribute group's sampler (samplers over the same
// images, one per group) with their queries replaced by one shared set: up to Way·Query
// images labelled in every group, each with a label among that group's episode classes, none
// of them a support image of any group. A query is right jointly when every group's head
// classifies it right. ok is false when no image qualifies.
func JointEpisodes(samplers []*Sampler, i int64) (eps []*Episode, ok bool) {
	for _, s := range samplers {
		eps = append(eps, s.Episode(i))
	}
	supports := map[int]bool{}
	for _, ep := range eps {
		for _, id := range ep.SupportIDs {
			supports[id] = true
		}
	}
	first := samplers[0].pool
	var candidates []int
	for _, c := range first.Classes {
	images:
		for _, id := range first.ByClass[c] {
			if supports[id] {
				continue
			}
			for g, s := range samplers {
				if !slices.Contains(eps[g].Classes, s.pool.Images.Labels[id]) {
					continue images
				}
			}
			candidates = append(candidates, id)
		}
	}
	if len(candidates) == 0 {
		return nil, false
	}
	slices.Sort(candidates)
	s0 := samplers[0]
	rng := rand.New(rand.NewPCG(s0.seed^0x6a6f696e74, splitmix64(uint64(i))))
	n := min(len(candidates), s0.spec.Way*s0.spec.Query)
	ids := make([]int, n)
	for k, pick := range sample(rng, len(candidates), n) {
		ids[k] = candidates[pick]
	}
	im := s0.pool.Images
	query := make([]float32, n*im.ImageSize())
	s0.aug.episode(rng, im.Channels, im.Height, im.Width).fill(query, im, ids, rng)
	for g, ep := range eps {
		joint := *ep
		joint.Query, joint.QueryIDs, joint.QueryLabels = query, ids, make([]int, n)
		for k, id := range ids {
			joint.QueryLabels[k] = slices.Index(ep.Classes, samplers[g].pool.Images.Labels[id])
		}
		eps[g] = &joint
	}
	return eps, true
}
