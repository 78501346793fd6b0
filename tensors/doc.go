// Package tensors owns relnet's access to libtorch beyond gotch's generated ops: the process
// set-up (threads, seed, malloc tuning, device), tensor ownership per step (Scope), conversion
// to and from Go slices, and the optimiser kernels (Adam, gradient clipping) of shim.cpp.
//
// Invariants: all tensor work runs on one goroutine locked to its OS thread (libtorch's grad
// mode, OpenMP state and error state are per thread; see Run); every tensor a step creates is
// registered in that step's Scope and freed when the scope is dropped; library code never calls
// gotch's Must* functions: failures panic with *Error, and Recover turns them back into an
// error where a caller can act on it: Run (the boundary of all tensor work), the constructors
// that build parameters (model.New, model.NewAdam, the dry run that infers a backbone's output
// shape) and the checkpoint reader and writer. So callers can always flush checkpoints and
// results.
package tensors
