// Package datasets reads labelled image sets into memory, on plain Go slices: the labelled
// Images of one class per image, and multi-attribute sources (seed-notebook CSV,
// StreetStyle-27K manifest, image folders) into Attributes, one label column per declared
// exclusive group, with a LoadReport of the lines left out and the labels ignored. IDX files
// and Fashion-MNIST are package fashionmnist's, splits and episodes package sampling's, the
// cache of decoded sets package cache's.
//
// Invariants:
//   - Pixels are float32 in [0,1], image-major, each image C×H×W; Images.Image(i) is a view,
//     not a copy.
//   - Decoding is parallel, and its result does not depend on the number of workers.
//   - A file is read to its end and every image decoded before a read fails, so a
//     *BadLinesError lists every bad line at once (LoadOptions.SkipBadLines loads the rest
//     and lists them in the LoadReport instead). Other bad files and bad settings are errors
//     naming the file, the line or the field; never panics.
//
// The package imports no tensor library: the model turns episodes into tensors.
package datasets
