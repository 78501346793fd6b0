package bench

import (
	"strings"
	"testing"

	"github.com/relnet/relnet/arch"
)

// TestPlan checks the variants of Options.plan (precisions outermost, labels as `relnet bench`
// prints them) and its errors, which name the flags.
func TestPlan(t *testing.T) {
	opts := Options{Cases: []int{2}, EvalBatch: 1, Repeats: 1,
		Precisions: []arch.Precision{arch.FP32, arch.BF16}, MemoryFormats: []arch.MemoryFormat{arch.ChannelsLast, arch.NCHW}}
	cases, variants, err := opts.plan()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 || cases[0].Name != Cases[1].Name {
		t.Errorf("cases %v, want Cases[1]", cases)
	}
	var labels []string
	for _, v := range variants {
		labels = append(labels, v.Label())
	}
	name := Cases[1].Name
	if got, want := strings.Join(labels, "|"), name+"|"+name+" nchw|"+name+" bf16|"+name+" bf16 nchw"; got != want {
		t.Errorf("variants %q, want %q", got, want)
	}
	for _, bad := range []struct {
		edit func(*Options)
		want string
	}{
		{func(o *Options) { o.Cases = []int{3} }, "bench --case 3: want 1 to 2"},
		{func(o *Options) { o.EvalBatch = 0 }, "bench --eval-batch 0: want at least 1"},
		{func(o *Options) { o.Repeats = 0 }, "bench --repeats 0: want at least 1"},
	} {
		o := opts
		bad.edit(&o)
		if _, _, err := o.plan(); err == nil || err.Error() != bad.want {
			t.Errorf("error %v, want %q", err, bad.want)
		}
	}
}

// TestWriteRatios checks the speed-up lines: bf16 against fp32 and channels_last against nchw,
// each where both were measured, in the order the settings were first measured.
func TestWriteRatios(t *testing.T) {
	ms := &measurements[Result]{}
	median := map[setting][2]float64{}
	for i, k := range []setting{{"a", arch.FP32, arch.ChannelsLast, 1}, {"a", arch.FP32, arch.NCHW, 1},
		{"a", arch.BF16, arch.ChannelsLast, 1}, {"b", arch.BF16, arch.NCHW, 2}} {
		ms.add(k, Result{})
		median[k] = [2]float64{float64(i + 1), float64(2 * (i + 1))}
	}
	var b strings.Builder
	writeRatios(&b, ms, median)
	want := "channels_last/nchw, a, 1 threads: training 0.50×, evaluation 0.50× (ratio of medians)\n" +
		"bf16/fp32, a, 1 threads: training 3.00×, evaluation 3.00× (ratio of medians)\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
