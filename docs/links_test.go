// Package docs_test checks the documentation: every relative link and image of README.md and
// docs/*.md must name a file or directory that exists, every #anchor a heading of its target,
// and README.md must stay an entry point (at most maxReadmeLines lines).
package docs_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// maxReadmeLines bounds README.md: the details belong in docs/.
const maxReadmeLines = 260

// link is one link target found in a Markdown file.
type link struct {
	file   string // the Markdown file, as given to check
	line   int    // 1-based
	target string // as written
}

var (
	// inlineLink matches the target of [text](target) and ![alt](target), with an optional
	// title; a target in angle brackets may hold spaces.
	inlineLink = regexp.MustCompile(`\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)
	// refDef matches a reference definition: [label]: target.
	refDef = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	// htmlRef matches <img src=...> and <a href=...>.
	htmlRef = regexp.MustCompile(`(?i)<(?:img|a)\b[^>]*?\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
	// codeSpan matches inline code, whose text is not Markdown.
	codeSpan = regexp.MustCompile("`+[^`]*`+")
	// fence opens or closes a fenced code block.
	fence = regexp.MustCompile("^ {0,3}(```|~~~)")
	// atxHeading matches "# Heading" to "###### Heading".
	atxHeading = regexp.MustCompile(`^ {0,3}#{1,6}(?:\s+(.*?))?\s*$`)
	// setextUnderline matches the === or --- under a setext heading.
	setextUnderline = regexp.MustCompile(`^ {0,3}(=+|-+)\s*$`)
	// htmlAnchor matches <a name="x"> and id="x".
	htmlAnchor = regexp.MustCompile(`(?i)\b(?:name|id)\s*=\s*["']([^"']+)["']`)
	// mdLink turns [text](target) into text when a heading is slugged.
	mdLink = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	// htmlTag is dropped from a heading's text.
	htmlTag = regexp.MustCompile(`<[^>]+>`)
)

// Slug is GitHub's anchor for a heading's text: lower case; every character that is not a
// letter, a digit, a mark, a space, '-' or '_' dropped (so "×", ":", "`" and "." vanish);
// each space then a '-'. Repeated hyphens are kept, as GitHub keeps them.
func Slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// headingText is the text a heading renders to, before slugging: links become their text,
// HTML tags and emphasis markers go.
func headingText(raw string) string {
	raw = strings.TrimRight(raw, "#")
	raw = mdLink.ReplaceAllString(raw, "$1")
	raw = htmlTag.ReplaceAllString(raw, "")
	return strings.NewReplacer("**", "", "__", "", "*", "").Replace(raw)
}

// setextText reports whether a line can be the text of a setext heading (the line above === or
// ---): not blank, not a table row, list item, quote or ATX heading.
func setextText(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && !strings.HasPrefix(t, "|") && !strings.HasPrefix(t, "- ") && !strings.HasPrefix(t, "* ") &&
		!strings.HasPrefix(t, ">") && !atxHeading.MatchString(line)
}

// markdown is what check needs of one Markdown file: its links and its anchors.
type markdown struct {
	links   []link
	anchors map[string]bool
}

// parse reads a Markdown file's links (outside code) and the anchors of its headings, with
// GitHub's -1, -2, … suffixes for repeated headings.
func parse(path string) (*markdown, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	md := &markdown{anchors: map[string]bool{}}
	seen := map[string]int{}
	addHeading := func(text string) {
		s := Slug(headingText(text))
		if n := seen[s]; n > 0 {
			md.anchors[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			md.anchors[s] = true
		}
		seen[s]++
	}
	lines := strings.Split(string(data), "\n")
	inFence, fenceMark := false, ""
	for i, line := range lines {
		if m := fence.FindStringSubmatch(line); m != nil {
			switch {
			case !inFence:
				inFence, fenceMark = true, m[1]
			case m[1] == fenceMark:
				inFence = false
			}
			continue
		}
		if inFence {
			continue
		}
		if m := atxHeading.FindStringSubmatch(line); m != nil {
			addHeading(m[1])
		} else if i > 0 && setextUnderline.MatchString(line) && setextText(lines[i-1]) {
			addHeading(lines[i-1])
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			md.anchors[m[1]] = true
		}
		text := codeSpan.ReplaceAllString(line, "")
		var targets []string
		for _, m := range inlineLink.FindAllStringSubmatch(text, -1) {
			targets = append(targets, m[1])
		}
		if m := refDef.FindStringSubmatch(text); m != nil {
			targets = append(targets, m[1])
		}
		for _, m := range htmlRef.FindAllStringSubmatch(text, -1) {
			targets = append(targets, m[1]+m[2]+m[3])
		}
		for _, t := range targets {
			md.links = append(md.links, link{file: path, line: i + 1, target: strings.Trim(t, "<>")})
		}
	}
	return md, nil
}

// external reports whether a target leaves the repository (a URL or a mail address).
func external(target string) bool {
	t := strings.ToLower(target)
	return strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") ||
		strings.HasPrefix(t, "mailto:") || strings.HasPrefix(t, "//")
}

// check returns one "file:line: target: why" line per broken relative link of the files.
// root is the repository's top directory, against which a target starting with "/" resolves.
func check(root string, files []string) ([]string, error) {
	parsed := map[string]*markdown{}
	get := func(path string) (*markdown, error) {
		path = filepath.Clean(path)
		if md, ok := parsed[path]; ok {
			return md, nil
		}
		md, err := parse(path)
		if err != nil {
			return nil, err
		}
		parsed[path] = md
		return md, nil
	}
	var broken []string
	for _, f := range files {
		md, err := get(f)
		if err != nil {
			return nil, err
		}
		for _, l := range md.links {
			if why := resolve(root, l, get); why != "" {
				broken = append(broken, fmt.Sprintf("%s:%d: %s: %s", shown(root, l.file), l.line, l.target, why))
			}
		}
	}
	return broken, nil
}

// shown is path relative to root when it lies inside it (README.md, docs/data.md), else path.
func shown(root, path string) string {
	if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(path)
}

// resolve says why l is broken, or "" when it resolves.
func resolve(root string, l link, get func(string) (*markdown, error)) string {
	if external(l.target) || l.target == "" {
		return ""
	}
	pathPart, anchor, hasAnchor := strings.Cut(l.target, "#")
	if i := strings.IndexByte(pathPart, '?'); i >= 0 {
		pathPart = pathPart[:i]
	}
	unescaped, err := url.PathUnescape(pathPart)
	if err != nil {
		return fmt.Sprintf("bad escape in the path: %v", err)
	}
	target := l.file
	if unescaped != "" {
		if strings.HasPrefix(unescaped, "/") {
			target = filepath.Join(root, filepath.FromSlash(unescaped))
		} else {
			target = filepath.Join(filepath.Dir(l.file), filepath.FromSlash(unescaped))
		}
		info, err := os.Stat(target)
		if err != nil {
			return fmt.Sprintf("no such file or directory (%s)", shown(root, target))
		}
		if info.IsDir() || !hasAnchor {
			if hasAnchor && anchor != "" {
				return "an anchor on a directory"
			}
			return ""
		}
	}
	if !hasAnchor || anchor == "" {
		return ""
	}
	if !strings.EqualFold(filepath.Ext(target), ".md") {
		return "" // anchors into code (#L10) and other files are not checked
	}
	md, err := get(target)
	if err != nil {
		return fmt.Sprintf("cannot read the target: %v", err)
	}
	if a, err := url.PathUnescape(anchor); err == nil {
		anchor = a
	}
	if !md.anchors[anchor] {
		return fmt.Sprintf("no heading with the anchor #%s in %s", anchor, shown(root, target))
	}
	return ""
}

// docFiles are README.md and every docs/*.md, as paths relative to this package's directory.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return append([]string{filepath.Join("..", "README.md")}, files...)
}

func TestRelativeLinksResolve(t *testing.T) {
	files := docFiles(t)
	if len(files) < 2 {
		t.Fatalf("found %v: want README.md and the docs/*.md pages", files)
	}
	broken, err := check("..", files)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checked the relative links of %d files", len(files))
	if len(broken) > 0 {
		t.Errorf("%d broken links:\n%s", len(broken), strings.Join(broken, "\n"))
	}
}

func TestReadmeIsShort(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.TrimSuffix(string(data), "\n"), "\n") + 1; n > maxReadmeLines {
		t.Errorf("README.md has %d lines, want at most %d: move details into docs/", n, maxReadmeLines)
	}
}

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"What `make run` prints":                       "what-make-run-prints",
		"Several runs at once (jobs)":                  "several-runs-at-once-jobs",
		"Looking at a data set: `relnet data inspect`": "looking-at-a-data-set-relnet-data-inspect",
		"The seed notebook's recipe":                   "the-seed-notebooks-recipe",
		"28×28 and 84×84×3":                            "2828-and-84843",
		"train.max_pixels, again":                      "trainmax_pixels-again",
		"A — B":                                        "a--b",
		"Données à l'échelle":                          "données-à-léchelle",
	} {
		if got := Slug(headingText(heading)); got != want {
			t.Errorf("Slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

// TestCheckFindsBrokenLinks runs the checker on a small tree with one good and one broken
// link of each kind, so that a checker that accepts everything fails here.
func TestCheckFindsBrokenLinks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("img/a.png", "png")
	write("sub/other.md", "# Other page\n\n## A section: `code` × 2\n\n## A section: `code` × 2\n")
	main := write("main.md", strings.Join([]string{
		"# Main",
		"[ok file](sub/other.md) [ok dir](img/) ![ok image](img/a.png) [web](https://example.com/x)",
		"[ok anchor](sub/other.md#a-section-code--2) [ok repeat](sub/other.md#a-section-code--2-1) [ok self](#main)",
		`<img src="img/a.png" width="50"> [ok root](/img/a.png) [ok title](img/a.png "a title")`,
		"[missing file](sub/missing.md)",
		"![missing image](img/b.png)",
		`<img src="img/c.png">`,
		"[missing anchor](sub/other.md#no-such-heading)",
		"[missing self anchor](#nowhere)",
		"`[in code](nowhere.md)`",
		"```",
		"[in a fence](nowhere.md)",
		"```",
		"[ref]: missing-ref.md",
	}, "\n"))
	broken, err := check(dir, []string{main})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range broken {
		_, rest, _ := strings.Cut(b, "main.md:")
		got = append(got, rest)
	}
	want := []string{
		"5: sub/missing.md",
		"6: img/b.png",
		"7: img/c.png",
		"8: sub/other.md#no-such-heading",
		"9: #nowhere",
		"14: missing-ref.md",
	}
	if len(got) != len(want) {
		t.Fatalf("check reported %d broken links, want %d:\n%s", len(got), len(want), strings.Join(broken, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w+": ") {
			t.Errorf("broken link %d: %q, want it to start with %q", i, got[i], w+": ")
		}
	}
}
