package sampling

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
)

func TestAugmentValidate(t *testing.T) {
	tests := []struct {
		name    string
		aug     Augment
		h, w    int
		wantErr string // "" means valid
	}{
		{"zero", Augment{}, 3, 5, ""},
		{"all", Augment{Mean: []float64{0.1, 0.2}, Std: []float64{1, 2}, RotateDegrees: 15, Rotate90: true}, 4, 4, ""},
		{"mean without std", Augment{Mean: []float64{0, 0}}, 4, 4, "Mean and Std must be set together"},
		{"wrong channels", Augment{Mean: []float64{0}, Std: []float64{1}}, 4, 4, "want one per channel (2)"},
		{"zero std", Augment{Mean: []float64{0, 0}, Std: []float64{1, 0}}, 4, 4, "Std[1] = 0"},
		{"NaN mean", Augment{Mean: []float64{0, math.NaN()}, Std: []float64{1, 1}}, 4, 4, "Mean[1] = NaN"},
		{"negative degrees", Augment{RotateDegrees: -5}, 4, 4, "RotateDegrees = -5"},
		{"NaN degrees", Augment{RotateDegrees: math.NaN()}, 4, 4, "RotateDegrees = NaN"},
		{"rot90 not square", Augment{Rotate90: true}, 28, 27, "Rotate90 needs square images, got 28×27"},
	}
	for _, tt := range tests {
		err := tt.aug.Validate(2, tt.h, tt.w)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestRotate90(t *testing.T) {
	// Two channels of 3×3: 1..9 and 11..19. Expected layouts are torch.rot90(x, k, dims=(1, 2)).
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	tests := []struct {
		k    int
		want []float32 // channel 0; channel 1 is the same plus 10
	}{
		{0, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{1, []float32{3, 6, 9, 2, 5, 8, 1, 4, 7}},
		{2, []float32{9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{3, []float32{7, 4, 1, 8, 5, 2, 9, 6, 3}},
	}
	for _, tt := range tests {
		dst := make([]float32, len(src))
		Rotate90(dst, src, 2, 3, tt.k)
		want := slices.Clone(tt.want)
		for _, v := range tt.want {
			want = append(want, v+10)
		}
		if !slices.Equal(dst, want) {
			t.Errorf("k=%d: got %v, want %v", tt.k, dst, want)
		}
	}
}

// randomImage returns c planes of h×w uniform values.
func randomImage(seed uint64, c, h, w int) []float32 {
	rng := rand.New(rand.NewPCG(seed, 0))
	img := make([]float32, c*h*w)
	for i := range img {
		img[i] = rng.Float32()
	}
	return img
}

func TestRotateIdentity(t *testing.T) {
	src := randomImage(1, 2, 5, 4)
	dst := make([]float32, len(src))
	rotate(dst, src, make([]float32, 2*7*6), 2, 5, 4, 0)
	if !slices.Equal(dst, src) {
		t.Errorf("rotate by 0° changed the image")
	}
}

func TestRotateMatchesRotate90(t *testing.T) {
	for _, n := range []int{6, 7} {
		src := randomImage(uint64(n), 2, n, n)
		for _, tt := range []struct {
			deg float64
			k   int
		}{{90, 1}, {180, 2}, {-90, 3}, {270, 3}} {
			got, want := make([]float32, len(src)), make([]float32, len(src))
			rotate(got, src, make([]float32, 2*(n+2)*(n+2)), 2, n, n, tt.deg)
			Rotate90(want, src, 2, n, tt.k)
			for i := range got {
				if math.Abs(float64(got[i]-want[i])) > 1e-5 {
					t.Fatalf("%d×%d, %v°: value %d is %v, rot90 k=%d gives %v", n, n, tt.deg, i, got[i], tt.k, want[i])
				}
			}
		}
	}
}

func TestRotateZeroFillAndInterpolation(t *testing.T) {
	ones := slices.Repeat([]float32{1}, 25)
	dst := make([]float32, 25)
	rotate(dst, ones, make([]float32, 49), 1, 5, 5, 45)
	// A corner's source lies 2√2 from the centre along an axis, e.g. (2, 2−2√2) = (2, −0.83): between the
	// zero fill of row −1 and row 0, weight 3−2√2 on row 0. The centre maps to itself, and the middle of
	// each edge to (2±√2, 2±√2), inside, so they stay 1.
	corner := float32(3 - 2*math.Sqrt2)
	for _, c := range []struct {
		i    int
		want float32
	}{{0, corner}, {4, corner}, {20, corner}, {24, corner}, {12, 1}, {2, 1}, {10, 1}} {
		if math.Abs(float64(dst[c.i]-c.want)) > 1e-6 {
			t.Errorf("45° of all-ones 5×5: pixel %d = %v, want %v", c.i, dst[c.i], c.want)
		}
	}
	// In 7×7 a corner's source is (3, 3−3√2) = (3, −1.24), wholly outside: pure zero fill.
	big := make([]float32, 49)
	rotate(big, slices.Repeat([]float32{1}, 49), make([]float32, 81), 1, 7, 7, 45)
	if big[0] != 0 || big[24] != 1 {
		t.Errorf("45° of all-ones 7×7: corner %v, centre %v; want 0 and 1", big[0], big[24])
	}
	// A horizontal ramp x turned by 30° about the centre: inside, the value is the source x = 2 + cos·dx − sin·dy.
	ramp := make([]float32, 25)
	for i := range ramp {
		ramp[i] = float32(i % 5)
	}
	rotate(dst, ramp, make([]float32, 49), 1, 5, 5, 30)
	sin, cos := math.Sincos(math.Pi / 6)
	for _, p := range [][2]int{{2, 2}, {3, 2}, {2, 1}, {1, 3}} { // (x, y)
		want := 2 + cos*float64(p[0]-2) - sin*float64(p[1]-2)
		if got := dst[p[1]*5+p[0]]; math.Abs(float64(got)-want) > 1e-5 {
			t.Errorf("30° of ramp at (%d,%d) = %v, want %v", p[0], p[1], got, want)
		}
	}
}

func TestNormalise(t *testing.T) {
	// Two classes of three 2-channel images; 2-way 1-shot 2-query uses every image, so the episode's
	// per-channel moments are exactly the pool's.
	im := datasets.RandomImages(2, 3, 2, 3, 3, 5)
	for i := range im.Pixels {
		im.Pixels[i] = im.Pixels[i]*float32(1+i%2) + 3 // different moments per channel and far from 0/1
	}
	pool := allImages(im)
	mean, std := pool.Stats()
	s, err := NewSampler(pool, EpisodeSpec{2, 1, 2}, Augment{Mean: mean, Std: std}, 1)
	if err != nil {
		t.Fatal(err)
	}
	e := s.Episode(0)
	plane := im.Height * im.Width
	for ch := range im.Channels {
		var vals []float64
		for _, set := range [][]float32{e.Support, e.Query} {
			for k := 0; k < len(set); k += im.ImageSize() {
				for _, v := range set[k+ch*plane : k+(ch+1)*plane] {
					vals = append(vals, float64(v))
				}
			}
		}
		m, sd := moments(vals)
		if math.Abs(m) > 1e-5 || math.Abs(sd-1) > 1e-5 {
			t.Errorf("channel %d after normalisation: mean %v std %v, want 0 and 1", ch, m, sd)
		}
	}
}

// moments returns the mean and population standard deviation of xs.
func moments(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}

func TestRotate90PerEpisode(t *testing.T) {
	im := datasets.RandomImages(6, 10, 1, 4, 4, 9)
	s, err := NewSampler(allImages(im), EpisodeSpec{3, 2, 3}, Augment{Rotate90: true}, 1)
	if err != nil {
		t.Fatal(err)
	}
	n := im.ImageSize()
	turned := make([]float32, n)
	seenK := map[int]bool{}
	for i := range int64(40) {
		e := s.Episode(i)
		k := -1
		pixels := append(slices.Clone(e.Support), e.Query...)
		for j, id := range append(slices.Clone(e.SupportIDs), e.QueryIDs...) {
			match := -1
			for kk := range 4 {
				Rotate90(turned, im.Image(id), 1, 4, kk)
				if slices.Equal(turned, pixels[j*n:(j+1)*n]) {
					match = kk
				}
			}
			if match < 0 || k >= 0 && match != k {
				t.Fatalf("episode %d, image %d: turned by k=%d, earlier images by k=%d", i, j, match, k)
			}
			k = match
		}
		seenK[k] = true
	}
	if len(seenK) != 4 {
		t.Errorf("40 episodes used quarter turns %v, want all of 0..3", seenK)
	}
}
