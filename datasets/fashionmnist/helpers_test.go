package fashionmnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"testing"
)

// idxBytes encodes an unsigned-byte IDX file with the given dimensions and payload.
func idxBytes(dims []int, payload []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, idxUbyte, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(payload)
	return b.Bytes()
}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// writeFile writes content to path or fails the test.
func writeFile(t testing.TB, path string, content []byte) {
	t.Helper()
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzDecodeIDX: any byte stream either decodes to a payload whose size matches its
// dimensions, or is an error; it never panics. `go test -fuzz FuzzDecodeIDX ./datasets/fashionmnist`.
func FuzzDecodeIDX(f *testing.F) {
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 2, 7, 9})
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4})
	f.Add([]byte{0, 0, 9, 1, 0, 0, 0, 1, 5})
	f.Fuzz(func(t *testing.T, stream []byte) {
		dims, data, err := decodeIDX(bytes.NewReader(stream))
		if err != nil {
			return
		}
		size := 1
		for _, d := range dims {
			size *= d
		}
		if size != len(data) {
			t.Fatalf("dimensions %v but %d payload bytes", dims, len(data))
		}
	})
}
