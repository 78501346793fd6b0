// Package replica writes miniature replicas of the standard few-shot benchmarks in the layouts
// their downloads give (miniImageNet's images/ and split CSVs, Omniglot's images_background/
// and images_evaluation/, CUB-200-2011 as extracted): a handful of classes of tiny images with
// every file of the real layout present, odd cases included (byte-order marks, CRLF line ends,
// CUB's certainty-1 attribute lines and an image without a box). Tests of the readers, of the
// experiment packages and of the command read them, as no download is possible there.
package replica

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
)

// Colour is the colour of class k's images: distinct for the first classes, so that a test
// can tell classes apart by their pixels.
func Colour(k int) color.RGBA {
	return color.RGBA{uint8(40 * (k % 7)), uint8(255 - 30*(k%9)), uint8(60 * (k % 5)), 255}
}

// writeImage writes a w×h image of colour c, with a darker square in its top-left quarter, as
// PNG or (by the name's extension) JPEG, making its folder.
func writeImage(path string, w, h int, c color.RGBA) error {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			px := c
			if x < w/4 && y < h/4 {
				px = color.RGBA{c.R / 2, c.G / 2, c.B / 2, 255}
			}
			img.SetRGBA(x, y, px)
		}
	}
	var b bytes.Buffer
	var err error
	if strings.HasSuffix(path, ".png") {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return writeFile(path, b.String())
}

// writeFile writes text to path, making its folder.
func writeFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// MiniImageNetClasses are the classes of MiniImageNet's replica by split file: train.csv,
// val.csv, test.csv.
var MiniImageNetClasses = [3][]string{{"n01532829", "n01558993", "n01704323"}, {"n01855672", "n02091244"}, {"n01930112", "n01981276", "n02099601"}}

// MiniImageNet writes miniImageNet's layout under root: images/<wnid><8 digits>.jpg, perClass
// 8×8 images of each of MiniImageNetClasses, and train.csv (a byte-order mark and CRLF line
// ends), val.csv and test.csv, each with its `filename,label` header.
func MiniImageNet(root string, perClass int) error {
	k := 0
	for r, name := range []string{"train.csv", "val.csv", "test.csv"} {
		var b strings.Builder
		b.WriteString("filename,label\n")
		for _, class := range MiniImageNetClasses[r] {
			for i := range perClass {
				file := fmt.Sprintf("%s%08d.jpg", class, i+1)
				if err := writeImage(filepath.Join(root, "images", file), 8, 8, Colour(k)); err != nil {
					return err
				}
				fmt.Fprintf(&b, "%s,%s\n", file, class)
			}
			k++
		}
		text := b.String()
		if r == 0 {
			text = "\ufeff" + strings.ReplaceAll(text, "\n", "\r\n")
		}
		if err := writeFile(filepath.Join(root, name), text); err != nil {
			return err
		}
	}
	return nil
}

// OmniglotParts are the two folders of Omniglot's official archives: background (training)
// and evaluation (test) alphabets.
var OmniglotParts = [2]string{"images_background", "images_evaluation"}

// OmniglotAlphabets are the alphabets of Omniglot's replica by part.
var OmniglotAlphabets = [2][]string{{"Greek", "Latin"}, {"Atlantean", "Ojibwe_(Canadian_Aboriginal_Syllabics)"}}

// Omniglot writes Omniglot's layout under root: <part>/<alphabet>/character<NN>/<NNNN>_<NN>.png
// for each of OmniglotParts and its OmniglotAlphabets, characters 8×8 images of each of
// characters characters (drawers drawings each), and a stray file (a .DS_Store, as archives
// unpacked on a Mac hold) that readers ignore.
func Omniglot(root string, characters, drawers int) error {
	k := 0
	for p, part := range OmniglotParts {
		for _, alphabet := range OmniglotAlphabets[p] {
			for c := range characters {
				for d := range drawers {
					file := fmt.Sprintf("%s/%s/character%02d/%04d_%02d.png", part, alphabet, c+1, 100+k, d+1)
					if err := writeImage(filepath.Join(root, file), 8, 8, Colour(k)); err != nil {
						return err
					}
				}
				k++
			}
		}
		if err := writeFile(filepath.Join(root, part, ".DS_Store"), "\x00"); err != nil {
			return err
		}
	}
	return nil
}

// CUBSpecies are the species of CUB's replica, as classes.txt names them (sorted, so that the
// closer-look split takes 0, 2, 4, 6 for training, 1, 5 for validation and 3, 7 for test).
var CUBSpecies = []string{"001.Black_footed_Albatross", "002.Laysan_Albatross", "003.Sooty_Albatross", "004.Groove_billed_Ani",
	"005.Crested_Auklet", "006.Least_Auklet", "007.Parakeet_Auklet", "008.Rhinoceros_Auklet"}

// CUBAttributes are the lines of the replica's attributes.txt: two groups of three values and
// an undeclared one.
var CUBAttributes = []string{"has_bill_shape::dagger", "has_bill_shape::hooked", "has_bill_shape::cone",
	"has_wing_color::blue", "has_wing_color::brown", "has_wing_color::white", "has_eye_color::black"}

// CUBValue is the value (index into its group's three) that image j of species k has in
// attribute group g (0: has_bill_shape, 1: has_wing_color) of the replica, present with
// certainty 3 or 4; the replica's image 0 of each species has two bill shapes present
// (unlabelled for that group), and every image has its next value marked present with
// certainty 1 (not visible), which a certainty of 2 or more ignores.
func CUBValue(k, j, g int) int { return (k + j*(g+1)) % 3 }

// CUB writes CUB-200-2011 as its archive extracts under root: CUB_200_2011/ with images/
// (perClass 16×12 JPEGs of each of CUBSpecies), images.txt, image_class_labels.txt,
// classes.txt, train_test_split.txt, bounding_boxes.txt (no box for the last image of each
// species), attributes/image_attribute_labels.txt (every attribute of every image, as the
// archive lists them) and attributes/certainties.txt; and attributes.txt beside it.
func CUB(root string, perClass int) error {
	dir := filepath.Join(root, "CUB_200_2011")
	var images, labels, split, boxes, attrs, classes strings.Builder
	id := 0
	for k, species := range CUBSpecies {
		fmt.Fprintf(&classes, "%d %s\n", k+1, species)
		for j := range perClass {
			id++
			file := fmt.Sprintf("%s/%s_%04d_%d.jpg", species, strings.SplitN(species, ".", 2)[1], j+1, 100+id)
			if err := writeImage(filepath.Join(dir, "images", file), 16, 12, Colour(k)); err != nil {
				return err
			}
			fmt.Fprintf(&images, "%d %s\n", id, file)
			fmt.Fprintf(&labels, "%d %d\n", id, k+1)
			fmt.Fprintf(&split, "%d %d\n", id, j%2)
			if j < perClass-1 {
				fmt.Fprintf(&boxes, "%d 2.0 1.0 %d.0 9.0\n", id, 10+j%3)
			}
			cubAttributeLines(&attrs, id, k, j)
		}
	}
	files := map[string]string{"images.txt": images.String(), "image_class_labels.txt": labels.String(), "classes.txt": classes.String(),
		"train_test_split.txt": split.String(), "bounding_boxes.txt": boxes.String(), "attributes/image_attribute_labels.txt": attrs.String(),
		"attributes/certainties.txt": "1 not visible\n2 guessing\n3 probably\n4 definitely\n"}
	for name, text := range files {
		if err := writeFile(filepath.Join(dir, name), text); err != nil {
			return err
		}
	}
	var names strings.Builder
	for a, line := range CUBAttributes {
		fmt.Fprintf(&names, "%d %s\n", a+1, line)
	}
	return writeFile(filepath.Join(root, "attributes.txt"), names.String())
}

// cubAttributeLines writes the attribute lines of image id, image j of species k.
func cubAttributeLines(b *strings.Builder, id, k, j int) {
	for a := range CUBAttributes {
		g, v := a/3, a%3
		present, certainty := 0, 3
		switch {
		case g < 2 && v == CUBValue(k, j, g):
			present, certainty = 1, 3+j%2
		case g == 0 && j == 0 && v == (CUBValue(k, j, g)+2)%3: // a second bill shape: unlabelled
			present, certainty = 1, 4
		case g < 2 && v == (CUBValue(k, j, g)+1)%3: // marked present, but not visible
			present, certainty = 1, 1
		}
		fmt.Fprintf(b, "%d %d %d %d %d.0\n", id, a+1, present, certainty, 5+a)
	}
}
