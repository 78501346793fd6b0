package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/relnet/relnet/internal/atomicfile"
)

// WriteJSON writes v as indented JSON, atomically.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'))
}

// JSONLines appends one JSON object per line to a file, synced after every line.
type JSONLines struct{ f *os.File }

// OpenJSONLines opens path for appending, making its directory.
func OpenJSONLines(path string) (*JSONLines, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &JSONLines{f: f}, nil
}

// Write appends v as one line and syncs the file.
func (j *JSONLines) Write(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("writing %s: %w", j.f.Name(), err)
	}
	return j.f.Sync()
}

// Close closes the file.
func (j *JSONLines) Close() error { return j.f.Close() }

// ErrRunLocked is returned when another process is training the same run.
var ErrRunLocked = errors.New("another relnet process is training this run")

// LockRun takes the run directory's lock (an flock on dir/.lock, released when the process
// ends, however it ends), so that two processes never train one run into the same files.
func LockRun(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", dir, ErrRunLocked)
		}
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
