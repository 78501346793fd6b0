package imagetest

import (
	"errors"
	"image"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
)

// CheckGroups compares a's groups with want, name by name.
func CheckGroups(t *testing.T, a *datasets.Attributes, want []datasets.Group) {
	t.Helper()
	if len(a.Groups) != len(want) {
		t.Fatalf("%d groups, want %d", len(a.Groups), len(want))
	}
	for i, g := range a.Groups {
		w := want[i]
		if g.Name != w.Name || !slices.Equal(g.Values, w.Values) || !slices.Equal(g.Labels, w.Labels) {
			t.Errorf("group %d = %s %q %v, want %s %q %v", i, g.Name, g.Values, g.Labels, w.Name, w.Values, w.Labels)
		}
	}
}

// CheckPixels checks that every image of a is DecodeImage's result for its file under dir with crop.
func CheckPixels(t *testing.T, a *datasets.Attributes, dir string, crops []image.Rectangle) {
	t.Helper()
	shape := datasets.ImageShape{Channels: a.Channels, Height: a.Height, Width: a.Width}
	for i, f := range a.Files {
		want := Decode(t, filepath.Join(dir, f), crops[i], shape)
		if got := a.Images(0).Image(i); !slices.Equal(got, want) {
			t.Errorf("image %d (%s) = %v, want %v", i, f, got, want)
		}
	}
}

// SkipLines returns the line numbers of skips.
func SkipLines(skips []datasets.Skip) []int {
	lines := make([]int, len(skips))
	for i, s := range skips {
		lines[i] = s.Line
	}
	return lines
}

// CheckModes reads the labels file at path with read by default, skipping bad lines and (seedCSV)
// strictly, and checks each result and how they agree.
func CheckModes(t *testing.T, path string, read func(datasets.LoadOptions) (*datasets.Attributes, *datasets.LoadReport, error), seedCSV bool) {
	t.Helper()
	a, r, err := read(datasets.LoadOptions{Workers: 1})
	CheckRead(t, path, a, r, err)
	sa, sr, serr := read(datasets.LoadOptions{Workers: 2, SkipBadLines: true})
	CheckRead(t, path, sa, sr, serr)
	if _, ok := errors.AsType[*datasets.BadLinesError](serr); ok {
		t.Fatalf("skipping bad lines, yet %v", serr)
	}
	bad, isBad := errors.AsType[*datasets.BadLinesError](err)
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
	sa, sr, serr = read(datasets.LoadOptions{Workers: 3, StrictLabels: true})
	if serr != nil || !reflect.DeepEqual(sa, a) || !reflect.DeepEqual(sr, r) {
		t.Fatalf("loads by default ignoring nothing, but strictly gives %v", serr)
	}
}

// CheckRead checks one read of path: an error names the file (a *BadLinesError is of path and
// lists lines in order, each once, with reasons), and a set is consistent with its report.
func CheckRead(t *testing.T, path string, a *datasets.Attributes, r *datasets.LoadReport, err error) {
	t.Helper()
	if err != nil {
		if !strings.Contains(err.Error(), filepath.Base(path)) {
			t.Fatalf("error does not name the file: %v", err)
		}
		if a != nil || r != nil {
			t.Fatalf("error %v, yet a set or a report", err)
		}
		if bad, ok := errors.AsType[*datasets.BadLinesError](err); ok {
			if bad.Source != path || len(bad.Lines) == 0 {
				t.Fatalf("bad lines of %q: %+v", bad.Source, bad.Lines)
			}
			CheckSkips(t, bad.Lines)
		}
		return
	}
	CheckLoaded(t, a, r, 12)
	CheckSkips(t, r.Skipped)
	if !slices.IsSortedFunc(r.Ignored, func(x, y datasets.IgnoredLabels) int { return strings.Compare(x.Prefix, y.Prefix) }) {
		t.Fatalf("ignored labels not sorted: %+v", r.Ignored)
	}
	for i, ig := range r.Ignored {
		if ig.Prefix == "" || ig.Lines < 1 || ig.Lines > r.Lines || (i > 0 && r.Ignored[i-1].Prefix == ig.Prefix) {
			t.Fatalf("ignored labels %+v of %d lines", r.Ignored, r.Lines)
		}
	}
}

// CheckSkips fails unless skips are in line order, one per line, each with a reason.
func CheckSkips(t *testing.T, skips []datasets.Skip) {
	t.Helper()
	for i, s := range skips {
		if s.Line < 1 || s.Reason == "" || (i > 0 && skips[i-1].Line >= s.Line) {
			t.Fatalf("skips not one per line, in order, with reasons: %+v", skips)
		}
	}
}

// CheckLoaded fails unless a loaded set agrees with its report, has pixelsPer values per
// image, and every label is Unlabelled or one of its group's values.
func CheckLoaded(t *testing.T, a *datasets.Attributes, r *datasets.LoadReport, pixelsPer int) {
	t.Helper()
	if a.Len() != r.Kept || len(a.Pixels) != a.Len()*pixelsPer || r.Kept+len(r.Skipped) != r.Lines {
		t.Fatalf("%d images, report kept %d of %d lines, skipped %d, %d pixels", a.Len(), r.Kept, r.Lines, len(r.Skipped), len(a.Pixels))
	}
	CheckLabels(t, a)
}

// CheckLabels fails unless every group of a has one label per image, each Unlabelled or one of
// the group's values.
func CheckLabels(t *testing.T, a *datasets.Attributes) {
	t.Helper()
	for _, g := range a.Groups {
		if len(g.Labels) != a.Len() {
			t.Fatalf("group %s: %d labels for %d images", g.Name, len(g.Labels), a.Len())
		}
		for _, l := range g.Labels {
			if l != datasets.Unlabelled && (l < 0 || l >= len(g.Values)) {
				t.Fatalf("group %s: label %d of %d values", g.Name, l, len(g.Values))
			}
		}
	}
}

// CheckErrorSays fails unless err is an error whose message contains each of wants.
func CheckErrorSays(t *testing.T, err error, wants []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", wants)
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// Replica writes a benchmark's miniature replica with write (a function of package replica)
// and perClass images of each class into a new folder, and returns it.
func Replica(t testing.TB, write func(root string, perClass int) error, perClass int) string {
	t.Helper()
	root := t.TempDir()
	if err := write(root, perClass); err != nil {
		t.Fatal(err)
	}
	return root
}

// BadLines fails unless err is a *datasets.BadLinesError, and returns its lines as
// `<where>: <reason>`, each place named as the error names it with prefix cut off.
func BadLines(t *testing.T, err error, prefix string) []string {
	t.Helper()
	bad, ok := errors.AsType[*datasets.BadLinesError](err)
	if !ok {
		t.Fatalf("error %v, want bad lines", err)
	}
	var lines []string
	for _, s := range bad.Lines {
		lines = append(lines, strings.TrimPrefix(s.Where(bad.Source), prefix)+": "+s.Reason)
	}
	return lines
}

// CheckEitherMode reads with read by default and skipping bad lines: an error names source,
// skipping never fails with bad lines, and a set read is consistent (CheckLabels).
func CheckEitherMode(t *testing.T, source string, read func(datasets.LoadOptions) (*datasets.Attributes, error)) {
	t.Helper()
	for _, skip := range []bool{false, true} {
		a, err := read(datasets.LoadOptions{Workers: 2, SkipBadLines: skip})
		if err != nil {
			if !strings.Contains(err.Error(), source) {
				t.Fatalf("error does not name %s: %v", source, err)
			}
			if _, isBad := errors.AsType[*datasets.BadLinesError](err); isBad && skip {
				t.Fatalf("skipping bad lines, yet %v", err)
			}
			continue
		}
		CheckLabels(t, a)
	}
}
