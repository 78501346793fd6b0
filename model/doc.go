// Package model joins a shared backbone, a relation head and a loss into one few-shot
// learner with its Adam optimiser: Logits scores an episode, Step trains on one. It knows
// nothing of files or configs beyond its own Config.
package model
