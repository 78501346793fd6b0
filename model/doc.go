// Package model joins a shared backbone, one head per attribute group and the losses into
// one few-shot learner. The head kind (arch.HeadKind) is a relation head per group, one
// shared relation head (the single-head baseline), parameter-free prototype heads, or the
// supervised classifier baseline (a softmax layer per group, scored on an episode's classes
// or, for classes unseen in training, by nearest mean feature). Forward scores one episode
// per group in one backbone call, Objective turns the scores into the training loss, and a
// Learner (model and Adam) takes a training step and lists the state a checkpoint holds. It
// knows nothing of files or experiment files beyond its own Config.
package model
