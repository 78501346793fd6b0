package sampling

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/relnet/relnet/datasets"
)

// batchStream is the second PCG seed word of Batches, kept apart from the episode streams.
const batchStream = 0x6261746368 // "batch"

// Batches deals the images of one or more training pools (one per attribute group, over the
// same images) into supervised mini-batches, an epoch at a time: the images of any pool, each
// once per epoch, shuffled, each labelled in every group whose pool holds it (else
// datasets.Unlabelled there). Only what the pools hold is ever dealt, so a class or image
// kept out of training never reaches a batch. Epoch(e).Batch(i) depends only on (seed, e,
// i), which makes a resumed epoch deal the same batches.
type Batches struct {
	images *datasets.Images // pixels shared by every group's pool
	ids    []int            // the images dealt, ascending
	labels [][]int          // labels[g][k]: image ids[k]'s class in group g, or Unlabelled
	size   int
	aug    Augment
	flip   bool
	seed   uint64
}

// Batch is one supervised mini-batch.
type Batch struct {
	Pixels []float32 // len(IDs) images, C×H×W each, augmented and normalised
	Labels [][]int   // per group, per image: class id, or datasets.Unlabelled
	IDs    []int     // image indices into the pools' Images
}

// NewBatches deals the images of pools (indexed by group; every pool's Images must hold the
// same pixels) in batches of size. aug normalises (its Mean and Std) and may rotate each image
// (RotateDegrees); flip mirrors each image left to right with probability ½. Rotate90 is an
// episode's transform and has no meaning here.
func NewBatches(pools []*Pool, size int, aug Augment, flip bool, seed uint64) (*Batches, error) {
	if len(pools) == 0 || size < 1 {
		return nil, fmt.Errorf("batches: %d pools, batch size %d: want at least one pool and a size ≥ 1", len(pools), size)
	}
	im := pools[0].Images
	if err := aug.Validate(im.Channels, im.Height, im.Width); err != nil {
		return nil, err
	}
	if aug.Rotate90 {
		return nil, fmt.Errorf("batches: Rotate90 turns whole episodes; it has no meaning for mini-batches")
	}
	seen := map[int]bool{}
	for _, p := range pools {
		if len(p.Images.Pixels) != len(im.Pixels) || (len(im.Pixels) > 0 && &p.Images.Pixels[0] != &im.Pixels[0]) {
			return nil, fmt.Errorf("batches: the pools hold different images")
		}
		for _, idx := range p.ByClass {
			for _, i := range idx {
				seen[i] = true
			}
		}
	}
	b := &Batches{images: im, size: size, aug: aug, flip: flip, seed: seed}
	for i := range seen {
		b.ids = append(b.ids, i)
	}
	slices.Sort(b.ids)
	b.labels = make([][]int, len(pools))
	for g, p := range pools {
		b.labels[g] = make([]int, len(b.ids))
		for k := range b.labels[g] {
			b.labels[g][k] = datasets.Unlabelled
		}
		for c, idx := range p.ByClass {
			for _, i := range idx {
				k, _ := slices.BinarySearch(b.ids, i)
				b.labels[g][k] = c
			}
		}
	}
	return b, nil
}

// Len is the number of images dealt per epoch.
func (b *Batches) Len() int { return len(b.ids) }

// PerEpoch is the number of batches of an epoch; the last may be smaller.
func (b *Batches) PerEpoch() int { return (len(b.ids) + b.size - 1) / b.size }

// Epoch is one epoch's order of the images, from which its batches are dealt.
type Epoch struct {
	b     *Batches
	epoch int
	order []int // positions into b.ids
}

// Epoch shuffles the images for epoch e (0-based) with a PCG seeded with (seed,
// splitmix64(e)): compute it once an epoch, then deal its batches.
func (b *Batches) Epoch(e int) Epoch {
	return Epoch{b: b, epoch: e, order: rand.New(rand.NewPCG(b.seed^batchStream, splitmix64(uint64(e)))).Perm(len(b.ids))}
}

// Batch returns batch i of the epoch. Its augmentation draws from a PCG seeded with (seed,
// splitmix64 of the epoch and i), so it depends only on (seed, epoch, i).
func (ep Epoch) Batch(i int) *Batch {
	b, epoch := ep.b, ep.epoch
	lo, hi := i*b.size, min((i+1)*b.size, len(b.ids))
	picks := ep.order[lo:hi]
	im := b.images
	n := im.ImageSize()
	out := &Batch{Pixels: make([]float32, len(picks)*n), Labels: make([][]int, len(b.labels)), IDs: make([]int, len(picks))}
	for g := range out.Labels {
		out.Labels[g] = make([]int, len(picks))
	}
	rng := rand.New(rand.NewPCG(b.seed, splitmix64(uint64(epoch)<<32|uint64(i))))
	t := b.aug.episode(rng, im.Channels, im.Height, im.Width)
	for j, k := range picks {
		out.IDs[j] = b.ids[k]
		for g := range b.labels {
			out.Labels[g][j] = b.labels[g][k]
		}
		dst := out.Pixels[j*n : (j+1)*n]
		t.apply(dst, im.Image(b.ids[k]), rng)
		if b.flip && rng.IntN(2) == 1 {
			flipRows(dst, im.Channels*im.Height, im.Width)
		}
	}
	return out
}

// flipRows mirrors every row of width w of img in place.
func flipRows(img []float32, rows, w int) {
	for r := range rows {
		slices.Reverse(img[r*w : (r+1)*w])
	}
}
