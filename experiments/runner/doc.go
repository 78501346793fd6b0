// Package runner is the application that trains and evaluates the runs of an experiment;
// nothing else imports it but the CLI. Each run is one session that gets its data from a
// rundata.Loader (decoded once per experiment), builds its learner once through
// experiments/build and serves training, then evaluation. The training loop is short: it
// steps the learner on one episode per attribute group and calls named hooks (metrics, log,
// validation, checkpoint, progress) when they are due; a hook's error names the hook.
//
// Invariants: tensor work runs on the tensor goroutine (tensors.Run); files are written
// atomically or appended and synced line by line, so a run killed at any point resumes from
// its last checkpoint to the same weights as an uninterrupted one; nothing is written for a
// run whose directory holds another configuration.
package runner
