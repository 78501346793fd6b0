// Package sampling turns a labelled image set into few-shot episodes: pools (the images one
// split sees, by class), class and image splits, the seeded episode sampler with its
// augmentations (normalisation, rotations), its ordered and bounded prefetch, and the joint
// episodes that score several attribute groups on shared queries.
//
// Invariants:
//   - A Pool holds each image at most once, grouped by label, indices ascending; pools are
//     read-only once built, so any number of goroutines may sample from them.
//   - Sampler.Episode(i) depends only on the sampler's seed and i, so a run resumed at
//     episode i continues the exact stream it would have seen without stopping.
//   - Within an episode the classes are distinct, and the support and query images are
//     distinct images of their class.
package sampling
