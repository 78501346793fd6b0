package predict

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/experiments/results"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// Options say how Run scores and writes.
type Options struct {
	Format  string // "csv" (default) or "jsonl"
	Logits  bool   // write each head's logits instead of its scores
	Batch   int    // queries per forward pass; default 256
	Workers int    // decoding goroutines; default one per CPU
	// MaxPixels is the largest query image, width × height from its header; default
	// datasets.DefaultMaxPixels. A larger one is skipped like an unreadable one.
	MaxPixels int
}

// Summary is what a Run did.
type Summary struct {
	Images  int // classified
	Skipped int // unreadable, reported and left out
	Seconds float64
	// Accuracy holds, per support group, the accuracy over the queries labelled with one of
	// the support's classes; Unknown counts those labelled with another class.
	Accuracy []GroupAccuracy
}

// GroupAccuracy is one group's accuracy over labelled queries, with its 95% CI over them.
type GroupAccuracy struct {
	Group   string
	Summary results.Summary
	Unknown int
}

// ImagesPerSecond is the classification rate, decoding included.
func (s Summary) ImagesPerSecond() float64 { return float64(s.Images) / s.Seconds }

// decoded is one batch of queries, decoded: images [Start, Start+n) of the list.
type decoded struct {
	start  int
	pixels []float32 // C×H×W per query
	errs   []error   // per query, nil when it decoded
}

// Run classifies queries against sup and writes one line per query to out, in order, as
// each batch is scored: its image, and per support group the predicted class and every
// class's score. Goroutines decode the next batches while the current one is scored, so
// memory is bounded by a few batches whatever the number of queries. An image that does not
// decode is reported to errs, left out and counted in Summary.Skipped. Call Run on the tensor
// goroutine.
func Run(ctx context.Context, m *Model, sup *Support, queries []Query, out, errs io.Writer, opts Options) (sum Summary, err error) {
	defer tensors.Recover(&err)
	if opts.Batch < 1 {
		opts.Batch = 256
	}
	if opts.Workers < 1 {
		opts.Workers = runtime.NumCPU()
	}
	w, err := newWriter(out, opts.Format, sup, queries)
	if err != nil {
		return sum, err
	}
	prev := tensors.SetGrad(false)
	defer tensors.SetGrad(prev)
	start := time.Now()
	right := make([][]float64, len(sup.Groups))
	sum.Accuracy = make([]GroupAccuracy, len(sup.Groups))
	decodeCtx, stop := context.WithCancel(ctx)
	batches := decodeAhead(decodeCtx, queries, m.Shape, opts)
	defer func() { // when Run stops early, stop the decoder and let it finish its batch
		stop()
		for range batches {
		}
	}()
	for b := range batches {
		if err := m.scoreBatch(b, sup, queries, w, errs, opts.Logits, &sum, right); err != nil {
			return sum, err
		}
	}
	sum.Seconds = time.Since(start).Seconds()
	for j, sg := range sup.Groups {
		sum.Accuracy[j].Group = sg.Name
		sum.Accuracy[j].Summary = results.Summarize(right[j])
	}
	if ctx.Err() != nil {
		return sum, fmt.Errorf("interrupted after %d of %d queries; the lines written are complete", sum.Images+sum.Skipped, len(queries))
	}
	return sum, nil
}

// scoreBatch scores the queries of batch b that decoded (reporting the others to errs and
// counting them as skipped), writes a line for each and adds it to sum; right collects, per
// support group, 1 or 0 for each query labelled with one of the support's classes.
func (m *Model) scoreBatch(b decoded, sup *Support, queries []Query, w writer, errs io.Writer, logits bool, sum *Summary, right [][]float64) error {
	var ok []int
	size := m.Shape.Size()
	for i, e := range b.errs {
		if e != nil {
			fmt.Fprintf(errs, "skipped %s: %v\n", queries[b.start+i].Image, e)
			sum.Skipped++
			continue
		}
		copy(b.pixels[len(ok)*size:], b.pixels[i*size:(i+1)*size])
		ok = append(ok, b.start+i)
	}
	if len(ok) == 0 {
		return nil
	}
	pixels := b.pixels[:len(ok)*size]
	m.Normalize(pixels)
	scores := m.score(sup, pixels, len(ok), logits)
	for k, qi := range ok {
		q := queries[qi]
		predicted := make([]string, len(sup.Groups))
		rows := make([][]float32, len(sup.Groups))
		for j, sg := range sup.Groups {
			n := len(sg.Classes)
			rows[j] = scores[j][k*n : (k+1)*n]
			predicted[j] = sg.Classes[model.Argmax(rows[j])]
			switch label := q.Labels[j]; {
			case label == "":
			case slices.Contains(sg.Classes, label):
				right[j] = append(right[j], b2f(label == predicted[j]))
			default:
				sum.Accuracy[j].Unknown++
			}
		}
		if err := w.row(q, predicted, rows); err != nil {
			return err
		}
		sum.Images++
	}
	return w.flush()
}

// score embeds n normalised query images and returns, per support group, their scores
// (or logits) against its classes, query-major.
func (m *Model) score(sup *Support, pixels []float32, n int, logits bool) [][]float32 {
	var s tensors.Scope
	defer s.Drop()
	feats := m.Net.Embed(&s, pixels, int64(n), layers.Eval)
	out := make([][]float32, len(sup.Groups))
	for j, sg := range sup.Groups {
		l := m.Net.Score(&s, sg.Group, sg.classes, feats, layers.Eval)
		if !logits {
			l = m.Probabilities(&s, l)
		}
		out[j] = tensors.Values(l)
	}
	return out
}

// decodeAhead decodes the queries batch by batch, opts.Workers images at a time, keeping at
// most two batches ready ahead of the reader; it stops early when ctx is cancelled.
func decodeAhead(ctx context.Context, queries []Query, shape datasets.ImageShape, opts Options) <-chan decoded {
	ch := make(chan decoded, 2)
	go func() {
		defer close(ch)
		size := shape.Size()
		for start := 0; start < len(queries) && ctx.Err() == nil; start += opts.Batch {
			part := queries[start:min(start+opts.Batch, len(queries))]
			b := decoded{start: start, pixels: make([]float32, len(part)*size), errs: make([]error, len(part))}
			var next atomic.Int64
			var wg sync.WaitGroup
			for range min(opts.Workers, len(part)) {
				wg.Go(func() {
					for i := int(next.Add(1) - 1); i < len(part); i = int(next.Add(1) - 1) {
						b.errs[i] = datasets.DecodeImage(part[i].Path, image.Rectangle{}, shape, opts.MaxPixels, b.pixels[i*size:(i+1)*size])
					}
				})
			}
			wg.Wait()
			ch <- b
		}
	}()
	return ch
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// writer writes one line per query.
type writer interface {
	row(q Query, predicted []string, scores [][]float32) error
	flush() error
}

// newWriter makes the writer of format ("csv" by default, or "jsonl"); a CSV starts with its
// header: image, then per group <group>_predicted, <group>_label (when a query carries a
// label of it) and <group>_score_<class> per class.
func newWriter(out io.Writer, format string, sup *Support, queries []Query) (writer, error) {
	labelled := make([]bool, len(sup.Groups))
	for _, q := range queries {
		for j, l := range q.Labels {
			labelled[j] = labelled[j] || l != ""
		}
	}
	buf := bufio.NewWriter(out)
	switch format {
	case "", "csv":
		w := &csvWriter{csv: csv.NewWriter(buf), buf: buf, labelled: labelled}
		header := []string{"image"}
		for j, sg := range sup.Groups {
			header = append(header, sg.Name+"_predicted")
			if labelled[j] {
				header = append(header, sg.Name+"_label")
			}
			for _, c := range sg.Classes {
				header = append(header, sg.Name+"_score_"+c)
			}
		}
		return w, w.csv.Write(header)
	case "jsonl":
		return &jsonWriter{enc: json.NewEncoder(buf), buf: buf, sup: sup}, nil
	}
	return nil, fmt.Errorf("output format %q: want csv or jsonl", format)
}

type csvWriter struct {
	csv      *csv.Writer
	buf      *bufio.Writer
	labelled []bool
}

func (w *csvWriter) row(q Query, predicted []string, scores [][]float32) error {
	rec := []string{q.Image}
	for j := range predicted {
		rec = append(rec, predicted[j])
		if w.labelled[j] {
			rec = append(rec, q.Labels[j])
		}
		for _, v := range scores[j] {
			rec = append(rec, formatScore(v))
		}
	}
	return w.csv.Write(rec)
}

func (w *csvWriter) flush() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return err
	}
	return w.buf.Flush()
}

// formatScore is the shortest decimal that reads back as the same float32.
func formatScore(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }

type jsonWriter struct {
	enc *json.Encoder
	buf *bufio.Writer
	sup *Support
}

// jsonGroup is one group's prediction in a JSON line.
type jsonGroup struct {
	Predicted string             `json:"predicted"`
	Label     string             `json:"label,omitempty"`
	Scores    map[string]float32 `json:"scores"`
}

func (w *jsonWriter) row(q Query, predicted []string, scores [][]float32) error {
	groups := map[string]jsonGroup{}
	for j, sg := range w.sup.Groups {
		g := jsonGroup{Predicted: predicted[j], Label: q.Labels[j], Scores: map[string]float32{}}
		for c, name := range sg.Classes {
			g.Scores[name] = scores[j][c]
		}
		groups[sg.Name] = g
	}
	return w.enc.Encode(struct {
		Image  string               `json:"image"`
		Groups map[string]jsonGroup `json:"groups"`
	}{q.Image, groups})
}

func (w *jsonWriter) flush() error { return w.buf.Flush() }
