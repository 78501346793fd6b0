// Package layers holds the building blocks that backbones and heads share: a Params registry
// (every named tensor of a model, trainable or buffer, in a fixed order), Conv2D, BatchNorm2D,
// Linear and the conv → BN → ReLU → pool block of Sung et al.
//
// Invariants: parameters are initialised in Go from a seeded generator (the paper's scheme), so
// a model is bit-identical for a given seed; Forward methods register every tensor they create
// in the caller's Scope and never free their inputs.
package layers
