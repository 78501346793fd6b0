// Package progress draws a one-line progress bar with rate and ETA on a terminal, or plain
// lines at most every 10 s elsewhere (logs, CI).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Bar is the progress of one task of total units.
type Bar struct {
	w        io.Writer
	label    string
	total    int64
	start    time.Time
	startAt  int64
	terminal bool
	last     time.Time
	Later    int64 // units of later work expected at the same rate (an experiment's other runs), for its ETA
}

// New starts a bar labelled label at startAt of total units, drawn to w.
func New(w io.Writer, label string, startAt, total int64) *Bar {
	terminal := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			terminal = st.Mode()&os.ModeCharDevice != 0
		}
	}
	return &Bar{w: w, label: label, total: total, start: time.Now(), startAt: startAt, terminal: terminal}
}

// Update shows that done of total units are finished; extra is appended (e.g. the loss).
func (p *Bar) Update(done int64, extra string) {
	now := time.Now()
	every := time.Second / 4
	if !p.terminal {
		every = 10 * time.Second
	}
	if now.Sub(p.last) < every && done < p.total {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start).Seconds()
	rate := float64(done-p.startAt) / max(elapsed, 1e-9)
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(p.total-done)/rate) * time.Second).Round(time.Second).String()
		if p.Later > 0 {
			eta += fmt.Sprintf(" (experiment %s)", (time.Duration(float64(p.total-done+p.Later)/rate) * time.Second).Round(time.Second))
		}
	}
	line := fmt.Sprintf("%s %d/%d %3.0f%% %.1f/s ETA %s %s", p.label, done, p.total,
		100*float64(done)/float64(p.total), rate, eta, extra)
	if p.terminal {
		const width = 24
		fill := int(width * done / max(p.total, 1))
		fmt.Fprintf(p.w, "\r[%s%s] %s\033[K", strings.Repeat("#", fill), strings.Repeat(".", width-fill), line)
		if done >= p.total {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintln(p.w, line)
}
