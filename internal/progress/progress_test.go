package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// clock is a fake time source advanced by the test.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestPlainLinesThrottled(t *testing.T) {
	var out bytes.Buffer // not a terminal
	c := &clock{t: time.Unix(0, 0)}
	b := newBar(&out, "train", 0, 40, c.now)
	for done := int64(1); done <= 39; done++ {
		c.t = c.t.Add(time.Second)
		b.Update(done, "loss 0.5")
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	// Drawn at 1 s, then 11 s, 21 s, 31 s: at least PlainEvery apart.
	want := []string{
		"train 1/40   2% 1.0/s ETA 39s loss 0.5",
		"train 11/40  28% 1.0/s ETA 29s loss 0.5",
		"train 21/40  52% 1.0/s ETA 19s loss 0.5",
		"train 31/40  78% 1.0/s ETA 9s loss 0.5",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plain lines:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
	if strings.ContainsAny(out.String(), "\r\x1b") {
		t.Errorf("carriage return or escape code off a terminal: %q", out.String())
	}
}

func TestFinalLineAlwaysShown(t *testing.T) {
	var out bytes.Buffer
	c := &clock{t: time.Unix(0, 0)}
	b := newBar(&out, "eval", 0, 10, c.now)
	b.Update(9, "")
	c.t = c.t.Add(time.Second) // well within PlainEvery
	b.Update(10, "color")
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "eval 10/10 100%") || !strings.HasSuffix(lines[1], "color") {
		t.Errorf("want the first and the final line, got %q", out.String())
	}
}

func TestExperimentETAFromResumedRate(t *testing.T) {
	var out bytes.Buffer
	c := &clock{t: time.Unix(0, 0)}
	b := newBar(&out, "run 2/3", 100, 300, c.now) // resumed at 100
	b.Later = 300
	c.t = c.t.Add(50 * time.Second)
	b.Update(200, "") // 100 units in 50 s: 2/s, not 4/s
	want := "run 2/3 200/300  67% 2.0/s ETA 50s (experiment 3m20s) \n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
