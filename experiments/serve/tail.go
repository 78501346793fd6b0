package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/relnet/relnet/experiments/results"
)

// metricsTail is a metrics.jsonl read up to its last complete line. Each update reads only
// what was appended since the previous one; a line still being written waits for its
// newline, and a file replaced or cut shorter (a resumed run rewrites it) is read anew.
type metricsTail struct {
	info    os.FileInfo // of the file as last read; nil before it exists
	offset  int64       // bytes parsed
	lines   int         // lines parsed
	records []results.Record
	bad     string // the first line that did not parse, with its number and error
}

// update reads what name (relative to root) gained since the last call and reports whether
// anything changed.
func (t *metricsTail) update(root *os.Root, name string) (bool, error) {
	f, err := root.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		gone := t.info != nil
		*t = metricsTail{}
		return gone, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	restarted := t.info != nil && (!os.SameFile(t.info, info) || info.Size() < t.offset)
	if restarted {
		*t = metricsTail{}
	}
	t.info = info
	if info.Size() == t.offset {
		return restarted, nil
	}
	buf := make([]byte, info.Size()-t.offset)
	n, err := f.ReadAt(buf, t.offset)
	if err != nil && err != io.EOF {
		return restarted, err
	}
	end := bytes.LastIndexByte(buf[:n], '\n')
	if end < 0 {
		return restarted, nil
	}
	for line := range bytes.Lines(buf[:end+1]) {
		t.parse(name, line)
	}
	t.offset += int64(end + 1)
	return true, nil
}

// parse adds one line's record, or notes the first line that is not one.
func (t *metricsTail) parse(name string, line []byte) {
	t.lines++
	var rec results.Record
	if err := json.Unmarshal(line, &rec); err != nil {
		if t.bad == "" {
			t.bad = fmt.Sprintf("%s:%d: %v", name, t.lines, err)
		}
		return
	}
	t.records = append(t.records, rec)
}
