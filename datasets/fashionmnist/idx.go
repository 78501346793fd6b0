// Package fashionmnist reads IDX files and the Fashion-MNIST set (Debian's
// dataset-fashion-mnist, .gz or raw) into labelled image sets.
package fashionmnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// idxUbyte is the IDX type code of unsigned bytes, the only type ReadIDX decodes.
const idxUbyte = 0x08

// maxIDXBytes bounds the payload a header may announce, so a corrupt header cannot overflow the size.
const maxIDXBytes = 1 << 40

// idxTypeNames names the IDX type codes for error messages.
var idxTypeNames = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

// ReadIDX reads an IDX file (gzip-compressed if the name ends in .gz or the content starts with the gzip magic; raw otherwise).
// Returns the dimensions and the raw unsigned-byte payload. Only type 0x08 (ubyte) is supported.
// Errors name the file and say what is wrong: bad magic, unsupported type, truncated payload (expected N bytes, got M), trailing bytes, bad gzip.
func ReadIDX(path string) (dims []int, data []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err // *fs.PathError names the file
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); strings.HasSuffix(path, ".gz") || string(magic) == "\x1f\x8b" {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: bad gzip: %w", path, err)
		}
		defer zr.Close()
		r = gzipReader{zr}
	}
	dims, data, err = decodeIDX(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return dims, data, nil
}

// decodeIDX decodes an uncompressed IDX stream and checks that it ends right after the payload.
func decodeIDX(r io.Reader) ([]int, []byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, nil, readError(err, "header")
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, nil, fmt.Errorf("bad magic % x: an IDX file starts with 00 00", head[:2])
	}
	if head[2] != idxUbyte {
		name, ok := idxTypeNames[head[2]]
		if !ok {
			name = "unknown"
		}
		return nil, nil, fmt.Errorf("unsupported type 0x%02X (%s): only 0x08 (unsigned byte) is supported", head[2], name)
	}
	raw := make([]byte, 4*int(head[3]))
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, nil, readError(err, "header")
	}
	dims := make([]int, head[3])
	size := int64(1)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(raw[4*i:]))
		if d != 0 && size > maxIDXBytes/d {
			return nil, nil, fmt.Errorf("dimensions in header exceed %d bytes", int64(maxIDXBytes))
		}
		dims[i] = int(d)
		size *= d
	}
	data, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) < size {
		return nil, nil, fmt.Errorf("truncated payload: expected %d bytes for dimensions %v, got %d", size, dims, len(data))
	}
	extra, err := io.Copy(io.Discard, r) // also makes gzip verify its checksum
	if err != nil {
		return nil, nil, err
	}
	if extra > 0 {
		return nil, nil, fmt.Errorf("%d trailing bytes after the %d-byte payload of dimensions %v", extra, size, dims)
	}
	return dims, data, nil
}

// gzipError marks an error of the gzip stream, as opposed to a short but well-formed IDX stream.
type gzipError struct{ err error }

func (e gzipError) Error() string { return "bad gzip: " + e.err.Error() }

// gzipReader wraps a gzip reader so that its errors read as gzipError.
type gzipReader struct{ r *gzip.Reader }

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError{err}
	}
	return n, err
}

// readError reports a short read of the named part as truncation, keeping gzip and I/O errors as they are.
func readError(err error, part string) error {
	var gz gzipError
	if !errors.As(err, &gz) && (err == io.EOF || err == io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated %s", part)
	}
	return err
}
