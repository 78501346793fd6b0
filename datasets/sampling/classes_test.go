package sampling

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestClassListsResolve(t *testing.T) {
	names := []string{"Armenian/c01", "Armenian/c02", "Greek/c01", "Greek/c02", "Latin/c01"}
	for _, tc := range []struct {
		name             string
		lists            ClassLists
		train, val, test []int
		wantErr          string
	}{
		{"globs, rest to train", ClassLists{Val: []string{"Latin/*"}, Test: []string{"Greek/*"}}, []int{0, 1}, []int{4}, []int{2, 3}, ""},
		{"names, no val", ClassLists{Train: []string{"Armenian/c01", "Armenian/c02"}, Test: []string{"Greek/*", "Latin/c01"}}, []int{0, 1}, nil, []int{2, 3, 4}, ""},
		{"ids", ClassLists{Train: []string{"0", "1"}, Val: []string{}, Test: []string{"4"}}, []int{0, 1}, nil, []int{4}, ""},
		{"rest to test", ClassLists{Train: []string{"Armenian/*"}, Val: []string{}}, []int{0, 1}, nil, []int{2, 3, 4}, ""},
		{"the same class twice in one list", ClassLists{Train: []string{"Greek/*", "Greek/c01"}, Test: []string{"Latin/*"}}, []int{2, 3}, nil, []int{4}, ""},
		{"no match", ClassLists{Train: []string{"Armenian/*"}, Test: []string{"Cyrillic/*"}}, nil, nil, nil, `"Cyrillic/*" matches no class`},
		{"claimed twice", ClassLists{Train: []string{"Armenian/*", "Greek/c01"}, Test: []string{"Greek/*"}}, nil, nil, nil, `claims class "Greek/c01", which train_classes already takes`},
		{"only test given", ClassLists{Test: []string{"Greek/*"}}, []int{0, 1, 4}, nil, []int{2, 3}, ""},
		{"neither train nor test", ClassLists{Val: []string{"Greek/*"}}, nil, nil, nil, "both left out"},
		{"bad glob", ClassLists{Train: []string{"[x"}, Test: []string{"Greek/*"}}, nil, nil, nil, "syntax error"},
		{"id out of range", ClassLists{Train: []string{"9"}, Test: []string{"Greek/*"}}, nil, nil, nil, `"9" matches no class`},
	} {
		train, val, test, err := tc.lists.Resolve(names)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(train, tc.train) || !slices.Equal(val, tc.val) || !slices.Equal(test, tc.test) {
			t.Errorf("%s: got %v %v %v (%v), want %v %v %v", tc.name, train, val, test, err, tc.train, tc.val, tc.test)
		}
	}
}

// FuzzClassListsResolve: for any patterns and names, Resolve never panics, and what it
// returns is a partition of some of the classes: ids in range, sorted, no class in two lists.
func FuzzClassListsResolve(f *testing.F) {
	f.Add("a/x\na/y\nb/x", "a/*", "", "b/*", true)
	f.Add("dress\nshirt\n0", "0", "shirt", "", false)
	f.Fuzz(func(t *testing.T, classNames, train, val, test string, leaveOutVal bool) {
		names := strings.Split(classNames, "\n")
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		lists := ClassLists{Train: split(train), Val: split(val), Test: split(test)}
		if !leaveOutVal && lists.Val == nil {
			lists.Val = []string{}
		}
		tr, va, te, err := lists.Resolve(names)
		if err != nil {
			return
		}
		seen := map[int]bool{}
		for _, ids := range [][]int{tr, va, te} {
			if !slices.IsSorted(ids) {
				t.Fatalf("unsorted %v", ids)
			}
			for _, c := range ids {
				if c < 0 || c >= len(names) || seen[c] {
					t.Fatalf("class %d out of range or in two lists: %v %v %v", c, tr, va, te)
				}
				seen[c] = true
			}
		}
	})
}

// TestDrawClasses: a seeded draw is a partition of every class with the fractions' counts,
// the same for the same seed, and its lists resolve to exactly the classes drawn, even for
// names that are also globs.
func TestDrawClasses(t *testing.T) {
	names := make([]string, 20)
	for i := range names {
		names[i] = fmt.Sprintf("class%02d", i)
	}
	names[3], names[7] = "a*", "[b]"
	lists, err := DrawClasses(names, [3]float64{0.6, 0.2, 0.2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(lists.Train) != 12 || len(lists.Val) != 4 || len(lists.Test) != 4 {
		t.Fatalf("%d/%d/%d classes, want 12/4/4", len(lists.Train), len(lists.Val), len(lists.Test))
	}
	again, _ := DrawClasses(names, [3]float64{0.6, 0.2, 0.2}, 1)
	other, _ := DrawClasses(names, [3]float64{0.6, 0.2, 0.2}, 2)
	if !slices.Equal(again.Test, lists.Test) || slices.Equal(other.Test, lists.Test) {
		t.Errorf("seed 1 drew test %v then %v; seed 2 drew %v", lists.Test, again.Test, other.Test)
	}
	tr, va, te, err := lists.Resolve(names)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for _, ids := range [][]int{tr, va, te} {
		for _, c := range ids {
			seen[c]++
		}
	}
	if len(tr) != 12 || len(va) != 4 || len(te) != 4 || len(seen) != 20 {
		t.Errorf("resolved to %v %v %v: not the 12/4/4 partition drawn", tr, va, te)
	}

	none, err := DrawClasses(names, [3]float64{0.8, 0, 0.2}, 1)
	if err != nil || len(none.Val) != 0 || len(none.Train) != 16 {
		t.Errorf("no validation fraction: %+v, %v", none, err)
	}
	if _, err := DrawClasses(names[:2], [3]float64{0.6, 0.2, 0.2}, 1); err == nil || !strings.Contains(err.Error(), "2 classes are too few") {
		t.Errorf("2 classes: %v", err)
	}
}

// TestReadClassFile reads a published-style split file (BOM, CRLF, comments, blank lines,
// globs) and names the file and line of a class that is not in the data.
func TestReadClassFile(t *testing.T) {
	names := []string{"Armenian/character01", "Armenian/character02", "Greek/character01", "a[1]"}
	path := filepath.Join(t.TempDir(), "test.txt")
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("\ufeff# the test alphabets\r\nArmenian/*\r\n\r\n  Greek/character01  \r\n")
	got, err := ReadClassFile(path, names)
	if err != nil || !slices.Equal(got, []string{"Armenian/*", "Greek/character01"}) {
		t.Errorf("ReadClassFile = %q, %v", got, err)
	}
	write("Armenian/*\n# a comment\nLatin/character01\n")
	if _, err := ReadClassFile(path, names); err == nil || !strings.Contains(err.Error(), path+`:3: "Latin/character01" matches no class`) {
		t.Errorf("a class not in the data: %v", err)
	}
	write("# nothing\n\n")
	if _, err := ReadClassFile(path, names); err == nil || !strings.Contains(err.Error(), path+": no class names") {
		t.Errorf("an empty list: %v", err)
	}
	if ids, _ := matchClasses(Exact("a[1]"), names); !slices.Equal(ids, []int{3}) {
		t.Errorf("Exact(a[1]) matches %v", ids)
	}
}
