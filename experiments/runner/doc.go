// Package runner trains and evaluates the runs of an experiment: the only package above
// model that uses libtorch. Each run is one session that gets its data from a rundata.Loader
// (decoded once per experiment), builds its learner once and serves training, then
// evaluation. The training loop is short: it steps the learner on one episode per attribute
// group and calls named hooks (log, validate, checkpoint, progress) when they are due.
//
// Invariants: tensor work runs on the tensor goroutine (tensors.Run); files are written
// atomically or appended and synced line by line, so a run killed at any point resumes from
// its last checkpoint to the same weights as an uninterrupted one; nothing is written for a
// run whose directory holds another configuration.
package runner
