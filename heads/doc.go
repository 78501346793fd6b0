// Package heads holds the comparison modules that score queries against an episode's
// classes from backbone feature maps. Heads return logits [M,N] (M queries × N classes);
// losses turn them into training signals.
package heads
