// Package progress shows a task's progress with rate and ETA through github.com/cheggaaa/pb/v3:
// a bar redrawn in place at most 4 times a second on a terminal, plain newline-terminated
// lines at most every 10 s elsewhere (logs, CI). The last update is always shown.
//
// pb draws the line (terminal detection, bar sized to the terminal, percent, carriage return
// and final newline on a terminal, no colour or escape codes elsewhere). This package decides
// when it is drawn, in the caller's goroutine so that it never interleaves with the caller's
// own log lines, and computes rate and ETAs itself: pb's speed element rounds to whole units
// per second (training runs at about one episode per second) and knows nothing of later work.
package progress

import (
	"fmt"
	"io"
	"time"

	"github.com/cheggaaa/pb/v3"
)

// Redraw intervals on a terminal and elsewhere.
const (
	TerminalEvery = time.Second / 4
	PlainEvery    = 10 * time.Second
)

// Bar is the progress of one task of total units.
type Bar struct {
	bar     *pb.ProgressBar
	total   int64
	startAt int64
	start   time.Time
	every   time.Duration
	last    time.Time
	now     func() time.Time
	Later   int64 // units of later work expected at the same rate (an experiment's other runs), for its ETA
}

// New starts a bar labelled label at startAt of total units, drawn to w.
func New(w io.Writer, label string, startAt, total int64) *Bar {
	return newBar(w, label, startAt, total, time.Now)
}

func newBar(w io.Writer, label string, startAt, total int64, now func() time.Time) *Bar {
	b := pb.New64(total).SetMaxWidth(120).SetWriter(w).SetCurrent(startAt).Set(pb.Static, true).Set("label", label)
	tmpl := `{{string . "label"}} {{counters . "%s/%s"}} {{percent . "%3.0f%%"}} {{string . "rate"}} ETA {{string . "eta"}} {{string . "extra"}}` + "\n"
	every := PlainEvery
	if b.GetBool(pb.Terminal) {
		tmpl = `{{bar . "[" "#" "#" "." "]"}} ` + tmpl[:len(tmpl)-1]
		if b.Width() <= 0 { // a terminal that reports no size (some containers' ptys)
			b.SetWidth(80)
		}
		every = TerminalEvery
	}
	b.SetTemplateString(tmpl).Start()
	return &Bar{bar: b, total: total, startAt: startAt, start: now(), every: every, now: now}
}

// Update shows that done of total units are finished; extra is appended (e.g. the loss).
// It draws at most once per redraw interval, and always when done reaches total.
func (p *Bar) Update(done int64, extra string) {
	now := p.now()
	final := done >= p.total
	if !final && !p.last.IsZero() && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	rateText, eta := "?/s", "?"
	if elapsed := now.Sub(p.start).Seconds(); elapsed > 0 && done > p.startAt {
		rate := float64(done-p.startAt) / elapsed
		rateText, eta = fmt.Sprintf("%.1f/s", rate), seconds(float64(p.total-done)/rate).String()
		if p.Later > 0 {
			eta += fmt.Sprintf(" (experiment %s)", seconds(float64(p.total-done+p.Later)/rate))
		}
	}
	p.bar.SetCurrent(done).Set("rate", rateText).Set("eta", eta).Set("extra", extra)
	if final {
		p.bar.Finish()
	}
	p.bar.Write()
}

// seconds is a duration of s seconds, to the second.
func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Second)
}
