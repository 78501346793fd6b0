package datasets

import (
	"flag"
	"os"
	"testing"
)

// writeFile writes content to path or fails the test.
func writeFile(t testing.TB, path string, content []byte) {
	t.Helper()
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// update rewrites the fixtures and golden files under testdata/ (go test ./datasets -update).
var update = flag.Bool("update", false, "rewrite the fixtures and golden files under testdata/")
