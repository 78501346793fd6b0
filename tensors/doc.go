// Package tensors owns relnet's access to libtorch beyond gotch's generated ops: the process
// set-up (threads, seed, malloc tuning, device), tensor ownership per step (Scope), conversion
// to and from Go slices, and the optimiser kernels (Adam, gradient clipping) of shim.cpp.
//
// Invariants: all tensor work runs on one goroutine locked to its OS thread (libtorch's grad
// mode, OpenMP state and error state are per thread; see Run); every tensor a step creates is
// registered in that step's Scope and freed when the scope is dropped; library code never calls
// gotch's Must* functions: failures panic with *Error and are recovered into an error by Recover
// at one boundary, so callers can always flush checkpoints and results.
package tensors
