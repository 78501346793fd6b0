// Package model joins a shared backbone, one head per attribute group (relation heads, one
// shared relation head, or prototype heads) and the losses into one few-shot learner with
// its Adam optimiser: Forward scores one episode per group in one backbone call, Objective
// turns the scores into the training loss. It knows nothing of files or configs beyond its
// own Config.
package model
