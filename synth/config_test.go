package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	six := []string{"red", "green", "blue", "yellow", "magenta", "cyan"}
	corr := func(rs ...Correlation) Config { return Config{Correlations: rs} }
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" means valid
	}{
		{"zero config", Config{}, ""},
		{"explicit config", Config{Images: 10, Size: 28, Seed: 3, Categories: []int{3, 6}, Colors: six,
			Patterns: []string{"plain", "dotted"}, Clutter: new(0.0)}, ""},
		{"clutter 1", Config{Clutter: new(1.0)}, ""},
		{"negative images", Config{Images: -1}, "synth.images = -1"},
		{"too many images", Config{Images: MaxImages + 1}, "synth.images = 1000000"},
		{"size below silhouettes", Config{Size: 27}, "synth.size = 27"},
		{"size too big", Config{Size: MaxSize + 1}, "synth.size = 1025"},
		{"negative clutter", Config{Clutter: new(-0.1)}, "synth.clutter = -0.1"},
		{"clutter above 1", Config{Clutter: new(1.5)}, "synth.clutter = 1.5"},
		{"NaN clutter", Config{Clutter: new(math.NaN())}, "synth.clutter = NaN"},
		{"five colours", Config{Colors: six[:5]}, "5 colours, at least 6"},
		{"unknown colour", Config{Colors: append(slices.Clone(six), "purple")}, `"purple" is not a known colour`},
		{"colour twice", Config{Colors: append(slices.Clone(six), "red")}, `"red" appears twice`},
		{"category id 10", Config{Categories: []int{0, 10}}, "synth.categories = [0 10]: 10 is not a Fashion-MNIST class id"},
		{"negative category", Config{Categories: []int{-1}}, "-1 is not a Fashion-MNIST class id"},
		{"category twice", Config{Categories: []int{3, 3}}, "synth.categories = [3 3]: 3 appears twice"},
		{"unknown pattern", Config{Patterns: []string{"plain", "plaid"}}, `synth.patterns = ["plain" "plaid"]: "plaid" is not a known pattern`},
		{"pattern twice", Config{Patterns: []string{"plain", "plain"}}, `"plain" appears twice`},
		{"correlation ok", corr(Correlation{"dress", "color", "red", 0.6}, Correlation{"shirt", "pattern", "striped", 0.7}), ""},
		{"correlation P 0 and 1", corr(Correlation{"dress", "color", "red", 1}, Correlation{"dress", "pattern", "plain", 0}), ""},
		{"unknown category name", corr(Correlation{"skirt", "color", "red", 0.5}), `synth.correlation[0].category = "skirt": not a category`},
		{"category not configured", Config{Categories: []int{0, 1}, Correlations: []Correlation{{"dress", "color", "red", 0.5}}},
			`synth.correlation[0].category = "dress": not among synth.categories (t-shirt-top, trouser)`},
		{"category group", corr(Correlation{"dress", "category", "dress", 1}), `synth.correlation[0].group = "category": want "color" or "pattern"`},
		{"unknown group", corr(Correlation{"dress", "size", "xl", 1}), `synth.correlation[0].group = "size"`},
		{"unknown colour value", corr(Correlation{"dress", "color", "purple", 0.5}), `synth.correlation[0].value = "purple": not one of the configured colors`},
		{"pattern as colour", corr(Correlation{"dress", "color", "striped", 0.5}), `synth.correlation[0].value = "striped"`},
		{"unconfigured colour", Config{Colors: six, Correlations: []Correlation{{"dress", "color", "white", 0.5}}}, `value = "white": not one of the configured colors`},
		{"negative P", corr(Correlation{"dress", "color", "red", -0.1}), "synth.correlation[0].p = -0.1: must be in [0, 1]"},
		{"P above 1", corr(Correlation{"bag", "pattern", "dotted", 1.5}), "synth.correlation[0].p = 1.5"},
		{"NaN P", corr(Correlation{"bag", "pattern", "dotted", math.NaN()}), "synth.correlation[0].p = NaN"},
		{"set twice", corr(Correlation{"dress", "color", "red", 0.2}, Correlation{"dress", "color", "red", 0.3}),
			"synth.correlation[1]: P(color=red | dress) is already set by synth.correlation[0]"},
		{"sum above 1", corr(Correlation{"dress", "color", "red", 0.6}, Correlation{"coat", "color", "red", 0.6}, Correlation{"dress", "color", "blue", 0.5}),
			"synth.correlation[0], synth.correlation[2]: P(color | dress) sums to 1.1: must be ≤ 1"},
		{"sum 1 over all values", Config{Patterns: []string{"plain", "striped"}, Correlations: []Correlation{{"bag", "pattern", "plain", 0.3}, {"bag", "pattern", "striped", 0.7}}}, ""},
		{"all values named, sum below 1", Config{Patterns: []string{"plain", "striped"}, Correlations: []Correlation{{"bag", "pattern", "plain", 0.3}, {"bag", "pattern", "striped", 0.3}}},
			"P(pattern | bag) names every pattern but sums to 0.6: must be 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Validate() = nil, want an error containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Validate() = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	got := Config{}.WithDefaults()
	if got.Images != 3000 || got.Size != 32 || got.Seed != 1 || *got.Clutter != 0.5 || got.Correlations != nil {
		t.Errorf("defaults: images %d, size %d, seed %d, clutter %g, correlations %v; want 3000, 32, 1, 0.5, none",
			got.Images, got.Size, got.Seed, *got.Clutter, got.Correlations)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(got.Categories, want) {
		t.Errorf("default categories %v, want %v", got.Categories, want)
	}
	if want := []string{"red", "green", "blue", "yellow", "magenta", "cyan", "orange", "white"}; !slices.Equal(got.Colors, want) {
		t.Errorf("default colours %v, want %v", got.Colors, want)
	}
	if want := []string{"plain", "striped", "dotted", "checked"}; !slices.Equal(got.Patterns, want) {
		t.Errorf("default patterns %v, want %v", got.Patterns, want)
	}

	in := Config{Images: 7, Size: 40, Seed: 9, Categories: []int{2}, Colors: []string{"white"}, Clutter: new(0.0),
		Correlations: []Correlation{{"pullover", "color", "white", 1}}}
	out := in.WithDefaults()
	if out.Images != 7 || out.Size != 40 || out.Seed != 9 || *out.Clutter != 0 || out.Categories[0] != 2 || out.Colors[0] != "white" {
		t.Errorf("WithDefaults changed set fields: %+v", out)
	}
	out.Categories[0], out.Colors[0], out.Correlations[0].P, *out.Clutter = 5, "red", 0.5, 1
	if in.Categories[0] != 2 || in.Colors[0] != "white" || in.Correlations[0].P != 1 || *in.Clutter != 0 {
		t.Errorf("the result of WithDefaults shares memory with its input: %+v", in)
	}
}

func TestDistribution(t *testing.T) {
	other := 0.4 / 7
	tests := []struct {
		name     string
		cfg      Config
		category string
		group    string
		want     []float64
	}{
		{"uniform colours", Config{}, "dress", GroupColor, []float64{0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125}},
		{"red 0.6 for dress", Config{Correlations: []Correlation{{"dress", "color", "red", 0.6}}}, "dress", GroupColor,
			[]float64{0.6, other, other, other, other, other, other, other}},
		{"another category stays uniform", Config{Correlations: []Correlation{{"dress", "color", "red", 0.6}}}, "shirt", GroupColor,
			[]float64{0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125}},
		{"another group stays uniform", Config{Correlations: []Correlation{{"dress", "color", "red", 0.6}}}, "dress", GroupPattern,
			[]float64{0.25, 0.25, 0.25, 0.25}},
		{"two patterns named", Config{Correlations: []Correlation{{"bag", "pattern", "checked", 0.5}, {"bag", "pattern", "plain", 0.1}}}, "bag", GroupPattern,
			[]float64{0.1, 0.2, 0.2, 0.5}},
		{"P 1 leaves nothing", Config{Correlations: []Correlation{{"coat", "pattern", "dotted", 1}}}, "coat", GroupPattern,
			[]float64{0, 0, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cfg.WithDefaults().distribution(tt.category, tt.group)
			if !slices.EqualFunc(got, tt.want, func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }) {
				t.Fatalf("distribution(%s, %s) = %v, want %v", tt.category, tt.group, got, tt.want)
			}
		})
	}
}

func TestPick(t *testing.T) {
	tests := []struct {
		p    []float64
		want []float64 // expected frequencies
	}{
		{[]float64{1}, []float64{1}},
		{[]float64{0, 1, 0}, []float64{0, 1, 0}},
		{[]float64{0.2, 0, 0.8}, []float64{0.2, 0, 0.8}},
		{[]float64{0.25, 0.25, 0.25, 0.25 - 1e-17, 0}, []float64{0.25, 0.25, 0.25, 0.25, 0}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.p), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			const n = 20000
			counts := make([]int, len(tt.p))
			for range n {
				counts[pick(rng, tt.p)]++
			}
			for k, c := range counts {
				if tt.want[k] == 0 && c != 0 {
					t.Errorf("index %d has probability 0 but was picked %d times", k, c)
				}
				if f := float64(c) / n; math.Abs(f-tt.want[k]) > 0.015 {
					t.Errorf("index %d picked with frequency %.3f, want %.3f", k, f, tt.want[k])
				}
			}
		})
	}
}

func TestCategoryLabel(t *testing.T) {
	classes := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	for id, class := range classes {
		if got := categoryLabel(class); got != categoryNames[id] {
			t.Errorf("categoryLabel(%q) = %q, want %q", class, got, categoryNames[id])
		}
	}
}

func TestFillCoverage(t *testing.T) {
	tests := []struct {
		pattern string
		scale   float64
		want    float64 // share of dark points
	}{
		{"plain", 1, 0},
		{"striped", 1, 0.5},
		{"striped", 2, 0.5},
		{"dotted", 1, math.Pi * 0.3 * 0.3},
		{"checked", 1, 0.5},
		{"checked", 1.7, 0.5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s×%g", tt.pattern, tt.scale), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 7))
			for range 5 { // several random periods, angles and phases
				f := newFill(rng, tt.pattern, tt.scale)
				const side = 300
				grid := make([]bool, side*side)
				dark, changes := 0, 0 // changes counts neighbours of different shade: the pattern must vary
				for y := range side {
					for x := range side {
						d := f.dark(float64(x)+0.5, float64(y)+0.5)
						grid[y*side+x] = d
						if d {
							dark++
						}
						if (x > 0 && d != grid[y*side+x-1]) || (y > 0 && d != grid[(y-1)*side+x]) {
							changes++
						}
					}
				}
				if got := float64(dark) / (side * side); math.Abs(got-tt.want) > 0.03 {
					t.Errorf("%+v: dark share %.3f, want %.3f", f, got, tt.want)
				}
				if tt.pattern != "plain" && changes == 0 {
					t.Errorf("%+v: the shade never changes", f)
				}
			}
		})
	}
}

func ExampleConfig_Validate() {
	cfg := Config{Correlations: []Correlation{
		{Category: "dress", Group: "color", Value: "red", P: 0.6},
		{Category: "dress", Group: "color", Value: "blue", P: 0.5},
	}}
	fmt.Println(cfg.Validate())
	// Output: synth.correlation[0], synth.correlation[1]: P(color | dress) sums to 1.1: must be ≤ 1
}
