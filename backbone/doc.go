// Package backbone holds the embedding CNNs that map images [B,C,H,W] to feature maps. Each
// backbone infers its output shape from a dry forward pass at construction, so any input size
// that survives its pooling works; a size that does not is an error naming the shape.
package backbone
