// Package arch holds the settings of a relnet network as plain values: the backbone, the
// relation head, the kind of head, the loss and the optimiser, each with its TOML names, its
// defaults (a zero field means the default) and its validation; and what every setting of
// the configuration shares: OneOf, which decodes a named kind, and FieldError. It imports
// nothing of relnet: every other package may import it. It is pure Go, so that the
// experiment files can be read and checked without libtorch (experiments/spec), while
// backbone, heads, losses and model build from the same values: every default is written
// here once.
package arch
