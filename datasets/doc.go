// Package datasets owns relnet's image data on plain Go slices: reading IDX files
// (Fashion-MNIST), in-memory labelled image sets, class and image splits, and the
// episode sampler with its augmentations and its ordered, bounded prefetch.
// Multi-attribute sets (seed-notebook CSV, StreetStyle-27K manifest) load into Attributes, one label column per declared exclusive group.
//
// Invariants:
//   - Pixels are float32, image-major, each image C×H×W; Images.Image(i) is a view, not a copy.
//   - A Pool holds each image at most once, grouped by label, indices ascending; pools are
//     read-only once built, so any number of goroutines may sample from them.
//   - Sampler.Episode(i) depends only on the sampler's seed and i, so a run resumed at
//     episode i continues the exact stream it would have seen without stopping.
//   - Within an episode the classes are distinct, and the support and query images are
//     distinct images of their class.
//   - Bad files and bad settings are errors naming the file or the field, never panics.
//
// The package imports no tensor library: the model turns episodes into tensors.
package datasets
