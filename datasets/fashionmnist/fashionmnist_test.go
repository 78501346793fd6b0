package fashionmnist

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
)

// fashionFiles maps each Fashion-MNIST file name to its IDX content: 5 train and 3 test images of 2×3.
func fashionFiles() map[string][]byte {
	return map[string][]byte{
		"train-images-idx3-ubyte": idxBytes([]int{5, 2, 3}, make([]byte, 5*6)),
		"train-labels-idx1-ubyte": idxBytes([]int{5}, []byte{0, 9, 3, 3, 1}),
		"t10k-images-idx3-ubyte":  idxBytes([]int{3, 2, 3}, []byte{255, 0, 51, 0, 0, 0, 12: 0, 17: 102}),
		"t10k-labels-idx1-ubyte":  idxBytes([]int{3}, []byte{2, 8, 7}),
	}
}

// writeFashion writes files into a new temp dir, gzipped as NAME.gz, and returns the dir.
func writeFashion(t *testing.T, files map[string][]byte) string {
	dir := t.TempDir()
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name+".gz"), gzipBytes(content))
	}
	return dir
}

func TestLoad(t *testing.T) {
	dir := writeFashion(t, fashionFiles())
	// A raw file beside the .gz one must be ignored: its labels would differ.
	writeFile(t, filepath.Join(dir, "t10k-labels-idx1-ubyte"), idxBytes([]int{3}, []byte{0, 0, 0}))
	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 5 || test.Len() != 3 || train.Channels != 1 || train.Height != 2 || train.Width != 3 {
		t.Fatalf("train %d images of %s, test %d", train.Len(), train.ImageShape(), test.Len())
	}
	if !slices.Equal(train.Labels, []int{0, 9, 3, 3, 1}) || !slices.Equal(test.Labels, []int{2, 8, 7}) {
		t.Errorf("labels train %v test %v", train.Labels, test.Labels)
	}
	if got, want := test.Image(0), []float32{1, 0, 0.2, 0, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("test image 0 = %v, want %v", got, want)
	}
	if got := test.Image(2)[5]; got != 0.4 {
		t.Errorf("test image 2 pixel 5 = %v, want 0.4", got)
	}
	if train.ClassNames[0] != "T-shirt/top" || train.ClassNames[9] != "Ankle boot" || len(test.ClassNames) != 10 {
		t.Errorf("class names %q", train.ClassNames)
	}
}

func TestLoadFashionMNISTErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(files map[string][]byte)
		wantErr []string
	}{
		{"missing file", func(f map[string][]byte) { delete(f, "t10k-images-idx3-ubyte") },
			[]string{"t10k-images-idx3-ubyte", "FASHION_MNIST_DIR", "apt-get install dataset-fashion-mnist"}},
		{"count mismatch", func(f map[string][]byte) { f["train-labels-idx1-ubyte"] = idxBytes([]int{4}, []byte{0, 1, 2, 3}) },
			[]string{"train-images-idx3-ubyte.gz has 5 images", "train-labels-idx1-ubyte.gz has 4 labels"}},
		{"label out of range", func(f map[string][]byte) { f["t10k-labels-idx1-ubyte"] = idxBytes([]int{3}, []byte{2, 10, 7}) },
			[]string{"t10k-labels-idx1-ubyte.gz", "label 10 of image 1"}},
		{"images not 3-d", func(f map[string][]byte) { f["train-images-idx3-ubyte"] = idxBytes([]int{5, 6}, make([]byte, 30)) },
			[]string{"train-images-idx3-ubyte.gz", "got [5 6]"}},
		{"shapes differ", func(f map[string][]byte) { f["t10k-images-idx3-ubyte"] = idxBytes([]int{3, 3, 2}, make([]byte, 18)) },
			[]string{"train images are 1×2×3 but test images 1×3×2"}},
		{"corrupt file", func(f map[string][]byte) { f["train-labels-idx1-ubyte"] = f["train-labels-idx1-ubyte"][:7] },
			[]string{"train-labels-idx1-ubyte.gz", "truncated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := fashionFiles()
			tt.edit(files)
			_, _, err := Load(writeFashion(t, files))
			if err == nil {
				t.Fatalf("no error, want one saying %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestLoadFashionMNISTReal(t *testing.T) {
	dir := os.Getenv("FASHION_MNIST_DIR")
	if dir == "" {
		dir = "/usr/share/datasets/fashion-mnist"
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no Fashion-MNIST at %s (set FASHION_MNIST_DIR or apt-get install dataset-fashion-mnist): %v", dir, err)
	}
	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		im       *datasets.Images
		n, every int
	}{{train, 60000, 6000}, {test, 10000, 1000}} {
		if tt.im.Len() != tt.n || tt.im.Channels != 1 || tt.im.Height != 28 || tt.im.Width != 28 {
			t.Fatalf("%s: %d images of %s, want %d of 1×28×28", tt.im.Name, tt.im.Len(), tt.im.ImageShape(), tt.n)
		}
		hist := make([]int, 10)
		for _, l := range tt.im.Labels {
			hist[l]++
		}
		for c, n := range hist {
			if n != tt.every {
				t.Errorf("%s: class %d has %d images, want %d", tt.im.Name, c, n, tt.every)
			}
		}
		if lo, hi := slices.Min(tt.im.Pixels), slices.Max(tt.im.Pixels); lo != 0 || hi != 1 {
			t.Errorf("%s: pixels in [%v, %v], want [0, 1]", tt.im.Name, lo, hi)
		}
	}
}
