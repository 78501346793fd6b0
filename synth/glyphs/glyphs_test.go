package glyphs

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGenerateLayoutAndDeterminism writes a small set twice: Omniglot's depth-2 layout, the
// same bytes for the same Config, another seed drawing other characters, and a second call
// with an identical set already there leaving it alone.
func TestGenerateLayoutAndDeterminism(t *testing.T) {
	cfg := Config{Alphabets: 2, Characters: 3, Drawers: 4, Size: 16, Seed: 7}
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, dir := range []string{a, b} {
		if n, err := Generate(cfg, dir); err != nil || n != 24 {
			t.Fatalf("Generate: %d images, %v", n, err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(a, "alphabet*", "character*", "drawer*.png"))
	if len(files) != 24 {
		t.Fatalf("%d images at depth 2, want 24", len(files))
	}
	for _, f := range files {
		rel, _ := filepath.Rel(a, f)
		x, _ := os.ReadFile(f)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs of one Config", rel)
		}
	}
	same := filepath.Join(a, "alphabet00", "character00", "drawer00.png")
	first, _ := os.ReadFile(same)
	other := filepath.Join(t.TempDir(), "c")
	cfg.Seed = 8
	if _, err := Generate(cfg, other); err != nil {
		t.Fatal(err)
	}
	if second, _ := os.ReadFile(filepath.Join(other, "alphabet00", "character00", "drawer00.png")); bytes.Equal(first, second) {
		t.Error("another seed drew the same character")
	}
	stamp, _ := os.Stat(same)
	if _, err := Generate(Config{Alphabets: 2, Characters: 3, Drawers: 4, Size: 16, Seed: 7}, a); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.Stat(same); !again.ModTime().Equal(stamp.ModTime()) {
		t.Error("an identical set was written again")
	}
	if _, err := Generate(Config{Size: 4}, t.TempDir()); err == nil {
		t.Error("a 4-pixel set was accepted")
	}
}
