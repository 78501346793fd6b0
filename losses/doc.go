// Package losses turns head logits [M,N] and query labels into scalar training losses: the
// relation MSE of Sung et al. and cross-entropy over the N classes.
package losses
