package sampling

import (
	"slices"
	"testing"

	"github.com/relnet/relnet/datasets"
)

// TestBatchesDealOnlyTrainingImages is the leak test of pretraining's data: in a class split,
// every image of an epoch's batches belongs to a training class, each training image is dealt
// exactly once per epoch, and no validation or test image ever is.
func TestBatchesDealOnlyTrainingImages(t *testing.T) {
	im := datasets.RandomImages(10, 7, 1, 4, 4, 3)
	train, val, test, err := SplitByClass(im, []int{0, 2, 4, 6, 8}, []int{1, 3}, []int{5, 7, 9})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBatches([]*Pool{train}, 8, Augment{}, true, 1)
	if err != nil {
		t.Fatal(err)
	}
	held := map[int]bool{}
	for _, p := range []*Pool{val, test} {
		for _, idx := range p.ByClass {
			for _, i := range idx {
				held[i] = true
			}
		}
	}
	for epoch := range 3 {
		var dealt []int
		order := b.Epoch(epoch)
		for i := range b.PerEpoch() {
			batch := order.Batch(i)
			for j, id := range batch.IDs {
				if held[id] || !slices.Contains(train.Classes, im.Labels[id]) {
					t.Fatalf("epoch %d batch %d deals image %d of class %d, which training does not hold", epoch, i, id, im.Labels[id])
				}
				if batch.Labels[0][j] != im.Labels[id] {
					t.Fatalf("image %d labelled %d, want %d", id, batch.Labels[0][j], im.Labels[id])
				}
			}
			dealt = append(dealt, batch.IDs...)
		}
		slices.Sort(dealt)
		if len(dealt) != train.Len() || len(slices.Compact(dealt)) != train.Len() {
			t.Fatalf("epoch %d dealt %d images (%d distinct), want each of the %d training images once", epoch, len(dealt), len(slices.Compact(dealt)), train.Len())
		}
	}
}

// TestBatchesAreReproducible: a batch depends only on (seed, epoch, index), epochs differ in
// order, and flipping mirrors rows.
func TestBatchesAreReproducible(t *testing.T) {
	im := datasets.RandomImages(3, 5, 1, 2, 3, 7)
	p := NewPool(im, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})
	b, err := NewBatches([]*Pool{p}, 4, Augment{}, false, 9)
	if err != nil {
		t.Fatal(err)
	}
	if b.PerEpoch() != 4 || len(b.Epoch(0).Batch(3).IDs) != 3 {
		t.Fatalf("15 images in batches of 4: %d batches, last of %d", b.PerEpoch(), len(b.Epoch(0).Batch(3).IDs))
	}
	again, _ := NewBatches([]*Pool{p}, 4, Augment{}, false, 9)
	if !slices.Equal(b.Epoch(1).Batch(2).IDs, again.Epoch(1).Batch(2).IDs) || !slices.Equal(b.Epoch(1).Batch(2).Pixels, again.Epoch(1).Batch(2).Pixels) {
		t.Fatal("the same seed, epoch and index dealt different batches")
	}
	if slices.Equal(b.Epoch(0).Batch(0).IDs, b.Epoch(1).Batch(0).IDs) {
		t.Fatal("two epochs dealt their first batch in the same order")
	}
	id := b.Epoch(0).Batch(0).IDs[0]
	if got := b.Epoch(0).Batch(0).Pixels[:3]; !slices.Equal(got, im.Image(id)[:3]) {
		t.Fatalf("unflipped image %v, want %v", got, im.Image(id)[:3])
	}
	flipped, _ := NewBatches([]*Pool{p}, 15, Augment{}, true, 9)
	batch := flipped.Epoch(0).Batch(0)
	mirrored := 0
	for j, id := range batch.IDs {
		row, src := batch.Pixels[j*6:j*6+3], im.Image(id)[:3]
		if !slices.Equal(row, src) {
			if !slices.Equal(row, []float32{src[2], src[1], src[0]}) {
				t.Fatalf("image %d row %v is neither %v nor its mirror", id, row, src)
			}
			mirrored++
		}
	}
	if mirrored == 0 || mirrored == len(batch.IDs) {
		t.Fatalf("flip mirrored %d of %d images, want some", mirrored, len(batch.IDs))
	}
}

// TestBatchesLabelEveryGroup: an image in one group's pool and not another's is unlabelled in
// the other; the pools must share their pixels.
func TestBatchesLabelEveryGroup(t *testing.T) {
	a := &datasets.Attributes{Name: "a", Channels: 1, Height: 1, Width: 1, Pixels: make([]float32, 4), Files: make([]string, 4),
		Groups: []datasets.Group{{Name: "g", Values: []string{"x", "y"}, Labels: []int{0, 1, 0, 1}},
			{Name: "h", Values: []string{"u", "v"}, Labels: []int{1, datasets.Unlabelled, 0, 0}}}}
	pools := []*Pool{NewPool(a.Images(0), []int{0, 1, 2}), NewPool(a.Images(1), []int{0, 1, 3})}
	b, err := NewBatches(pools, 4, Augment{}, false, 1)
	if err != nil {
		t.Fatal(err)
	}
	batch := b.Epoch(0).Batch(0)
	want := map[int][2]int{0: {0, 1}, 1: {1, datasets.Unlabelled}, 2: {0, datasets.Unlabelled}, 3: {datasets.Unlabelled, 0}}
	for j, id := range batch.IDs {
		if got := [2]int{batch.Labels[0][j], batch.Labels[1][j]}; got != want[id] {
			t.Errorf("image %d labels %v, want %v", id, got, want[id])
		}
	}
	other := datasets.RandomImages(2, 2, 1, 1, 1, 1)
	if _, err := NewBatches([]*Pool{pools[0], NewPool(other, []int{0})}, 4, Augment{}, false, 1); err == nil {
		t.Fatal("pools over different images were accepted")
	}
}
