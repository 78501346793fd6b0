package fashionmnist

import (
	"flag"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the IDX fixtures under testdata/idx")

func TestReadIDX(t *testing.T) {
	good := idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	badType := slices.Clone(good)
	badType[2] = 0x0D
	corrupt := gzipBytes(good)
	corrupt[len(corrupt)-6] ^= 0xff // inside the CRC-32 trailer
	tests := []struct {
		name    string
		file    string
		content []byte
		wantErr string // "" means success
	}{
		{"raw", "a-idx2-ubyte", good, ""},
		{"gzip by name", "a-idx2-ubyte.gz", gzipBytes(good), ""},
		{"gzip by magic", "a-idx2-ubyte", gzipBytes(good), ""},
		{"bad magic", "a", append([]byte{1, 0}, good[2:]...), "bad magic"},
		{"unsupported type", "a", badType, "unsupported type 0x0D (float32)"},
		{"truncated header", "a", good[:6], "truncated header"},
		{"truncated payload", "a", good[:len(good)-2], "expected 6 bytes for dimensions [2 3], got 4"},
		{"trailing bytes", "a", append(slices.Clone(good), 9, 9), "2 trailing bytes"},
		{"gzip truncated payload", "a.gz", gzipBytes(good[:len(good)-1]), "expected 6 bytes for dimensions [2 3], got 5"},
		{"corrupt gzip", "a.gz", corrupt, "bad gzip"},
		{"truncated gzip", "a.gz", gzipBytes(good)[:20], "bad gzip"},
		{"not gzip but named .gz", "a.gz", good, "bad gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			writeFile(t, path, tt.content)
			dims, data, err := ReadIDX(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error = %v, want one naming %s and saying %q", err, path, tt.wantErr)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dims, []int{2, 3}) || !slices.Equal(data, []byte{1, 2, 3, 4, 5, 6}) {
				t.Fatalf("got dims %v data %v", dims, data)
			}
		})
	}
}

func TestReadIDXMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.gz")
	if _, _, err := ReadIDX(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error = %v, want one naming %s", err, path)
	}
}

// The committed fixtures: three 4×4 images (image k, pixel p has value 16k+p) and their labels.
var (
	fixtureImagesPath = filepath.Join("..", "..", "testdata", "idx", "tiny-images-idx3-ubyte.gz")
	fixtureLabelsPath = filepath.Join("..", "..", "testdata", "idx", "tiny-labels-idx1-ubyte.gz")
	fixtureLabels     = []byte{7, 0, 9}
)

func fixturePixels() []byte {
	px := make([]byte, 3*4*4)
	for i := range px {
		px[i] = byte(i)
	}
	return px
}

func TestReadIDXFixtures(t *testing.T) {
	if *update {
		writeFile(t, fixtureImagesPath, gzipBytes(idxBytes([]int{3, 4, 4}, fixturePixels())))
		writeFile(t, fixtureLabelsPath, gzipBytes(idxBytes([]int{3}, fixtureLabels)))
	}
	tests := []struct {
		path string
		dims []int
		data []byte
	}{
		{fixtureImagesPath, []int{3, 4, 4}, fixturePixels()},
		{fixtureLabelsPath, []int{3}, fixtureLabels},
	}
	for _, tt := range tests {
		dims, data, err := ReadIDX(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(dims, tt.dims) || !slices.Equal(data, tt.data) {
			t.Errorf("%s: got dims %v data %v, want %v %v", tt.path, dims, data, tt.dims, tt.data)
		}
	}
}
