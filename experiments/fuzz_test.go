package experiments

import (
	"strings"
	"testing"
)

// FuzzParse: any config text either parses into a valid configuration or is an error that
// names the file; it never panics. `go test -fuzz FuzzParse ./experiments`.
func FuzzParse(f *testing.F) {
	f.Add("[train]\nepisodes = 10\n")
	f.Add("[dataset]\nsource = \"csv\"\npath = \"x.csv\"\n[[dataset.groups]]\nname = \"color\"\n")
	f.Add("[heads]\nkind = \"prototype\"\n[loss]\nkind = \"ce\"\n")
	f.Add("[eval]\nepisodes = 100\n")
	f.Add("[train\n")
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := Parse("fuzz.toml", []byte(text))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that Validate rejects: %v", err)
		}
	})
}
