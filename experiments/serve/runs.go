package serve

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/relnet/relnet/experiments/results"
)

// State is where a run stands, read from the files of its directory.
type State string

const (
	Waiting State = "waiting" // planned, not started (no config.toml yet)
	Running State = "running" // its lock is held, or its metrics were written within Recent
	Stopped State = "stopped" // started, neither running nor finished: `relnet run` resumes it
	Failed  State = "failed"  // failed.json: the error it recorded
	Done    State = "done"    // eval.json
)

// Recent is how lately a run's metrics must have been written for it to count as running
// when its lock cannot be seen (a run on another machine of a shared file system).
const Recent = 2 * time.Minute

// run is what the server holds of one planned run, refreshed from its files.
type run struct {
	plan     results.PlannedRun
	dir      string // relative to the results folder: experiment/run
	state    State
	config   file
	data     file // data.txt
	eval     *results.EvalResult
	evalFile file
	failure  *results.Failure
	failFile file
	total    int64 // train.episodes of config.toml
	metrics  metricsTail
	modified time.Time // the last write to any of its files
	gen      uint64    // the experiment's generation when it last changed
	problem  string    // a file that could not be read or parsed
}

// file is one small file of a run as last read.
type file struct {
	info os.FileInfo
	text []byte
}

// refresh re-reads what changed in file name (relative to root); it reports whether it did.
func (f *file) refresh(root *os.Root, name string) (bool, error) {
	info, err := root.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		gone := f.info != nil
		*f = file{}
		return gone, nil
	}
	if err != nil {
		return false, err
	}
	if f.info != nil && os.SameFile(f.info, info) && f.info.Size() == info.Size() && f.info.ModTime().Equal(info.ModTime()) {
		return false, nil
	}
	text, err := root.ReadFile(name)
	if err != nil {
		return false, err
	}
	f.info, f.text = info, text
	return true, nil
}

// refresh re-reads the run's files that changed and works out its state; locked says
// whether its lock is held. It reports whether anything changed.
func (r *run) refresh(root *os.Root, locked func(name string) bool) (bool, error) {
	changed := false
	for _, step := range []func() (bool, error){
		func() (bool, error) { return r.config.refresh(root, path.Join(r.dir, results.ConfigFile)) },
		func() (bool, error) { return r.data.refresh(root, path.Join(r.dir, results.DataFile)) },
		func() (bool, error) { return r.evalFile.refresh(root, path.Join(r.dir, results.EvalFile)) },
		func() (bool, error) { return r.failFile.refresh(root, path.Join(r.dir, results.FailedFile)) },
		func() (bool, error) { return r.metrics.update(root, path.Join(r.dir, results.MetricsFile)) },
	} {
		c, err := step()
		if err != nil {
			return changed, err
		}
		changed = changed || c
	}
	if changed {
		r.decode()
	}
	state := r.stateNow(locked(path.Join(r.dir, ".lock")))
	changed = changed || state != r.state
	r.state = state
	return changed, nil
}

// decode parses the run's small files after one of them changed.
func (r *run) decode() {
	r.problem, r.eval, r.failure, r.total = "", nil, nil, 0
	var cfg struct{ Train struct{ Episodes int64 } }
	if _, err := toml.Decode(string(r.config.text), &cfg); err != nil {
		r.problem = results.ConfigFile + ": " + err.Error()
	}
	r.total = cfg.Train.Episodes
	if r.evalFile.info != nil {
		r.eval = &results.EvalResult{}
		if err := json.Unmarshal(r.evalFile.text, r.eval); err != nil {
			r.eval, r.problem = nil, results.EvalFile+": "+err.Error()
		}
	}
	if r.failFile.info != nil {
		r.failure = &results.Failure{}
		if err := json.Unmarshal(r.failFile.text, r.failure); err != nil {
			r.failure.Error = "(" + results.FailedFile + " does not parse: " + err.Error() + ")"
		}
	}
	r.modified = time.Time{}
	for _, info := range []os.FileInfo{r.config.info, r.data.info, r.evalFile.info, r.failFile.info, r.metrics.info} {
		if info != nil && info.ModTime().After(r.modified) {
			r.modified = info.ModTime()
		}
	}
}

// stateNow is the run's state from the files it has.
func (r *run) stateNow(locked bool) State {
	switch {
	case r.failure != nil:
		return Failed
	case r.eval != nil:
		return Done
	case locked || (r.metrics.info != nil && time.Since(r.metrics.info.ModTime()) < Recent):
		return Running
	case r.config.info != nil:
		return Stopped
	}
	return Waiting
}
