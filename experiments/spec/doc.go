// Package spec reads experiment files: TOML → typed, validated configuration of every run,
// in plan order (variants × grid points × seeds), and the share of one shard of machines.
//
// It is pure Go (no libtorch): `relnet config`, the fuzzers and every tool that only reads
// experiment files link none of the tensor code. Kinds (source, split, crop, normalisation,
// bad lines, undeclared labels, and arch's: head kind, backbone name, padding, loss,
// interaction form, optimiser, BN mode, device, precision, memory format) are typed values that reject unknown words when
// decoded (arch.OneOf), so Validate holds only ranges and the rules between keys. Every error
// is a *FieldError that carries the file, the line and the key as data.
package spec
