package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/internal/imagetest"
)

// cacheFixture writes a labels file (13 bytes) and n image files (img<i>.png, 10+i bytes) in dir,
// an absolute directory, and returns a key naming the labels file, a set of n random 3×4×5 images
// (NaN-free, with -0, ±Inf, a subnormal and the extremes) whose Files are the image files' paths,
// with two groups, and its report.
func cacheFixture(t testing.TB, dir string, n int) (Key, *datasets.Attributes, *datasets.LoadReport) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 2))
	labels := filepath.Join(dir, "styles.csv")
	cacheWriteFile(t, labels, []byte("image,labels\n"))
	key := Key{Config: "[data]\nname = \"styles\"\nshape = [3, 4, 5]\n", Files: []string{labels}}
	set := &datasets.Attributes{Name: "styles", Channels: 3, Height: 4, Width: 5, Pixels: make([]float32, n*3*4*5)}
	colour := datasets.Group{Name: "major_color", Values: []string{"blue", "red"}}
	cloth := datasets.Group{Name: "clothing_category", Values: []string{"dress", "t-shirt", "jeans"}}
	for i := range n {
		img := filepath.Join(dir, fmt.Sprintf("img%d.png", i))
		cacheWriteFile(t, img, bytes.Repeat([]byte{byte(i)}, 10+i))
		set.Files = append(set.Files, img)
		colour.Labels = append(colour.Labels, i%2)
		cloth.Labels = append(cloth.Labels, i%4-1) // -1 is datasets.Unlabelled
	}
	set.Groups = []datasets.Group{colour, cloth}
	for i := range set.Pixels {
		set.Pixels[i] = rng.Float32()
	}
	special := []float32{float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32, 1}
	copy(set.Pixels, special)
	report := &datasets.LoadReport{Source: labels, Lines: n + 2, Kept: n,
		Skipped: []datasets.Skip{{Line: 3, Image: "twice.png", Reason: "listed again (first on line 2)"},
			{Line: 5, Image: "ü.jpg", Reason: "two values of group \"major_color\""}}}
	return key, set, report
}

// cacheWriteFile writes content to path or fails the test.
func cacheWriteFile(t testing.TB, path string, content []byte) {
	t.Helper()
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkSamePixels fails unless got and want hold the same float32 bit patterns (DeepEqual
// treats -0 and +0 as equal).
func checkSamePixels(t *testing.T, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d pixel values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("pixel %d is %v (%#x), want %v (%#x)", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// checkNoTempFiles fails if dir holds a leftover temporary file.
func checkNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

// withPortableCache runs f with raw-memory pixel encoding off, as on a big-endian host.
func withPortableCache(t *testing.T, portable bool, f func()) {
	t.Helper()
	saved := cacheNativeLE
	defer func() { cacheNativeLE = saved }()
	if portable {
		cacheNativeLE = false
	}
	f()
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		images                  int
		portableW, portableR    bool
		noSources, emptySkipped bool
	}{
		{name: "set", images: 7},
		{name: "one image", images: 1},
		{name: "no images", images: 0},
		{name: "no key files", images: 3, noSources: true},
		{name: "no key files, no images", images: 0, noSources: true},
		{name: "empty skipped list", images: 3, emptySkipped: true},
		{name: "portable write and read", images: 5, portableW: true, portableR: true},
		{name: "portable write, native read", images: 5, portableW: true},
		{name: "native write, portable read", images: 5, portableR: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			key, set, report := cacheFixture(t, dir, tc.images)
			if tc.images == 0 {
				set.Pixels = nil
				set.Files = []string{}
			}
			if tc.noSources {
				key.Files = nil
			}
			if tc.emptySkipped {
				report.Skipped = []datasets.Skip{}
			}
			path := filepath.Join(dir, "cache", "sub", "styles.cache") // the directories are created
			withPortableCache(t, tc.portableW, func() {
				if err := Write(path, key, set, report); err != nil {
					t.Fatal(err)
				}
			})
			checkNoTempFiles(t, filepath.Dir(path))
			var got *datasets.Attributes
			var gotReport *datasets.LoadReport
			withPortableCache(t, tc.portableR, func() {
				var err error
				if got, gotReport, err = Read(path, key); err != nil {
					t.Fatal(err)
				}
			})
			if !reflect.DeepEqual(got, set) {
				t.Errorf("set:\n got %+v\nwant %+v", got, set)
			}
			checkSamePixels(t, got.Pixels, set.Pixels)
			if !reflect.DeepEqual(gotReport, report) {
				t.Errorf("report:\n got %+v\nwant %+v", gotReport, report)
			}
		})
	}
}

// TestCacheLayout: the file is magic, version, header length, header, little-endian pixels and a
// SHA-256 of the rest, and the portable encoding writes the same bytes as the raw-memory one.
func TestLayout(t *testing.T) {
	dir := t.TempDir()
	key, set, report := cacheFixture(t, dir, 2)
	native, portable := filepath.Join(dir, "native.cache"), filepath.Join(dir, "portable.cache")
	if err := Write(native, key, set, report); err != nil {
		t.Fatal(err)
	}
	withPortableCache(t, true, func() {
		if err := Write(portable, key, set, report); err != nil {
			t.Fatal(err)
		}
	})
	data, err := os.ReadFile(native)
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile(portable)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, other) {
		t.Error("portable and raw-memory encodings differ")
	}
	if string(data[:8]) != "RELNETDS" || binary.LittleEndian.Uint32(data[8:]) != cacheVersion {
		t.Fatalf("preamble %q", data[:12])
	}
	hdrLen := int(binary.LittleEndian.Uint32(data[12:]))
	var hdr cacheHeader
	if err := json.Unmarshal(data[16:16+hdrLen], &hdr); err != nil {
		t.Fatal(err)
	}
	if hdr.Pixels != len(set.Pixels) || hdr.Config != key.Config || !slices.Equal(hdr.Files, set.Files) {
		t.Errorf("header %+v", hdr)
	}
	// The sources are key.Files, then the set's image files, each as stat'ed at write time.
	sources := slices.Concat(key.Files, set.Files)
	if len(hdr.Sources) != len(sources) {
		t.Fatalf("%d sources recorded, want %d: %+v", len(hdr.Sources), len(sources), hdr.Sources)
	}
	for i, name := range sources {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if s := hdr.Sources[i]; s.Path != name || s.Size != fi.Size() || s.ModTime != fi.ModTime().UnixNano() {
			t.Errorf("source %d recorded as %+v, want %s of %d bytes modified at %d", i, s, name, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	px := data[16+hdrLen : len(data)-sha256.Size]
	if len(px) != 4*len(set.Pixels) {
		t.Fatalf("%d payload bytes for %d pixel values", len(px), len(set.Pixels))
	}
	for i, v := range set.Pixels {
		if got := binary.LittleEndian.Uint32(px[4*i:]); got != math.Float32bits(v) {
			t.Fatalf("pixel %d encoded as %#x, want %#x", i, got, math.Float32bits(v))
		}
	}
	if sum := sha256.Sum256(data[:len(data)-sha256.Size]); !bytes.Equal(sum[:], data[len(data)-sha256.Size:]) {
		t.Error("checksum is not the SHA-256 of the rest")
	}
}

func TestOverwrite(t *testing.T) {
	dir := t.TempDir()
	key, set, report := cacheFixture(t, dir, 4)
	path := filepath.Join(dir, "styles.cache")
	if err := Write(path, key, set, report); err != nil {
		t.Fatal(err)
	}
	key.Config += "seed = 2\n"
	set.Name, report.Kept = "styles-2", 3
	set.Pixels[5] = 0.25
	if err := Write(path, key, set, report); err != nil {
		t.Fatal(err)
	}
	got, gotReport, err := Read(path, key)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, set) || !reflect.DeepEqual(gotReport, report) {
		t.Errorf("read %+v %+v, want the second write", got, gotReport)
	}
	checkNoTempFiles(t, dir)
}

func TestReadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.cache")
	set, report, err := Read(path, Key{})
	if !errors.Is(err, os.ErrNotExist) || set != nil || report != nil {
		t.Fatalf("got %v, %v, %v; want an error wrapping os.ErrNotExist", set, report, err)
	}
	if errors.Is(err, ErrStale) || errors.Is(err, ErrCorrupt) {
		t.Errorf("a missing cache is neither stale nor corrupt: %v", err)
	}
}

// TestReadCacheStale: a cache written for a key of two files (the labels file and a split file, so
// that their order matters) and a set of four images is stale once the configuration, the key's
// files or any recorded file on disk (labels, split or image) differ, and the error says what.
func TestReadStale(t *testing.T) {
	later := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, key *Key, images []string) (mention string)
	}{
		{"config changed", func(t *testing.T, key *Key, _ []string) string {
			key.Config += "seed = 2\n"
			return "configuration changed"
		}},
		{"image touched", func(t *testing.T, _ *Key, images []string) string {
			if err := os.Chtimes(images[2], later, later); err != nil {
				t.Fatal(err)
			}
			return images[2] + " modified at"
		}},
		{"image rewritten with another size, same mtime", func(t *testing.T, _ *Key, images []string) string {
			fi, err := os.Stat(images[1])
			if err != nil {
				t.Fatal(err)
			}
			cacheWriteFile(t, images[1], []byte("longer than before"))
			if err := os.Chtimes(images[1], fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			return images[1] + " is 18 bytes, was 11"
		}},
		{"image removed", func(t *testing.T, _ *Key, images []string) string {
			if err := os.Remove(images[3]); err != nil {
				t.Fatal(err)
			}
			return images[3] + " is gone"
		}},
		{"first image removed", func(t *testing.T, _ *Key, images []string) string {
			if err := os.Remove(images[0]); err != nil {
				t.Fatal(err)
			}
			return images[0] + " is gone"
		}},
		{"labels file rewritten", func(t *testing.T, key *Key, _ []string) string {
			cacheWriteFile(t, key.Files[0], []byte("image,labels\nimg0.png,major_color_red\n"))
			return key.Files[0] + " is 38 bytes, was 13"
		}},
		{"labels file touched", func(t *testing.T, key *Key, _ []string) string {
			if err := os.Chtimes(key.Files[0], later, later); err != nil {
				t.Fatal(err)
			}
			return key.Files[0] + " modified at"
		}},
		{"split file removed", func(t *testing.T, key *Key, _ []string) string {
			if err := os.Remove(key.Files[1]); err != nil {
				t.Fatal(err)
			}
			return key.Files[1] + " is gone"
		}},
		{"another labels file, same content and mtime", func(t *testing.T, key *Key, _ []string) string {
			fi, err := os.Stat(key.Files[0])
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(key.Files[0])
			if err != nil {
				t.Fatal(err)
			}
			other := filepath.Join(filepath.Dir(key.Files[0]), "styles-2.csv")
			cacheWriteFile(t, other, data)
			if err := os.Chtimes(other, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			was := key.Files[0]
			key.Files[0] = other
			return "source file 0 is " + other + ", cache was written for " + was
		}},
		{"file added to the key", func(t *testing.T, key *Key, _ []string) string {
			extra := filepath.Join(filepath.Dir(key.Files[0]), "extra.csv")
			cacheWriteFile(t, extra, []byte("x"))
			key.Files = append(key.Files, extra)
			return "7 source files, cache was written for 6"
		}},
		{"image added to the key", func(t *testing.T, key *Key, images []string) string {
			key.Files = append(key.Files, images[0])
			return "7 source files, cache was written for 6"
		}},
		{"file dropped from the key", func(t *testing.T, key *Key, _ []string) string {
			key.Files = key.Files[:1]
			return "5 source files, cache was written for 6"
		}},
		{"no files in the key", func(t *testing.T, key *Key, _ []string) string {
			key.Files = nil
			return "4 source files, cache was written for 6"
		}},
		{"key files reordered", func(t *testing.T, key *Key, _ []string) string {
			key.Files[0], key.Files[1] = key.Files[1], key.Files[0]
			return "source file 0 is " + key.Files[0] + ", cache was written for " + key.Files[1]
		}},
		{"second key file renamed", func(t *testing.T, key *Key, _ []string) string {
			renamed := key.Files[1] + ".copy"
			data, err := os.ReadFile(key.Files[1])
			if err != nil {
				t.Fatal(err)
			}
			cacheWriteFile(t, renamed, data)
			was := key.Files[1]
			key.Files[1] = renamed
			return "source file 1 is " + renamed + ", cache was written for " + was
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			key, set, report := cacheFixture(t, dir, 4)
			split := filepath.Join(dir, "splits.csv")
			cacheWriteFile(t, split, []byte("class,split\nred,test\n"))
			key.Files = append(key.Files, split)
			images := slices.Clone(set.Files)
			path := filepath.Join(dir, "styles.cache")
			if err := Write(path, key, set, report); err != nil {
				t.Fatal(err)
			}
			if _, _, err := Read(path, key); err != nil {
				t.Fatalf("fresh cache: %v", err)
			}
			mention := tc.change(t, &key, images)
			got, gotReport, err := Read(path, key)
			if !errors.Is(err, ErrStale) || errors.Is(err, ErrCorrupt) {
				t.Fatalf("got error %v, want one wrapping ErrStale only", err)
			}
			t.Log(err)
			if got != nil || gotReport != nil {
				t.Error("a stale cache returned a set or report")
			}
			if !strings.Contains(err.Error(), mention) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not mention %q and the cache path", err, mention)
			}
		})
	}
}

// cacheAssemble builds a cache file of header and payload with a correct checksum.
func cacheAssemble(header, payload []byte) []byte {
	data := binary.LittleEndian.AppendUint32([]byte("RELNETDS"), cacheVersion)
	data = binary.LittleEndian.AppendUint32(data, uint32(len(header)))
	data = append(data, header...)
	data = append(data, payload...)
	sum := sha256.Sum256(data)
	return append(data, sum[:]...)
}

func TestReadCorrupt(t *testing.T) {
	dir := t.TempDir()
	key, set, report := cacheFixture(t, dir, 3)
	path := filepath.Join(dir, "styles.cache")
	if err := Write(path, key, set, report); err != nil {
		t.Fatal(err)
	}
	valid, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hdrLen := int(binary.LittleEndian.Uint32(valid[12:]))
	header, payload := valid[16:16+hdrLen], valid[16+hdrLen:len(valid)-sha256.Size]
	var hdr cacheHeader
	if err := json.Unmarshal(header, &hdr); err != nil {
		t.Fatal(err)
	}
	// edited re-encodes the valid header after edit, with a correct checksum.
	edited := func(edit func(h *cacheHeader)) []byte {
		h := hdr
		h.Groups = append([]datasets.Group(nil), hdr.Groups...)
		edit(&h)
		js, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		return cacheAssemble(js, payload)
	}
	flip := func(at int) []byte {
		b := bytes.Clone(valid)
		b[at] ^= 0x10
		return b
	}
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	badVersion := bytes.Clone(valid)
	binary.LittleEndian.PutUint32(badVersion[8:], cacheVersion+1)
	hugeHeader := bytes.Clone(valid)
	binary.LittleEndian.PutUint32(hugeHeader[12:], math.MaxUint32)

	if _, _, err := Read(path, key); err != nil {
		t.Fatalf("valid cache: %v", err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty file", nil},
		{"garbage", garbage},
		{"bad magic", append([]byte("RELNETDX"), valid[8:]...)},
		{"another version", badVersion},
		{"header length beyond the file", hugeHeader},
		{"flipped byte in header", flip(16 + hdrLen/2)},
		{"flipped byte in pixel payload", flip(len(valid) - sha256.Size - 7)},
		{"flipped byte in checksum", flip(len(valid) - 1)},
		{"truncated in preamble", valid[:10]},
		{"truncated in header", valid[:16+hdrLen/2]},
		{"truncated in pixels", valid[:16+hdrLen+len(payload)/2]},
		{"last byte missing", valid[:len(valid)-1]},
		{"checksum missing", valid[:len(valid)-sha256.Size]},
		{"byte appended", append(bytes.Clone(valid), 0)},
		{"pixel bytes not a multiple of 4", cacheAssemble(header, payload[:len(payload)-1])},
		{"header not JSON", cacheAssemble(bytes.Repeat([]byte{'x'}, len(header)), payload)},
		{"unknown header field", cacheAssemble(append([]byte(`{"extra":1,`), header[1:]...), payload)},
		{"data after the header", cacheAssemble(append(bytes.Clone(header), " {}"...), payload)},
		{"pixel count disagrees", edited(func(h *cacheHeader) { h.Pixels-- })},
		{"shape disagrees", edited(func(h *cacheHeader) { h.Width++ })},
		{"negative shape", edited(func(h *cacheHeader) { h.Channels, h.Height = -3, -4 })},
		{"image missing", edited(func(h *cacheHeader) { h.Files = h.Files[1:] })},
		{"labels count disagrees", edited(func(h *cacheHeader) {
			h.Groups[0] = datasets.Group{Name: h.Groups[0].Name, Values: h.Groups[0].Values, Labels: h.Groups[0].Labels[1:]}
		})},
		{"label out of range", edited(func(h *cacheHeader) {
			h.Groups[1] = datasets.Group{Name: h.Groups[1].Name, Values: h.Groups[1].Values[:1], Labels: h.Groups[1].Labels}
		})},
		{"no report", edited(func(h *cacheHeader) { h.Report = nil })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "styles.cache")
			cacheWriteFile(t, p, tc.data)
			got, gotReport, err := Read(p, key)
			if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrStale) {
				t.Fatalf("got error %v, want one wrapping ErrCorrupt only", err)
			}
			t.Log(err)
			if got != nil || gotReport != nil {
				t.Error("a corrupt cache returned a set or report")
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the cache", err)
			}
		})
	}
	// The re-encoding itself is sound, so the cases above fail for their edit only.
	p := filepath.Join(t.TempDir(), "styles.cache")
	cacheWriteFile(t, p, edited(func(*cacheHeader) {}))
	if _, _, err := Read(p, key); err != nil {
		t.Fatalf("re-encoded valid header: %v", err)
	}

	// Damage is found before the sources are compared: once an image has changed, the intact file
	// is stale and a damaged one still corrupt.
	later := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(set.Files[1], later, later); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Read(path, key); !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), set.Files[1]) {
		t.Fatalf("intact cache after an image changed: got %v, want stale naming %s", err, set.Files[1])
	}
	cacheWriteFile(t, p, flip(len(valid)-sha256.Size-7))
	if _, _, err := Read(p, key); !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrStale) {
		t.Fatalf("damaged cache after an image changed: got %v, want corrupt only", err)
	}
}

func TestWriteRejects(t *testing.T) {
	for _, tc := range []struct {
		name, mention string
		edit          func(key *Key, set *datasets.Attributes, report *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport)
	}{
		{"no set", "no set", func(_ *Key, _ *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			return nil, r
		}},
		{"no report", "no report", func(_ *Key, s *datasets.Attributes, _ *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			return s, nil
		}},
		{"pixel count disagrees", "pixel values", func(_ *Key, s *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			s.Pixels = s.Pixels[1:]
			return s, r
		}},
		{"label out of range", "label 2 of image 0", func(_ *Key, s *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			s.Groups[0].Labels[0] = 2
			return s, r
		}},
		{"labels count disagrees", "labels for", func(_ *Key, s *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			s.Groups[1].Labels = s.Groups[1].Labels[:1]
			return s, r
		}},
		{"key file missing", "missing.csv", func(k *Key, s *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			k.Files = append(k.Files, filepath.Join(filepath.Dir(k.Files[0]), "missing.csv"))
			return s, r
		}},
		{"image file missing", "gone.png", func(_ *Key, s *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			s.Files[1] = filepath.Join(filepath.Dir(s.Files[1]), "gone.png")
			return s, r
		}},
		// Image files are stat'ed as named: a relative name is relative to the working directory.
		{"image name relative to another directory", "stat img0.png", func(_ *Key, s *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			s.Files[0] = filepath.Base(s.Files[0])
			return s, r
		}},
		{"key file name not UTF-8", "UTF-8", func(k *Key, s *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			k.Files[0] = "bad\xffname.csv"
			return s, r
		}},
		{"file name not UTF-8", "UTF-8", func(_ *Key, s *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			s.Files[0] = "bad\xffname.png"
			return s, r
		}},
		{"config not UTF-8", "UTF-8", func(k *Key, s *datasets.Attributes, r *datasets.LoadReport) (*datasets.Attributes, *datasets.LoadReport) {
			k.Config = "name = \"\xfe\""
			return s, r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			key, set, report := cacheFixture(t, dir, 3)
			set, report = tc.edit(&key, set, report)
			path := filepath.Join(dir, "styles.cache")
			err := Write(path, key, set, report)
			t.Log(err)
			if err == nil || !strings.Contains(err.Error(), tc.mention) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got error %v, want one naming %s and mentioning %q", err, path, tc.mention)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed write left %s (%v)", path, err)
			}
			checkNoTempFiles(t, dir)
		})
	}
}

// FuzzRead: any cache file either reads into a consistent set, or is an error wrapping
// ErrCorrupt, or ErrStale if intact; only an intact file (checksum matches) reads; it
// never panics.
// `go test -fuzz FuzzRead ./datasets`.
func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	key, set, report := cacheFixture(f, dir, 2)
	path := filepath.Join(dir, "seed.cache")
	if err := Write(path, key, set, report); err != nil {
		f.Fatal(err)
	}
	valid, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{})
	f.Add([]byte("RELNETDS\x02\x00\x00\x00\x02\x00\x00\x00{}"))
	f.Add(cacheAssemble([]byte(`{"pixels":0,"report":{}}`), nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "c.cache")
		cacheWriteFile(t, p, data)
		intact := func() bool {
			if len(data) < 8+sha256.Size {
				return false
			}
			sum := sha256.Sum256(data[:len(data)-sha256.Size])
			return bytes.HasPrefix(data, []byte("RELNETDS")) && bytes.Equal(sum[:], data[len(data)-sha256.Size:])
		}
		got, gotReport, err := Read(p, key)
		if err != nil {
			if got != nil || gotReport != nil {
				t.Fatal("an error came with a set or report")
			}
			if errors.Is(err, ErrStale) && !intact() {
				t.Fatalf("a damaged file reported stale: %v", err)
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrStale) {
				t.Fatalf("error wraps neither ErrCorrupt nor ErrStale: %v", err)
			}
			return
		}
		if !intact() {
			t.Fatal("accepted a file whose checksum does not match")
		}
		if gotReport == nil || len(got.Pixels) != got.Len()*got.Channels*got.Height*got.Width {
			t.Fatalf("inconsistent set %+v, report %v", got, gotReport)
		}
		imagetest.CheckLabels(t, got)
	})
}

// Benchmark writes and reads back a 500-image 3×84×84 set (42 MB of pixels), stat'ing its
// labels file and 500 image files each time.
func Benchmark(b *testing.B) {
	dir := b.TempDir()
	key, set, report := cacheFixture(b, dir, 1)
	const n = 500
	set.Channels, set.Height, set.Width = 3, 84, 84
	set.Pixels = make([]float32, n*3*84*84)
	for i := range set.Pixels {
		set.Pixels[i] = float32(i%256) / 255
	}
	set.Files, set.Groups = make([]string, n), []datasets.Group{{Name: "g", Values: []string{"a"}, Labels: make([]int, n)}}
	for i := range set.Files {
		set.Files[i] = filepath.Join(dir, fmt.Sprintf("img%d.png", i))
		cacheWriteFile(b, set.Files[i], []byte{byte(i)})
	}
	path := filepath.Join(dir, "bench.cache")
	b.Run("write", func(b *testing.B) {
		b.SetBytes(int64(4 * len(set.Pixels)))
		for b.Loop() {
			if err := Write(path, key, set, report); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(4 * len(set.Pixels)))
		for b.Loop() {
			if _, _, err := Read(path, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestImagesRelativeToImageDir checks the readers' form of Files, names relative to the
// image directory: they are found through Key.ImageDir, and a change to one is seen.
func TestImagesRelativeToImageDir(t *testing.T) {
	dir := t.TempDir()
	key, set, report := cacheFixture(t, dir, 3)
	for i, f := range set.Files {
		set.Files[i] = filepath.Base(f)
	}
	key.ImageDir = dir
	path := filepath.Join(dir, "styles.cache")
	if err := Write(path, key, set, report); err != nil {
		t.Fatal(err)
	}
	if got, _, err := Read(path, key); err != nil || !reflect.DeepEqual(got, set) {
		t.Fatalf("read back: %v", err)
	}
	cacheWriteFile(t, filepath.Join(dir, "img1.png"), []byte("another image"))
	if _, _, err := Read(path, key); !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "img1.png") {
		t.Errorf("after changing img1.png: %v, want a stale cache naming it", err)
	}
}
