package synth

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/fashionmnist"
)

// fashionDir is where the tests read Fashion-MNIST: $FASHION_MNIST_DIR, else Debian's path.
func fashionDir() string {
	if dir := os.Getenv("FASHION_MNIST_DIR"); dir != "" {
		return dir
	}
	return "/usr/share/datasets/fashion-mnist"
}

var loadTrain = sync.OnceValues(func() (*datasets.Images, error) {
	train, _, err := fashionmnist.Load(fashionDir())
	return train, err
})

// silhouettes returns the Fashion-MNIST training set, loaded once for all tests.
func silhouettes(t testing.TB) *datasets.Images {
	t.Helper()
	train, err := loadTrain()
	if err != nil {
		t.Fatalf("the synth tests need Fashion-MNIST (set FASHION_MNIST_DIR or apt-get install dataset-fashion-mnist): %v", err)
	}
	return train
}

// generateT generates cfg (with defaults) into a new temporary directory and returns it.
func generateT(t *testing.T, cfg Config, workers int) (*Stats, string) {
	t.Helper()
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := generate(cfg, silhouettes(t), dir, workers)
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

// readTree returns every file under dir by its slash path relative to dir.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// readPNG decodes one generated image.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func TestConditionalProbabilities(t *testing.T) {
	cfg := Config{Images: 4000, Seed: 11, Correlations: []Correlation{
		{Category: "dress", Group: GroupColor, Value: "red", P: 0.6},
		{Category: "shirt", Group: GroupPattern, Value: "striped", P: 0.7},
	}}
	st, _ := generateT(t, cfg, 0)
	cfg = st.Config

	checks := []struct {
		category, group, value string
		want                   float64
	}{
		{"dress", GroupColor, "red", 0.6},
		{"dress", GroupColor, "green", 0.4 / 7},
		{"dress", GroupColor, "white", 0.4 / 7},
		{"shirt", GroupPattern, "striped", 0.7},
		{"shirt", GroupPattern, "plain", 0.1},
		{"shirt", GroupPattern, "checked", 0.1},
		{"dress", GroupPattern, "striped", 0.25}, // a colour correlation leaves the pattern alone
		{"shirt", GroupColor, "red", 0.125},
		{"trouser", GroupColor, "blue", 0.125},
		{"bag", GroupPattern, "dotted", 0.25},
	}
	for _, c := range checks {
		got := st.Conditional(c.category, c.group, c.value)
		t.Logf("P(%s=%s | %s) = %.3f (configured %.3f, %d images of %s)", c.group, c.value, c.category, got, c.want,
			st.Counts[Label{GroupCategory, c.category}], c.category)
		if math.Abs(got-c.want) > 0.05 {
			t.Errorf("P(%s=%s | %s) = %.3f, want %.3f ± 0.05", c.group, c.value, c.category, got, c.want)
		}
	}
	for _, category := range cfg.values(GroupCategory) {
		if got := float64(st.Counts[Label{GroupCategory, category}]) / float64(st.Images); math.Abs(got-0.1) > 0.02 {
			t.Errorf("P(category=%s) = %.3f, want 0.1 ± 0.02", category, got)
		}
	}
	// Every (category, group) against its configured distribution: Pearson's χ² must stay
	// below the 0.1% critical value (df 7: 24.32 for colours, df 3: 16.27 for patterns).
	critical := map[string]float64{GroupColor: 24.32, GroupPattern: 16.27}
	for _, category := range cfg.values(GroupCategory) {
		n := float64(st.Counts[Label{GroupCategory, category}])
		for _, group := range []string{GroupColor, GroupPattern} {
			chi2 := 0.0
			for k, value := range cfg.values(group) {
				expected := n * cfg.distribution(category, group)[k]
				observed := float64(st.ByCategory[category][Label{group, value}])
				chi2 += (observed - expected) * (observed - expected) / expected
			}
			if chi2 > critical[group] {
				t.Errorf("%s | %s: χ² = %.1f > %.2f: the realised distribution is not the configured one", group, category, chi2, critical[group])
			}
		}
	}
	if got := st.Conditional("dress", GroupCategory, "dress"); got != 1 {
		t.Errorf("P(category=dress | dress) = %g, want 1", got)
	}
	if got := st.Conditional("skirt", GroupColor, "red"); !math.IsNaN(got) {
		t.Errorf("P(color=red | skirt) = %g for a category without images, want NaN", got)
	}
}

func TestDeterminism(t *testing.T) {
	cfg := Config{Images: 40, Size: 36, Seed: 7, Clutter: new(0.8),
		Correlations: []Correlation{{Category: "coat", Group: GroupColor, Value: "cyan", P: 0.5}}}
	_, dir1 := generateT(t, cfg, 1)
	want := readTree(t, dir1)
	if len(want) != cfg.Images+2 {
		t.Fatalf("%d files, want %d images + labels.csv + synth.toml", len(want), cfg.Images)
	}
	for _, workers := range []int{1, 3, 16} {
		_, dir := generateT(t, cfg, workers)
		got := readTree(t, dir)
		if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
			t.Fatalf("%d workers wrote files %v, want %v", workers, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		for name, data := range want {
			if !bytes.Equal(got[name], data) {
				t.Errorf("%d workers: %s differs from the 1-worker run", workers, name)
			}
		}
	}

	cfg.Seed = 8
	_, dir := generateT(t, cfg, 4)
	other := readTree(t, dir)
	same := 0
	for name, data := range want {
		if strings.HasPrefix(name, ImagesDir+"/") && bytes.Equal(other[name], data) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("seed 8 repeats %d images of seed 7", same)
	}
}

func TestGenerateFiles(t *testing.T) {
	cfg := Config{Images: 30, Size: 44, Seed: 5, Categories: []int{1, 3, 7}, Colors: []string{"white", "cyan", "red", "blue", "green", "orange"},
		Patterns: []string{"checked", "plain", "striped"}}
	out := filepath.Join(t.TempDir(), "set")
	st, err := Generate(cfg, fashionDir(), out, 4)
	if err != nil {
		t.Fatal(err)
	}
	resolved := cfg.WithDefaults()

	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{ImagesDir, LabelsFile, ConfigFile}; !slices.Equal(names, slices.Sorted(slices.Values(want))) {
		t.Errorf("%s holds %v, want %v (no temporary files)", out, names, want)
	}

	data, err := os.ReadFile(filepath.Join(out, LabelsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("%s does not end in a newline", LabelsFile)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != cfg.Images+1 || lines[0] != "image,labels" {
		t.Fatalf("%s has %d lines starting %q, want the header \"image,labels\" and %d image lines", LabelsFile, len(lines), lines[0], cfg.Images)
	}
	groups := []string{GroupCategory, GroupColor, GroupPattern}
	counts := map[Label]int{}
	for i, line := range lines[1:] {
		name, labels, ok := strings.Cut(line, ",")
		if !ok || name != imageName(i) {
			t.Fatalf("line %d = %q, want it to start with %q,", i+2, line, imageName(i))
		}
		fields := strings.Split(labels, " ")
		if len(fields) != len(groups) {
			t.Fatalf("line %d = %q: %d labels, want one per group %v", i+2, line, len(fields), groups)
		}
		for g, field := range fields {
			value, ok := strings.CutPrefix(field, groups[g]+"_")
			if !ok || !slices.Contains(resolved.values(groups[g]), value) {
				t.Errorf("line %d: label %d is %q, want %s_ and one of %v", i+2, g+1, field, groups[g], resolved.values(groups[g]))
			}
			counts[Label{groups[g], value}]++
		}
		img := readPNG(t, filepath.Join(out, ImagesDir, name))
		if b := img.Bounds(); b.Dx() != cfg.Size || b.Dy() != cfg.Size {
			t.Errorf("%s is %d×%d, want %d×%d", name, b.Dx(), b.Dy(), cfg.Size, cfg.Size)
		}
	}
	if !maps.Equal(counts, st.Counts) || st.Images != cfg.Images {
		t.Errorf("Stats: %d images, counts %v; the CSV has %d images, counts %v", st.Images, st.Counts, cfg.Images, counts)
	}
	if imgs, _ := os.ReadDir(filepath.Join(out, ImagesDir)); len(imgs) != cfg.Images {
		t.Errorf("%s holds %d files, want %d", ImagesDir, len(imgs), cfg.Images)
	}

	var decoded Config
	md, err := toml.DecodeFile(filepath.Join(out, ConfigFile), &decoded)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Errorf("%s has keys Config does not know: %v", ConfigFile, und)
	}
	if !reflect.DeepEqual(decoded, resolved) || !reflect.DeepEqual(st.Config, resolved) {
		t.Errorf("%s decodes to %+v, Stats.Config is %+v; want the resolved config %+v", ConfigFile, decoded, st.Config, resolved)
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		fashionDir string
		want       string
	}{
		{"invalid config", Config{Size: 20}, fashionDir(), "synth.size = 20"},
		{"no Fashion-MNIST", Config{Images: 2}, t.TempDir(), "FASHION_MNIST_DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "set")
			_, err := Generate(tt.cfg, tt.fashionDir, out, 1)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Generate() = %v, want an error containing %q", err, tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("Generate failed but created %s", out)
			}
		})
	}
}

func TestPixels(t *testing.T) {
	tests := []struct {
		size    int
		clutter float64
	}{
		{32, 0},
		{60, 0},
		{32, 1},
	}
	bg := [3]int{background, background, background}
	for _, tt := range tests {
		cfg := Config{Images: 12, Size: tt.size, Seed: 3, Patterns: []string{"plain"}, Clutter: new(tt.clutter)}
		t.Run(fmt.Sprintf("size%d_clutter%g", tt.size, tt.clutter), func(t *testing.T) {
			st, out := generateT(t, cfg, 2)
			p, err := newPlan(st.Config, silhouettes(t))
			if err != nil {
				t.Fatal(err)
			}
			for i := range cfg.Images {
				s, _, mask := p.draw(i)
				img := readPNG(t, filepath.Join(out, ImagesDir, imageName(i))).(*image.RGBA)
				want, _ := colorRGB(st.Config.Colors[s.color])
				var sum [3]float64
				strong, flat, bgPixels := 0, 0, 0
				minX, minY, maxX, maxY := tt.size, tt.size, -1, -1
				for y := range tt.size {
					for x := range tt.size {
						px := img.Pix[img.PixOffset(x, y):]
						got := [3]int{int(px[0]), int(px[1]), int(px[2])}
						m := mask[y*tt.size+x]
						if m > 0 {
							minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
						}
						switch {
						case m >= 0.95:
							strong++
							for ch := range 3 {
								sum[ch] += float64(got[ch])
							}
						case m == 0:
							bgPixels++
							if got == bg {
								flat++
							}
						}
					}
				}
				if strong < 40 {
					t.Fatalf("image %d: only %d strong garment pixels", i, strong)
				}
				for ch := range 3 {
					if mean := sum[ch] / float64(strong); math.Abs(mean-float64(want[ch])) > 8 {
						t.Errorf("image %d (%s): garment channel %d has mean %.1f, want %d ± 8", i, st.Config.Colors[s.color], ch, mean, want[ch])
					}
				}
				switch {
				case tt.clutter == 0 && flat != bgPixels:
					t.Errorf("image %d: %d of %d background pixels differ from grey %v", i, bgPixels-flat, bgPixels, bg)
				case tt.clutter == 1 && flat*10 > bgPixels:
					t.Errorf("image %d: %d of %d background pixels are flat grey under clutter 1", i, flat, bgPixels)
				}
				maxSide := max(maxX-minX+1, maxY-minY+1)
				if limit := max(28, int(math.Round(maxFill*float64(tt.size)))); maxSide > limit {
					t.Errorf("image %d: garment spans %d pixels, want ≤ %d", i, maxSide, limit)
				}
			}
		})
	}
}

func BenchmarkGenerate3000(b *testing.B) {
	cfg := Config{}.WithDefaults()
	train := silhouettes(b)
	for b.Loop() {
		if _, err := generate(cfg, train, b.TempDir(), 0); err != nil {
			b.Fatal(err)
		}
	}
}
