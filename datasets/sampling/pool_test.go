package sampling

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
)

func TestNewPool(t *testing.T) {
	im := datasets.RandomImages(4, 3, 1, 1, 1, 1) // labels 0 1 2 3 0 1 2 3 0 1 2 3
	p := NewPool(im, []int{9, 0, 4, 5, 0, 11})
	want := map[int][]int{0: {0, 4}, 1: {5, 9}, 3: {11}}
	if !slices.Equal(p.Classes, []int{0, 1, 3}) || !maps.EqualFunc(p.ByClass, want, slices.Equal) || p.Len() != 5 {
		t.Fatalf("pool classes %v by class %v len %d", p.Classes, p.ByClass, p.Len())
	}
}

// checkPartition fails unless the pools are disjoint and together hold exactly want.
func checkPartition(t *testing.T, want []int, pools ...*Pool) {
	t.Helper()
	seen := map[int]bool{}
	for _, p := range pools {
		for _, c := range p.Classes {
			for _, i := range p.ByClass[c] {
				if seen[i] {
					t.Fatalf("image %d is in two pools", i)
				}
				if p.Images.Labels[i] != c {
					t.Fatalf("image %d of label %d filed under class %d", i, p.Images.Labels[i], c)
				}
				seen[i] = true
			}
		}
	}
	got := slices.Sorted(maps.Keys(seen))
	if !slices.Equal(got, want) {
		t.Fatalf("pools hold images %v, want %v", got, want)
	}
}

func TestSplitByClass(t *testing.T) {
	im := datasets.RandomImages(10, 5, 1, 2, 2, 1)
	all := make([]int, im.Len())
	for i := range all {
		all[i] = i
	}
	tests := []struct {
		name             string
		train, val, test []int
	}{
		{"with val", []int{5, 0, 1, 2, 3, 4}, []int{6, 7}, []int{9, 8}},
		{"no val", []int{0, 2, 4, 6, 8}, nil, []int{1, 3, 5, 7, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, va, te, err := SplitByClass(im, tt.train, tt.val, tt.test)
			if err != nil {
				t.Fatal(err)
			}
			pools := []*Pool{tr, te}
			for _, c := range []struct {
				p    *Pool
				want []int
			}{{tr, tt.train}, {va, tt.val}, {te, tt.test}} {
				if c.want == nil {
					if c.p != nil {
						t.Fatalf("val pool = %v, want nil", c.p)
					}
					continue
				}
				if !slices.Equal(c.p.Classes, slices.Sorted(slices.Values(c.want))) || c.p.Len() != 5*len(c.want) {
					t.Errorf("pool classes %v (%d images), want %v", c.p.Classes, c.p.Len(), c.want)
				}
			}
			if va != nil {
				pools = append(pools, va)
			}
			checkPartition(t, all, pools...)
		})
	}
}

func TestSplitByClassErrors(t *testing.T) {
	im := datasets.RandomImages(10, 2, 1, 1, 1, 1)
	sparse := datasets.RandomImages(10, 2, 1, 1, 1, 1)
	sparse.ClassNames = append(sparse.ClassNames, "empty")
	tests := []struct {
		name             string
		im               *datasets.Images
		train, val, test []int
		wantErr          string
	}{
		{"overlap train test", im, []int{0, 1, 2}, nil, []int{3, 2}, "class 2 (class2) is listed in both train and test"},
		{"overlap val test", im, []int{0}, []int{4}, []int{4}, "class 4 (class4) is listed in both val and test"},
		{"repeated", im, []int{0, 1, 0}, nil, []int{3}, "class 0 (class0) is listed in both train and train"},
		{"too big", im, []int{0, 1}, []int{10}, []int{3}, "val class 10 is outside 0..9"},
		{"negative", im, []int{-1}, nil, []int{3}, "train class -1 is outside 0..9"},
		{"no train", im, nil, nil, []int{3}, "no train classes"},
		{"no test", im, []int{1}, nil, nil, "no test classes"},
		{"no images", sparse, []int{1}, nil, []int{10}, "test class 10 (empty) has no images"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, err := SplitByClass(tt.im, tt.train, tt.val, tt.test); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestSplitByImage(t *testing.T) {
	im := datasets.RandomImages(4, 10, 1, 1, 1, 1)
	im.Labels[0], im.Labels[4] = 1, 1 // class 0: 8 images, class 1: 12, classes 2 and 3: 10
	all := make([]int, im.Len())
	for i := range all {
		all[i] = i
	}
	tests := []struct {
		fraction float64
		wantVal  map[int]int // class -> val images
	}{
		{0.25, map[int]int{0: 2, 1: 3, 2: 3, 3: 3}}, // 2.5 and 3 round half away from zero
		{0.01, map[int]int{0: 1, 1: 1, 2: 1, 3: 1}}, // at least one per class
		{0.5, map[int]int{0: 4, 1: 6, 2: 5, 3: 5}},
	}
	for _, tt := range tests {
		tr, va, err := SplitByImage(im, tt.fraction, 7)
		if err != nil {
			t.Fatal(err)
		}
		checkPartition(t, all, tr, va)
		for c, n := range tt.wantVal {
			if len(va.ByClass[c]) != n || len(tr.ByClass[c]) != len(NewPool(im, all).ByClass[c])-n {
				t.Errorf("fraction %v class %d: %d val / %d train, want %d val", tt.fraction, c, len(va.ByClass[c]), len(tr.ByClass[c]), n)
			}
		}
		tr2, va2, _ := SplitByImage(im, tt.fraction, 7)
		if !maps.EqualFunc(tr.ByClass, tr2.ByClass, slices.Equal) || !maps.EqualFunc(va.ByClass, va2.ByClass, slices.Equal) {
			t.Errorf("fraction %v: same seed, different split", tt.fraction)
		}
		_, va3, _ := SplitByImage(im, tt.fraction, 8)
		if maps.EqualFunc(va.ByClass, va3.ByClass, slices.Equal) {
			t.Errorf("fraction %v: seeds 7 and 8 give the same split", tt.fraction)
		}
	}
	tr, va, err := SplitByImage(im, 0, 7)
	if err != nil || va != nil || tr.Len() != im.Len() {
		t.Errorf("fraction 0: train %d images, val %v, err %v; want all images, nil, nil", tr.Len(), va, err)
	}
}

func TestSplitByImageErrors(t *testing.T) {
	im := datasets.RandomImages(3, 2, 1, 1, 1, 1)
	tests := []struct {
		fraction float64
		wantErr  string
	}{
		{-0.1, "val fraction -0.1 is outside [0, 1)"},
		{1, "val fraction 1 is outside [0, 1)"},
		{math.NaN(), "val fraction NaN"},
		{0.75, "class 0 (class0) has 2 images, too few to hold out 2"},
	}
	for _, tt := range tests {
		if _, _, err := SplitByImage(im, tt.fraction, 1); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("fraction %v: error = %v, want one saying %q", tt.fraction, err, tt.wantErr)
		}
	}
}

func TestPoolStats(t *testing.T) {
	// Two 2-channel 1×2 images; channel 0 holds 1 2 3 5, channel 1 holds 0 0 4 4.
	im := &datasets.Images{Channels: 2, Height: 1, Width: 2, Pixels: []float32{1, 2, 0, 0, 3, 5, 4, 4, 100, 100, 100, 100},
		Labels: []int{0, 1, 1}, ClassNames: []string{"a", "b"}}
	mean, std := NewPool(im, []int{1, 0}).Stats()
	wantMean, wantStd := []float64{2.75, 2}, []float64{math.Sqrt(2.1875), 2}
	for c := range 2 {
		if math.Abs(mean[c]-wantMean[c]) > 1e-12 || math.Abs(std[c]-wantStd[c]) > 1e-12 {
			t.Errorf("channel %d: mean %v std %v, want %v %v", c, mean[c], std[c], wantMean[c], wantStd[c])
		}
	}
}

func TestUnlabelledImagesAreNeverPooled(t *testing.T) {
	im := &datasets.Images{Name: "partial", Channels: 1, Height: 1, Width: 1,
		Pixels: []float32{0, 1, 2, 3, 4, 5}, Labels: []int{0, datasets.Unlabelled, 1, 0, datasets.Unlabelled, 1}, ClassNames: []string{"a", "b"}}
	p := NewPool(im, []int{0, 1, 2, 3, 4, 5})
	if p.Len() != 4 || len(p.ByClass[0]) != 2 || len(p.ByClass[1]) != 2 {
		t.Fatalf("pool %+v", p.ByClass)
	}
	train, val, err := SplitByImage(im, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len()+val.Len() != 4 {
		t.Errorf("split holds %d+%d images, want 4 labelled ones", train.Len(), val.Len())
	}
	im.Labels[1] = 7
	if err := im.Validate(); err == nil {
		t.Error("label 7 of 2 classes accepted")
	}
}

// TestThinKeepsASeededFractionOfEachClass: every class keeps ⌈f·n⌉ images (at least one), the
// same seed keeps the same images, and a larger fraction keeps a superset of a smaller one's.
func TestThinKeepsASeededFractionOfEachClass(t *testing.T) {
	im := &datasets.Images{Name: "t", Channels: 1, Height: 1, Width: 1, ClassNames: []string{"a", "b", "c"}}
	for i := range 43 {
		im.Labels = append(im.Labels, min(i/20, 2)) // 20, 20 and 3 images
		im.Pixels = append(im.Pixels, float32(i))
	}
	p := allImages(im)
	small, large := p.Thin(0.1, 7), p.Thin(0.5, 7)
	for c, want := range map[int][2]int{0: {2, 10}, 1: {2, 10}, 2: {1, 2}} {
		if len(small.ByClass[c]) != want[0] || len(large.ByClass[c]) != want[1] {
			t.Errorf("class %d keeps %d and %d images, want %v", c, len(small.ByClass[c]), len(large.ByClass[c]), want)
		}
		for _, i := range small.ByClass[c] {
			if !slices.Contains(large.ByClass[c], i) {
				t.Errorf("class %d: image %d kept at 10%% but not at 50%%", c, i)
			}
		}
	}
	if again := p.Thin(0.1, 7); !slices.Equal(again.ByClass[0], small.ByClass[0]) {
		t.Errorf("same seed, other images: %v and %v", again.ByClass[0], small.ByClass[0])
	}
	if other := p.Thin(0.5, 8); slices.Equal(other.ByClass[0], large.ByClass[0]) {
		t.Errorf("seeds 7 and 8 keep the same images %v", other.ByClass[0])
	}
}
