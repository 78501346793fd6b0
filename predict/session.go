package predict

import (
	"context"
	"io"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/tensors"
)

// SessionOptions say what a Session opens: the checkpoint (checked against the run's
// config.toml when RunConfig is set), where it runs, and the support set.
type SessionOptions struct {
	Checkpoint, RunConfig string
	Runtime
	Support string // a folder of class folders or a seed-notebook CSV (see ReadSupport)
	Group   string // the group a support folder defines; "" for the model's only one
	// Load says how support and query images are read: decoding goroutines (0: one per
	// libtorch thread), bad images, the largest image.
	Load datasets.LoadOptions
}

// Session is a trained model with its support set embedded: what classifying queries needs.
// Open it, list queries, run them, free it, all on the tensor goroutine (tensors.Run).
type Session struct {
	Model   *Model
	Support *Support
	Report  *datasets.LoadReport // how the support set loaded: the images it left out
	load    datasets.LoadOptions
}

// OpenSession opens the model (Open), reads the support set (ReadSupport) and embeds it.
func OpenSession(o SessionOptions) (*Session, error) {
	m, err := Open(o.Checkpoint, o.RunConfig, o.Runtime)
	if err != nil {
		return nil, err
	}
	if o.Load.Workers < 1 {
		o.Load.Workers = tensors.Threads()
	}
	set, report, err := ReadSupport(o.Support, m, o.Group, o.Load)
	if err != nil {
		m.Free()
		return nil, err
	}
	sup, err := m.Embed(set)
	if err != nil {
		m.Free()
		return nil, err
	}
	return &Session{Model: m, Support: sup, Report: report, load: o.Load}, nil
}

// Queries lists the query images that args name (see ListQueries).
func (s *Session) Queries(args []string) ([]Query, error) {
	return ListQueries(args, s.Model, s.Support, s.load)
}

// Run classifies queries against the support set (see Run); images larger than the
// session's limit are skipped like unreadable ones.
func (s *Session) Run(ctx context.Context, queries []Query, out, errs io.Writer, opts Options) (Summary, error) {
	if opts.MaxPixels == 0 {
		opts.MaxPixels = s.load.MaxPixels
	}
	return Run(ctx, s.Model, s.Support, queries, out, errs, opts)
}

// Free releases the support set and the model.
func (s *Session) Free() {
	s.Support.Free()
	s.Model.Free()
}
