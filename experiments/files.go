package experiments

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/relnet/relnet/internal/atomicfile"
)

// writeJSON writes v as indented JSON, atomically.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'))
}

// jsonLines appends one JSON object per line to a file, synced after every line.
type jsonLines struct{ f *os.File }

func openJSONLines(path string) (*jsonLines, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &jsonLines{f: f}, nil
}

func (j *jsonLines) write(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("writing %s: %w", j.f.Name(), err)
	}
	return j.f.Sync()
}

func (j *jsonLines) close() error { return j.f.Close() }
