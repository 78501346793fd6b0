// Package losses turns head logits [M,N] and query labels into scalar training losses: the
// relation MSE of Sung et al. and cross-entropy over the N classes (Compute), and the
// interaction loss that links two heads through the label co-occurrence of their groups
// (Interaction, with Cooccurrence built from the training labels).
package losses
