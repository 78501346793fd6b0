// Package datasets is the core of relnet's image sets, in memory on plain Go slices: the
// labelled Images of one class per image; Attributes, a multi-attribute set with one label
// column per declared exclusive group, and the LoadReport of the lines a read left out and the
// labels it ignored; DecodeImage, which checks an image's header before decoding it; and what
// every labelled source shares: the groups and CSV records of a labels file (OpenLabels,
// ReadRecord) and the assembly of its rows into Attributes (Assemble: parallel decoding, bad
// lines, checks). Each source is a package of its own: seedcsv (the seed notebook's CSV),
// streetstyle (the StreetStyle-27K manifest), folder (image folders), miniimagenet (images/ and
// split CSVs), cub (CUB-200-2011 with its attributes), fashionmnist (IDX files
// and Fashion-MNIST); splits and episodes are package sampling's, the cache of decoded sets
// package cache's.
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
