package bench

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/experiments/spec"
)

// TestRunPretrain runs `relnet bench pretrain` on its 28×28 case for a few steps: the JSON
// line has the keys compare.py reads (and the default batch), the table a row per setting
// under the stamp, and bad flags are named.
func TestRunPretrain(t *testing.T) {
	opts := PretrainOptions{Cases: []int{1}, Threads: []int{1}, Steps: 2, MemoryFormats: []arch.MemoryFormat{arch.ChannelsLast}, Repeats: 1, JSON: true}
	var out strings.Builder
	if err := RunPretrain(context.Background(), opts, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(out.String()), &line); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	if line["impl"] != "relnet" || line["case"] != PretrainCases[0].Name || line["threads"] != 1.0 || line["steps"] != 2.0 ||
		line["batch"] != float64(spec.Default().Pretrain.Batch) {
		t.Errorf("JSON line %v", line)
	}
	for _, key := range []string{"images_per_sec", "peak_rss_mb"} {
		if v, ok := line[key].(float64); !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number", key, line[key])
		}
	}

	opts.JSON, opts.Repeats = false, 2
	out.Reset()
	if err := RunPretrain(context.Background(), opts, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if text := out.String(); !strings.HasPrefix(text, "measured on ") || !strings.Contains(text, "\n| "+PretrainCases[0].Name+" | 1 | ") {
		t.Errorf("table:\n%s", text)
	}

	for _, bad := range []struct {
		edit func(*PretrainOptions)
		want string
	}{
		{func(o *PretrainOptions) { o.Cases = []int{3} }, "bench pretrain --case 3: want 1 to 2"},
		{func(o *PretrainOptions) { o.Steps = 0 }, "bench pretrain --steps 0 --repeats 2: want at least 1 of each"},
	} {
		o := opts
		bad.edit(&o)
		if err := RunPretrain(context.Background(), o, io.Discard, io.Discard); err == nil || err.Error() != bad.want {
			t.Errorf("error %v, want %q", err, bad.want)
		}
	}
}
