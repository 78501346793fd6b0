package datasets

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzReadSeedCSV: any labels file either loads into a consistent set or is an error naming
// the file; it never panics. A *BadLinesError names the file and lists lines in order; skipping
// its lines loads the rest or fails with the same plain error as the default; a file the default
// loads loads the same when skipping, and when strict if nothing was ignored.
func FuzzReadSeedCSV(f *testing.F) {
	f.Add("image,labels\nred.png,clothing_category_t-shirt major_color_red\n")
	f.Add("red.png,clothing_category_dress major_color_red major_color_blue\nblue.jpg,major_color_blue\n")
	f.Add("red.png\n\"unterminated,\n")
	f.Add("red.png,colour_red\n")
	f.Add("red.png,major_color_red colour_red hat\nred.png,major_color_\nnone.png,major_color_red\n,x\na,b,c\n")
	f.Add("huge.png,clothing_category_dress\nred.png,clothing_category_dress major_color_red\n")
	dir := f.TempDir()
	writeImage(f, filepath.Join(dir, "red.png"), image.NewRGBA(image.Rect(0, 0, 4, 4)))
	writeFile(f, filepath.Join(dir, "huge.png"), pngHeader(50000, 50000)) // too large: a bad line, never decoded
	groups := []GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}}
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "styles.csv")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		read := func(opts LoadOptions) (*Attributes, *LoadReport, error) {
			return ReadSeedCSV(path, dir, groups, ImageShape{Channels: 3, Height: 2, Width: 2}, opts)
		}
		checkModes(t, path, read, true)
	})
}

// FuzzReadStreetStyleManifest: any manifest either loads into a consistent set or is an
// error naming the file; it never panics; bad lines behave as in FuzzReadSeedCSV.
func FuzzReadStreetStyleManifest(f *testing.F) {
	fixture, err := os.ReadFile(attrManifest)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(fixture))
	lines := strings.SplitAfter(string(fixture), "\n")
	f.Add(lines[0] + strings.Replace(lines[1], ",", ",,", 3))
	f.Add(lines[0] + "1,http://x/a/b/c/abc123.jpg,1,1,1,1,1,0,0,1e9,-1e9,8,12\n")
	f.Add("id\n")
	f.Add(lines[0] + lines[1] + strings.Replace(lines[2], ",8,0,16,", ",8,0,x,", 1) + strings.Replace(lines[3], "def456", "zzz999", 1) + lines[4])
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "streetstyle27k.manifest")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		read := func(opts LoadOptions) (*Attributes, *LoadReport, error) {
			return ReadStreetStyleManifest(path, attrStreetStyle, attrGroups, ImageShape{Channels: 3, Height: 2, Width: 2}, opts)
		}
		checkModes(t, path, read, false)
	})
}

// checkModes reads the labels file at path with read by default, skipping bad lines and (seedCSV)
// strictly, and checks each result and how they agree.
func checkModes(t *testing.T, path string, read func(LoadOptions) (*Attributes, *LoadReport, error), seedCSV bool) {
	t.Helper()
	a, r, err := read(LoadOptions{Workers: 1})
	checkRead(t, path, a, r, err)
	sa, sr, serr := read(LoadOptions{Workers: 2, SkipBadLines: true})
	checkRead(t, path, sa, sr, serr)
	if _, ok := errors.AsType[*BadLinesError](serr); ok {
		t.Fatalf("skipping bad lines, yet %v", serr)
	}
	bad, isBad := errors.AsType[*BadLinesError](err)
	switch {
	case err == nil:
		if serr != nil || !reflect.DeepEqual(sa, a) || !reflect.DeepEqual(sr, r) {
			t.Fatalf("loads by default, but skipping bad lines gives %v", serr)
		}
	case !isBad:
		if serr == nil || serr.Error() != err.Error() {
			t.Fatalf("error %v by default, %v when skipping bad lines", err, serr)
		}
	case serr == nil:
		// Every bad line is skipped, with the same reason.
		k := 0
		for _, s := range sr.Skipped {
			if k < len(bad.Lines) && s == bad.Lines[k] {
				k++
			}
		}
		if k != len(bad.Lines) {
			t.Fatalf("skipped %+v lack bad lines %+v", sr.Skipped, bad.Lines[k:])
		}
	}
	if !seedCSV || err != nil || len(r.Ignored) > 0 {
		return
	}
	sa, sr, serr = read(LoadOptions{Workers: 3, StrictLabels: true})
	if serr != nil || !reflect.DeepEqual(sa, a) || !reflect.DeepEqual(sr, r) {
		t.Fatalf("loads by default ignoring nothing, but strictly gives %v", serr)
	}
}

// checkRead checks one read of path: an error names the file (a *BadLinesError is of path and
// lists lines in order, each once, with reasons), and a set is consistent with its report.
func checkRead(t *testing.T, path string, a *Attributes, r *LoadReport, err error) {
	t.Helper()
	if err != nil {
		if !strings.Contains(err.Error(), filepath.Base(path)) {
			t.Fatalf("error does not name the file: %v", err)
		}
		if a != nil || r != nil {
			t.Fatalf("error %v, yet a set or a report", err)
		}
		if bad, ok := errors.AsType[*BadLinesError](err); ok {
			if bad.Source != path || len(bad.Lines) == 0 {
				t.Fatalf("bad lines of %q: %+v", bad.Source, bad.Lines)
			}
			checkSkips(t, bad.Lines)
		}
		return
	}
	checkLoaded(t, a, r, 12)
	checkSkips(t, r.Skipped)
	if !slices.IsSortedFunc(r.Ignored, func(x, y IgnoredLabels) int { return strings.Compare(x.Prefix, y.Prefix) }) {
		t.Fatalf("ignored labels not sorted: %+v", r.Ignored)
	}
	for i, ig := range r.Ignored {
		if ig.Prefix == "" || ig.Lines < 1 || ig.Lines > r.Lines || (i > 0 && r.Ignored[i-1].Prefix == ig.Prefix) {
			t.Fatalf("ignored labels %+v of %d lines", r.Ignored, r.Lines)
		}
	}
}

// checkSkips fails unless skips are in line order, one per line, each with a reason.
func checkSkips(t *testing.T, skips []Skip) {
	t.Helper()
	for i, s := range skips {
		if s.Line < 1 || s.Reason == "" || (i > 0 && skips[i-1].Line >= s.Line) {
			t.Fatalf("skips not one per line, in order, with reasons: %+v", skips)
		}
	}
}

// checkLoaded fails unless a loaded set agrees with its report, has pixelsPer values per
// image, and every label is Unlabelled or one of its group's values.
func checkLoaded(t *testing.T, a *Attributes, r *LoadReport, pixelsPer int) {
	t.Helper()
	if a.Len() != r.Kept || len(a.Pixels) != a.Len()*pixelsPer || r.Kept+len(r.Skipped) != r.Lines {
		t.Fatalf("%d images, report kept %d of %d lines, skipped %d, %d pixels", a.Len(), r.Kept, r.Lines, len(r.Skipped), len(a.Pixels))
	}
	for _, g := range a.Groups {
		if len(g.Labels) != a.Len() {
			t.Fatalf("group %s: %d labels for %d images", g.Name, len(g.Labels), a.Len())
		}
		for _, l := range g.Labels {
			if l != Unlabelled && (l < 0 || l >= len(g.Values)) {
				t.Fatalf("group %s: label %d of %d values", g.Name, l, len(g.Values))
			}
		}
	}
}
