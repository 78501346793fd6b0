// Package cache keeps a decoded multi-attribute image set in one file, so that it is decoded
// once, not by every run or process that trains on it. A cache file is trusted only while it
// is intact (SHA-256) and every file it was decoded from is unchanged (size and modification
// time); otherwise Read says why and the caller decodes again.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/internal/atomicfile"
)

// A cache file is: the magic "RELNETDS", the format version and the header length (uint32
// little-endian each), the JSON header (cacheHeader), the pixels as little-endian float32, and a
// SHA-256 over everything before it.
const (
	cacheMagic    = "RELNETDS"
	cacheVersion  = 2 // bump when cacheHeader, datasets.Group, datasets.LoadReport or datasets.Skip change
	cachePreamble = len(cacheMagic) + 4 + 4
)

var (
	// ErrStale: the cache was written for another configuration or other source files.
	ErrStale = errors.New("stale dataset cache")
	// ErrCorrupt: the cache file is not one Write wrote, or was damaged since.
	ErrCorrupt = errors.New("corrupt dataset cache")
)

// cacheNativeLE: the host stores float32 little-endian, so pixels are written and read as raw
// memory. A variable so tests can exercise the portable path.
var cacheNativeLE = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Key describes what a cached set was decoded from: a caller-chosen description of the
// data configuration (any string, e.g. its TOML) and the files known before reading (the
// labels file). The set's own image files (datasets.Attributes.Files) are recorded beside them.
type Key struct {
	Config   string   // the data configuration the set was decoded with
	Files    []string // the files read first, e.g. the labels file
	ImageDir string   // the directory the set's relative Files are in
}

// imagePaths is where the set's image files are on disk.
func (k Key) imagePaths(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f
		if !filepath.IsAbs(f) {
			out[i] = filepath.Join(k.ImageDir, filepath.FromSlash(f))
		}
	}
	return out
}

// cacheHeader is the JSON header of a cache file.
type cacheHeader struct {
	Config   string               `json:"config"`
	Sources  []cacheSource        `json:"sources"` // Key.Files, then the set's Files, as stat'ed at write time
	Name     string               `json:"name"`
	Channels int                  `json:"channels"`
	Height   int                  `json:"height"`
	Width    int                  `json:"width"`
	Files    []string             `json:"files"`
	Groups   []datasets.Group     `json:"groups"`
	Report   *datasets.LoadReport `json:"report"`
	Pixels   int                  `json:"pixels"` // number of float32 values in the payload
}

// cacheSource is one source file as it was when the cache was written.
type cacheSource struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_unix_nano"`
}

// Write writes set and report to path atomically (temp file in the same dir, fsync, rename),
// recording for each of key.Files and set.Files its size and modification time (os.Stat at
// write time).
// A set whose shape, pixel count or labels disagree, or with a string that is not valid UTF-8, is
// an error, so whatever Write writes Read accepts. An empty Pixels reads back as nil.
func Write(path string, key Key, set *datasets.Attributes, report *datasets.LoadReport) error {
	fail := func(err error) error { return fmt.Errorf("writing cache %s: %w", path, err) }
	if set == nil || report == nil {
		return fail(errors.New("no set or no report"))
	}
	if err := checkCacheable(set, report); err != nil {
		return fail(err)
	}
	hdr := cacheHeader{Config: key.Config, Name: set.Name, Channels: set.Channels, Height: set.Height,
		Width: set.Width, Files: set.Files, Groups: set.Groups, Report: report, Pixels: len(set.Pixels)}
	if !utf8.ValidString(key.Config) {
		return fail(errors.New("config is not valid UTF-8"))
	}
	for _, name := range slices.Concat(key.Files, key.imagePaths(set.Files)) {
		if !utf8.ValidString(name) {
			return fail(fmt.Errorf("source file name %q is not valid UTF-8", name))
		}
		fi, err := os.Stat(name)
		if err != nil {
			return fail(err)
		}
		hdr.Sources = append(hdr.Sources, cacheSource{Path: name, Size: fi.Size(), ModTime: fi.ModTime().UnixNano()})
	}
	js, err := json.Marshal(hdr)
	if err != nil {
		return fail(err)
	}
	if uint64(len(js)) > math.MaxUint32 {
		return fail(fmt.Errorf("header of %d bytes is too large", len(js)))
	}
	pre := make([]byte, 0, cachePreamble)
	pre = append(pre, cacheMagic...)
	pre = binary.LittleEndian.AppendUint32(pre, cacheVersion)
	pre = binary.LittleEndian.AppendUint32(pre, uint32(len(js)))
	err = atomicfile.WriteFunc(path, func(f io.Writer) error {
		h := sha256.New()
		w := io.MultiWriter(f, h)
		if _, err := w.Write(pre); err != nil {
			return err
		}
		if _, err := w.Write(js); err != nil {
			return err
		}
		if err := writeCachePixels(w, set.Pixels); err != nil {
			return err
		}
		_, err := f.Write(h.Sum(nil))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

// writeCachePixels writes px as little-endian float32: raw memory on a little-endian host, else in chunks.
func writeCachePixels(w io.Writer, px []float32) error {
	if cacheNativeLE {
		_, err := w.Write(cacheFloat32Bytes(px))
		return err
	}
	buf := make([]byte, 64<<10)
	for len(px) > 0 {
		n := min(len(px), len(buf)/4)
		for i, v := range px[:n] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		if _, err := w.Write(buf[:4*n]); err != nil {
			return err
		}
		px = px[n:]
	}
	return nil
}

// readCachePixels fills px from r, the inverse of writeCachePixels.
func readCachePixels(r io.Reader, px []float32) error {
	if cacheNativeLE {
		_, err := io.ReadFull(r, cacheFloat32Bytes(px))
		return err
	}
	buf := make([]byte, 64<<10)
	for len(px) > 0 {
		n := min(len(px), len(buf)/4)
		if _, err := io.ReadFull(r, buf[:4*n]); err != nil {
			return err
		}
		for i := range px[:n] {
			px[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
		px = px[n:]
	}
	return nil
}

// cacheFloat32Bytes views px's memory as bytes (no copy).
func cacheFloat32Bytes(px []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(px))), 4*len(px))
}

// Read returns the set and report cached at path if the file is intact and was written for
// key: same Config, the same key.Files, and each of them and of the set's image files with the
// same size and modification time now.
// A missing file returns an error wrapping os.ErrNotExist; a stale cache (config, file list, any size
// or mtime differ, a file gone) returns an error wrapping ErrStale saying which file or what
// changed; a corrupt one (bad magic, version, truncated, checksum mismatch, malformed header) wraps
// ErrCorrupt. Never returns a partially trusted set. The whole file is checked before its
// header is trusted, so a damaged cache is reported corrupt, never stale.
func Read(path string, key Key) (*datasets.Attributes, *datasets.LoadReport, error) {
	js, px, err := readCacheFile(path)
	if err != nil {
		return nil, nil, err
	}
	set, hdr, err := decodeCacheHeader(path, js, px)
	if err != nil {
		return nil, nil, err
	}
	if err := checkCacheSources(hdr, key); err != nil {
		return nil, nil, fmt.Errorf("%s: %w: %s", path, ErrStale, err)
	}
	return set, hdr.Report, nil
}

// corruptCache is the error for the cache file at path when it is not one Write wrote: it wraps
// ErrCorrupt and says what is wrong.
func corruptCache(path, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", path, ErrCorrupt, fmt.Sprintf(format, args...))
}

// readCacheFile reads the whole cache file at path and checks its framing and checksum. It returns
// the JSON header, not yet decoded, and the pixels (nil when there are none).
func readCacheFile(path string) (js []byte, px []float32, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading cache: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("reading cache: %w", err)
	}
	size := fi.Size()
	if size < int64(cachePreamble+sha256.Size) {
		return nil, nil, corruptCache(path, "%d bytes, too short (truncated?)", size)
	}
	h := sha256.New()
	r := io.TeeReader(f, h)
	hdrLen, payload, err := readCachePreamble(path, r, size)
	if err != nil {
		return nil, nil, err
	}
	js = make([]byte, hdrLen)
	if _, err := io.ReadFull(r, js); err != nil {
		return nil, nil, corruptCache(path, "reading header: %v", err)
	}
	if payload > 0 {
		px = make([]float32, payload/4)
	}
	if err := readCachePixels(r, px); err != nil {
		return nil, nil, corruptCache(path, "reading pixels: %v", err)
	}
	sum := make([]byte, sha256.Size)
	if _, err := io.ReadFull(f, sum); err != nil {
		return nil, nil, corruptCache(path, "reading checksum: %v", err)
	}
	if !bytes.Equal(sum, h.Sum(nil)) {
		return nil, nil, corruptCache(path, "checksum mismatch")
	}
	return js, px, nil
}

// readCachePreamble reads the magic, format version and header length of the cache file at path,
// size bytes long, from r, and returns the header's length and the payload's (the pixels' bytes),
// checking that they fit the file.
func readCachePreamble(path string, r io.Reader, size int64) (hdrLen, payload int64, err error) {
	pre := make([]byte, cachePreamble)
	if _, err := io.ReadFull(r, pre); err != nil {
		return 0, 0, corruptCache(path, "reading preamble: %v", err)
	}
	if string(pre[:len(cacheMagic)]) != cacheMagic {
		return 0, 0, corruptCache(path, "bad magic %q", pre[:len(cacheMagic)])
	}
	if v := binary.LittleEndian.Uint32(pre[len(cacheMagic):]); v != cacheVersion {
		return 0, 0, corruptCache(path, "format version %d, want %d", v, cacheVersion)
	}
	hdrLen = int64(binary.LittleEndian.Uint32(pre[len(cacheMagic)+4:]))
	payload = size - int64(cachePreamble) - hdrLen - sha256.Size
	if payload < 0 || payload%4 != 0 {
		return 0, 0, corruptCache(path, "%d bytes do not fit a %d-byte header, whole float32 pixels and a checksum (truncated?)", size, hdrLen)
	}
	return hdrLen, payload, nil
}

// decodeCacheHeader decodes js, the JSON header of the cache file at path, and checks it against
// px, the file's pixels: it returns the cached set and the header, or an error wrapping ErrCorrupt.
func decodeCacheHeader(path string, js []byte, px []float32) (*datasets.Attributes, cacheHeader, error) {
	var hdr cacheHeader
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hdr); err != nil {
		return nil, hdr, corruptCache(path, "header: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, hdr, corruptCache(path, "header: data after the JSON object")
	}
	if hdr.Pixels != len(px) {
		return nil, hdr, corruptCache(path, "header says %d pixel values, payload holds %d", hdr.Pixels, len(px))
	}
	set := &datasets.Attributes{Name: hdr.Name, Channels: hdr.Channels, Height: hdr.Height, Width: hdr.Width,
		Pixels: px, Files: hdr.Files, Groups: hdr.Groups}
	if hdr.Report == nil {
		return nil, hdr, corruptCache(path, "header: no report")
	}
	if err := checkCacheable(set, hdr.Report); err != nil {
		return nil, hdr, corruptCache(path, "header: %v", err)
	}
	return set, hdr, nil
}

// checkCacheSources says what differs between the configuration and files a cache was written for
// and key, or nil.
func checkCacheSources(hdr cacheHeader, key Key) error {
	if hdr.Config != key.Config {
		return errors.New("data configuration changed")
	}
	if len(hdr.Sources) != len(key.Files)+len(hdr.Files) {
		return fmt.Errorf("%d source files, cache was written for %d", len(key.Files)+len(hdr.Files), len(hdr.Sources))
	}
	for i, was := range hdr.Sources {
		name := was.Path
		if i < len(key.Files) && key.Files[i] != name {
			return fmt.Errorf("source file %d is %s, cache was written for %s", i, key.Files[i], name)
		}
		fi, err := os.Stat(name)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s is gone", name)
		}
		if err != nil {
			return err
		}
		if fi.Size() != was.Size {
			return fmt.Errorf("%s is %d bytes, was %d", name, fi.Size(), was.Size)
		}
		if mt := fi.ModTime().UnixNano(); mt != was.ModTime {
			return fmt.Errorf("%s modified at %s, cache was written for %s", name,
				fi.ModTime().UTC().Format(time.RFC3339Nano), time.Unix(0, was.ModTime).UTC().Format(time.RFC3339Nano))
		}
	}
	return nil
}

// checkCacheable checks that set's shape, pixel count and labels agree and that every string
// survives JSON unchanged (is valid UTF-8).
func checkCacheable(set *datasets.Attributes, report *datasets.LoadReport) error {
	n := set.Len()
	if set.Channels < 0 || set.Height < 0 || set.Width < 0 {
		return fmt.Errorf("set %q: negative shape %d×%d×%d", set.Name, set.Channels, set.Height, set.Width)
	}
	if want, ok := cacheProduct(n, set.Channels, set.Height, set.Width); !ok || want != len(set.Pixels) {
		return fmt.Errorf("set %q: %d pixel values for %d images of %d×%d×%d", set.Name, len(set.Pixels), n,
			set.Channels, set.Height, set.Width)
	}
	strs := append([]string{set.Name, report.Source}, set.Files...)
	for _, g := range set.Groups {
		if len(g.Labels) != n {
			return fmt.Errorf("set %q: group %q has %d labels for %d images", set.Name, g.Name, len(g.Labels), n)
		}
		for i, l := range g.Labels {
			if l != datasets.Unlabelled && (l < 0 || l >= len(g.Values)) {
				return fmt.Errorf("set %q: group %q: label %d of image %d is outside 0..%d", set.Name, g.Name, l, i, len(g.Values)-1)
			}
		}
		strs = append(strs, g.Name)
		strs = append(strs, g.Values...)
	}
	for _, s := range report.Skipped {
		strs = append(strs, s.Image, s.Reason)
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			return fmt.Errorf("set %q: %q is not valid UTF-8", set.Name, s)
		}
	}
	return nil
}

// product multiplies non-negative ints, reporting false on overflow.
func cacheProduct(xs ...int) (int, bool) {
	p := 1
	for _, x := range xs {
		if x == 0 {
			return 0, true
		}
	}
	for _, x := range xs {
		if p > math.MaxInt/x {
			return 0, false
		}
		p *= x
	}
	return p, true
}
