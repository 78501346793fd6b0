package sampling

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/relnet/relnet/datasets"
)

// splitStream is the second PCG seed word of SplitByImage, kept apart from the episode streams.
const splitStream = 0x73706c6974 // "split"

// Pool is the subset of a datasets.Images that one split sees: image indices grouped by class.
type Pool struct {
	Images  *datasets.Images
	Classes []int         // sorted class ids present in this pool
	ByClass map[int][]int // class id -> indices into Images (sorted ascending)
}

// NewPool groups the given indices by label; classes with no images are absent, repeated
// indices are kept once and unlabelled images are left out. Every index must be in
// [0, im.Len()).
func NewPool(im *datasets.Images, indices []int) *Pool {
	p := &Pool{Images: im, ByClass: map[int][]int{}}
	for _, i := range indices {
		c := im.Labels[i]
		if c == datasets.Unlabelled {
			continue
		}
		p.ByClass[c] = append(p.ByClass[c], i)
	}
	for c, idx := range p.ByClass {
		slices.Sort(idx)
		p.ByClass[c] = slices.Compact(idx)
		p.Classes = append(p.Classes, c)
	}
	slices.Sort(p.Classes)
	return p
}

// Len returns the total number of images in the pool.
func (p *Pool) Len() int {
	n := 0
	for _, idx := range p.ByClass {
		n += len(idx)
	}
	return n
}

// eligible returns the pool's classes having at least n images, in ascending order.
func (p *Pool) eligible(n int) []int {
	var out []int
	for _, c := range p.Classes {
		if len(p.ByClass[c]) >= n {
			out = append(out, c)
		}
	}
	return out
}

// allImages returns a pool of every image of im.
func allImages(im *datasets.Images) *Pool {
	idx := make([]int, im.Len())
	for i := range idx {
		idx[i] = i
	}
	return NewPool(im, idx)
}

// SplitByClass: true few-shot protocol. Each of train/val/test lists class ids; lists must be disjoint and in range;
// val may be empty (then the returned val pool is nil). Errors name the offending class id.
// Train and test must not be empty, and every listed class must have images.
func SplitByClass(im *datasets.Images, train, val, test []int) (trainP, valP, testP *Pool, err error) {
	if err := im.Validate(); err != nil {
		return nil, nil, nil, err
	}
	all := allImages(im)
	lists := []struct {
		name    string
		classes []int
	}{{"train", train}, {"val", val}, {"test", test}}
	owner := map[int]string{}
	pools := make([]*Pool, len(lists))
	for k, l := range lists {
		if len(l.classes) == 0 {
			if l.name == "val" {
				continue
			}
			return nil, nil, nil, fmt.Errorf("class split of %q: no %s classes", im.Name, l.name)
		}
		var idx []int
		for _, c := range l.classes {
			if c < 0 || c >= len(im.ClassNames) {
				return nil, nil, nil, fmt.Errorf("class split of %q: %s class %d is outside 0..%d", im.Name, l.name, c, len(im.ClassNames)-1)
			}
			if prev, ok := owner[c]; ok {
				return nil, nil, nil, fmt.Errorf("class split of %q: class %d (%s) is listed in both %s and %s", im.Name, c, im.ClassNames[c], prev, l.name)
			}
			owner[c] = l.name
			if len(all.ByClass[c]) == 0 {
				return nil, nil, nil, fmt.Errorf("class split of %q: %s class %d (%s) has no images", im.Name, l.name, c, im.ClassNames[c])
			}
			idx = append(idx, all.ByClass[c]...)
		}
		pools[k] = NewPool(im, idx)
	}
	return pools[0], pools[1], pools[2], nil
}

// SplitByImage: the seed notebook's protocol, all classes seen in training, held-out images for evaluation.
// valFraction of every class's images (rounded, at least 1 per class when valFraction > 0) go to val, chosen by a
// seeded shuffle (math/rand/v2 PCG seeded with seed); the rest to train. Deterministic for a given seed.
// valFraction must be in [0, 1); 0 returns a nil val pool. A class too small to keep an image for training is an error.
func SplitByImage(im *datasets.Images, valFraction float64, seed uint64) (trainP, valP *Pool, err error) {
	if err := im.Validate(); err != nil {
		return nil, nil, err
	}
	if !(valFraction >= 0 && valFraction < 1) {
		return nil, nil, fmt.Errorf("image split of %q: val fraction %v is outside [0, 1)", im.Name, valFraction)
	}
	all := allImages(im)
	if valFraction == 0 {
		return all, nil, nil
	}
	rng := rand.New(rand.NewPCG(seed, splitStream))
	var train, val []int
	for _, c := range all.Classes {
		idx := slices.Clone(all.ByClass[c])
		nv := max(1, int(math.Round(valFraction*float64(len(idx)))))
		if nv >= len(idx) {
			return nil, nil, fmt.Errorf("image split of %q: class %d (%s) has %d images, too few to hold out %d for val and keep one for training",
				im.Name, c, im.ClassNames[c], len(idx), nv)
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		val = append(val, idx[:nv]...)
		train = append(train, idx[nv:]...)
	}
	return NewPool(im, train), NewPool(im, val), nil
}

// Stats computes the per-channel mean and (population) standard deviation over the pool's images.
// Both are NaN for an empty pool.
func (p *Pool) Stats() (mean, std []float64) {
	im := p.Images
	plane := im.Height * im.Width
	n := float64(p.Len() * plane)
	mean = make([]float64, im.Channels)
	std = make([]float64, im.Channels)
	p.eachPlane(func(ch int, px []float32) {
		for _, v := range px {
			mean[ch] += float64(v)
		}
	})
	for ch := range mean {
		mean[ch] /= n
	}
	p.eachPlane(func(ch int, px []float32) {
		for _, v := range px {
			d := float64(v) - mean[ch]
			std[ch] += d * d
		}
	})
	for ch := range std {
		std[ch] = math.Sqrt(std[ch] / n)
	}
	return mean, std
}

// eachPlane calls f with every channel plane of every image of the pool, in a fixed order
// (class by class, ascending), so that sums over the pool are reproducible to the last bit.
func (p *Pool) eachPlane(f func(ch int, px []float32)) {
	im := p.Images
	plane := im.Height * im.Width
	for _, c := range p.Classes {
		for _, i := range p.ByClass[c] {
			img := im.Image(i)
			for ch := range im.Channels {
				f(ch, img[ch*plane:(ch+1)*plane])
			}
		}
	}
}

// labelStream is the second PCG seed word of Thin.
const labelStream = 0x6c6162656c // "label"

// Thin keeps a seeded fraction in (0, 1] of each class's images, rounded up so that every
// class keeps at least one: the images whose labels a label-scarce run may train on. The
// same seed keeps the same images, and a larger fraction keeps a superset of a smaller one's.
func (p *Pool) Thin(fraction float64, seed uint64) *Pool {
	var keep []int
	for _, c := range p.Classes {
		ids := p.ByClass[c]
		n := int(math.Ceil(fraction * float64(len(ids))))
		rng := rand.New(rand.NewPCG(seed^uint64(c), labelStream))
		for _, k := range rng.Perm(len(ids))[:min(max(n, 1), len(ids))] {
			keep = append(keep, ids[k])
		}
	}
	return NewPool(p.Images, keep)
}
