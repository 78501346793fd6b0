package runner

import "github.com/relnet/relnet/datasets/sampling"

// The pixel floor is the no-learning baseline every model must beat: each query goes to the
// class whose mean support image is nearest in Euclidean distance over raw (normalised)
// pixels.

// pixelFloorCorrect says which of ep's queries the pixel floor classifies right.
func pixelFloorCorrect(ep *sampling.Episode) []bool {
	size := ep.Channels * ep.Height * ep.Width
	way, shot := ep.Spec.Way, ep.Spec.Shot
	centroids := make([]float64, way*size)
	for c := 0; c < way; c++ {
		for k := 0; k < shot; k++ {
			img := ep.Support[(c*shot+k)*size : (c*shot+k+1)*size]
			for i, v := range img {
				centroids[c*size+i] += float64(v) / float64(shot)
			}
		}
	}
	correct := make([]bool, len(ep.QueryLabels))
	for q, label := range ep.QueryLabels {
		img := ep.Query[q*size : (q+1)*size]
		best, bestDist := -1, 0.0
		for c := 0; c < way; c++ {
			var dist float64
			for i, v := range img {
				d := float64(v) - centroids[c*size+i]
				dist += d * d
			}
			if best < 0 || dist < bestDist {
				best, bestDist = c, dist
			}
		}
		correct[q] = best == label
	}
	return correct
}
