package fashionmnist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/relnet/relnet/datasets"
)

// fashionMNISTClasses are the Fashion-MNIST class names, indexed by label.
var fashionMNISTClasses = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// Load reads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte from dir, each as NAME.gz or NAME (prefer .gz when both). Errors: missing file (say which
// and mention FASHION_MNIST_DIR / `apt-get install dataset-fashion-mnist`), image/label count mismatch, label ≥ 10.
// ClassNames: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot. Channels=1;
// Height and Width come from the files (28×28 for the real set) and must agree between train and test.
func Load(dir string) (train, test *datasets.Images, err error) {
	train, err = loadFashionMNISTPart(dir, "train", "train-images-idx3-ubyte", "train-labels-idx1-ubyte")
	if err != nil {
		return nil, nil, err
	}
	test, err = loadFashionMNISTPart(dir, "test", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
	if err != nil {
		return nil, nil, err
	}
	if train.ImageShape() != test.ImageShape() {
		return nil, nil, fmt.Errorf("fashion-mnist in %s: train images are %s but test images %s", dir, train.ImageShape(), test.ImageShape())
	}
	return train, test, nil
}

// loadFashionMNISTPart reads one images file and its labels file into a datasets.Images named fashion-mnist/part.
func loadFashionMNISTPart(dir, part, imagesName, labelsName string) (*datasets.Images, error) {
	imagesPath, err := findIDX(dir, imagesName)
	if err != nil {
		return nil, err
	}
	labelsPath, err := findIDX(dir, labelsName)
	if err != nil {
		return nil, err
	}
	dims, pixels, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	if len(dims) != 3 || dims[1] == 0 || dims[2] == 0 {
		return nil, fmt.Errorf("%s: images need dimensions (count, height, width) with height, width > 0; got %v", imagesPath, dims)
	}
	labelDims, labels, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(labelDims) != 1 {
		return nil, fmt.Errorf("%s: labels need one dimension (count), got %v", labelsPath, labelDims)
	}
	if dims[0] != labelDims[0] {
		return nil, fmt.Errorf("fashion-mnist %s: %s has %d images but %s has %d labels", part, imagesPath, dims[0], labelsPath, labelDims[0])
	}
	im := &datasets.Images{
		Name: "fashion-mnist/" + part, Channels: 1, Height: dims[1], Width: dims[2],
		Pixels: make([]float32, len(pixels)), Labels: make([]int, len(labels)),
		ClassNames: slices.Clone(fashionMNISTClasses),
	}
	for i, b := range pixels {
		im.Pixels[i] = float32(b) / 255
	}
	for i, l := range labels {
		if int(l) >= len(fashionMNISTClasses) {
			return nil, fmt.Errorf("%s: label %d of image %d is not a Fashion-MNIST class (0..%d)", labelsPath, l, i, len(fashionMNISTClasses)-1)
		}
		im.Labels[i] = int(l)
	}
	return im, nil
}

// findIDX returns dir/name.gz if it exists, else dir/name, else an error saying how to get the data.
func findIDX(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		_, err := os.Stat(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("fashion-mnist: neither %s.gz nor %s in %s; set FASHION_MNIST_DIR to the data directory or run `apt-get install dataset-fashion-mnist`",
		name, name, dir)
}
