// Package arch holds the settings of a relnet network as plain values: the backbone, the
// relation head, the kind of head, the loss, the optimiser and the pretraining stage, each
// with its TOML names, its defaults (a zero field means the default, except in Pretrain,
// whose defaults spec.Default sets) and its validation; the kinds of how a run computes
// (device, precision, memory format, BatchNorm at test time); and what every setting of the
// configuration shares: OneOf, which decodes a named kind, and FieldError. It imports
// nothing of relnet: every other package may import it. It is pure Go, so that the
// experiment files can be read and checked without libtorch (experiments/spec), while
// backbone, heads, losses and model build from the same values: every default is written
// here once.
package arch
