// Package synth writes a synthetic multi-attribute garment set whose ground truth is known:
// Fashion-MNIST silhouettes filled with a colour and a pattern and placed on a cluttered
// background, labelled in three exclusive groups (category_, color_, pattern_) with
// conditional probabilities the Config sets. It exists so relnet can show that one relation
// head per attribute group beats a single shared head, and measure the interaction loss
// between heads against dependencies that are known exactly.
//
// Generate writes, under its output directory:
//
//	images/img_000000.png …   Size×Size 8-bit RGB PNGs, one per image index
//	synth.toml                the resolved Config (every default filled in)
//	labels.csv                header "image,labels", then one line per image in index order:
//	                          img_000017.png,category_dress color_red pattern_striped
//
// Invariants:
//   - Image i depends only on the resolved Config, i and the Fashion-MNIST training set:
//     its random draws come from a PCG stream seeded by (Seed, i). The same Config gives
//     byte-identical files for any number of workers.
//   - Every image has exactly one label per group, in the order category, color, pattern.
//   - The category is uniform over Config.Categories; given the category, colour and pattern
//     are drawn independently, each from its correlations (the rest of the mass spread
//     evenly over the group's other values); the silhouette is uniform over the category's
//     training images. So P(color, pattern | category) is known exactly.
//   - Clutter uses the configured colours, so the background says nothing about the label.
//   - labels.csv is written last and atomically (temp file + rename): when it exists, every
//     image it lists is complete.
//   - Bad settings are errors naming the TOML key; bad data are errors naming the file.
//
// The package draws on plain Go slices and imports no tensor library.
package synth
