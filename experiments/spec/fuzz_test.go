package spec

import (
	"strings"
	"testing"
)

// FuzzParse: any experiment file either expands into valid runs or is an error that names
// the file; it never panics. `go test -fuzz FuzzParse ./experiments`.
func FuzzParse(f *testing.F) {
	f.Add("[train]\nepisodes = 10\n")
	f.Add("[dataset]\nsource = \"csv\"\npath = \"x.csv\"\n[[dataset.groups]]\nname = \"color\"\n")
	f.Add("[heads]\nkind = \"prototype\"\n[loss]\nkind = \"ce\"\n")
	f.Add("[eval]\nepisodes = 100\n")
	f.Add("[train\n")
	f.Add(ablationFile)
	f.Add("[grid]\ntrain.way = [2, 3]\n[[variant]]\nname = \"a\"\n[variant.heads]\nshared = true\n")
	f.Fuzz(func(t *testing.T, text string) {
		runs, err := ParsePlan("fuzz.toml", []byte(text))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, cfg := range runs {
			if err := cfg.Validate(); err != nil {
				t.Fatalf("ParsePlan accepted a run that Validate rejects: %v", err)
			}
		}
	})
}
