package export

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/model/checkpoint"
	"github.com/relnet/relnet/tensors"
)

// saveCheckpoint writes the checkpoint of a freshly initialised model of cfg for 28×28 grey
// images, as training would after 7 episodes.
func saveCheckpoint(t *testing.T, cfg spec.Config, groups []string) string {
	t.Helper()
	text, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "best.ckpt")
	err = tensors.Run(func() error {
		mc := model.Config{Backbone: cfg.Backbone, Head: cfg.Heads.Head, Kind: cfg.Heads.Arch(), Groups: groups}
		l, err := model.NewLearner(mc, layers.Shape{C: 1, H: 28, W: 28}, 1, cfg.Train.Optim)
		if err != nil {
			return err
		}
		defer l.Free()
		h := checkpoint.Header{Episode: 7, Config: string(text), Model: checkpoint.Model{Channels: 1, Height: 28, Width: 28,
			Mean: []float64{0.28}, Std: []float64{0.35}, Groups: groups, Classes: make([]int, len(groups))}}
		return checkpoint.Save(path, h, l.State())
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// torchKeys is the state_dict of bench/peer.py's CNNEncoder (as encoder.*) and of one
// RelationNetwork per prefix.
func torchKeys(prefixes ...string) []string {
	bn := []string{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}
	block := func(prefix string, n int) []string {
		out := []string{prefix + ".layer" + string(rune('0'+n)) + ".0.weight", prefix + ".layer" + string(rune('0'+n)) + ".0.bias"}
		for _, b := range bn {
			out = append(out, prefix+".layer"+string(rune('0'+n))+".1."+b)
		}
		return out
	}
	var keys []string
	for n := 1; n <= 4; n++ {
		keys = append(keys, block("encoder", n)...)
	}
	for _, p := range prefixes {
		keys = append(append(keys, block(p, 1)...), block(p, 2)...)
		keys = append(keys, p+".fc1.weight", p+".fc1.bias", p+".fc2.weight", p+".fc2.bias")
	}
	slices.Sort(keys)
	return keys
}

func TestExportNamesValuesAndSidecar(t *testing.T) {
	single := spec.Default()
	multi := spec.Default()
	multi.Dataset.Source, multi.Dataset.Path = spec.Source("csv"), "labels.csv"
	multi.Dataset.Groups = []datasets.GroupSpec{{Name: "color"}, {Name: "pattern"}}
	cases := []struct {
		name     string
		cfg      spec.Config
		groups   []string
		prefixes []string
	}{
		{"one group", single, []string{"class"}, []string{"relation"}},
		{"a head per group", multi, []string{"color", "pattern"}, []string{"relation.color", "relation.pattern"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ckpt := saveCheckpoint(t, tc.cfg, tc.groups)
			out := filepath.Join(t.TempDir(), "model.safetensors")
			sidecar, err := Write(ckpt, out)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			header, payload := readSafetensors(t, data)
			var names []string
			for name := range header {
				if name != "__metadata__" {
					names = append(names, name)
				}
			}
			slices.Sort(names)
			if want := torchKeys(tc.prefixes...); !slices.Equal(names, want) {
				t.Errorf("names\n%v\nwant PyTorch's\n%v", names, want)
			}
			_, saved, err := checkpoint.ReadTensors(ckpt)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range saved {
				name, ok, err := torchName(s.Name, &Sidecar{})
				if err != nil || !ok {
					continue
				}
				info := header[name]
				got := payload[info.DataOffsets[0]:info.DataOffsets[1]]
				if info.DType != "F32" || fmt.Sprint(info.Shape) != fmt.Sprint(s.Shape) || len(got) != 4*len(s.Values) {
					t.Fatalf("%s: %+v, checkpoint's %s has shape %v", name, info, s.Name, s.Shape)
				}
				for i, v := range s.Values {
					if math.Float32frombits(binary.LittleEndian.Uint32(got[4*i:])) != v {
						t.Fatalf("%s (%s): value %d differs from the checkpoint's", name, s.Name, i)
					}
				}
			}
			nbt := header["encoder.layer1.1.num_batches_tracked"]
			if nbt.DType != "I64" || len(nbt.Shape) != 0 || binary.LittleEndian.Uint64(payload[nbt.DataOffsets[0]:nbt.DataOffsets[1]]) != 7 {
				t.Errorf("num_batches_tracked %+v, want a 0-d I64 of 7", nbt)
			}
			var got Sidecar
			text, err := os.ReadFile(sidecar)
			if err != nil || json.Unmarshal(text, &got) != nil {
				t.Fatalf("sidecar %s: %v", sidecar, err)
			}
			if got.Input != [3]int{1, 28, 28} || got.Score != "sigmoid" || got.Shot != 1 || got.Backbone.Filters != 64 ||
				got.Groups[tc.groups[0]] != tc.prefixes[0] || got.Mean[0] != 0.28 {
				t.Errorf("sidecar %+v", got)
			}
		})
	}
}

// readSafetensors splits a safetensors file into its header (without __metadata__'s
// contents) and its data, checking the 8-byte alignment and that the byte ranges tile the data.
func readSafetensors(t *testing.T, data []byte) (map[string]tensorInfo, []byte) {
	t.Helper()
	n := binary.LittleEndian.Uint64(data)
	if n%8 != 0 || 8+n > uint64(len(data)) {
		t.Fatalf("header length %d of a %d-byte file", n, len(data))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &raw); err != nil {
		t.Fatal(err)
	}
	header := map[string]tensorInfo{}
	var ranges [][2]int64
	for name, r := range raw {
		if name == "__metadata__" {
			continue
		}
		var info tensorInfo
		if err := json.Unmarshal(r, &info); err != nil {
			t.Fatal(name, err)
		}
		header[name] = info
		ranges = append(ranges, info.DataOffsets)
	}
	slices.SortFunc(ranges, func(a, b [2]int64) int { return int(a[0] - b[0]) })
	payload := data[8+n:]
	at := int64(0)
	for _, r := range ranges {
		if r[0] != at {
			t.Fatalf("byte ranges %v do not tile the data", ranges)
		}
		at = r[1]
	}
	if at != int64(len(payload)) {
		t.Fatalf("tensors end at byte %d of %d", at, len(payload))
	}
	return header, payload
}

func TestExportRefusesWhatPeerCannotLoad(t *testing.T) {
	cfg := spec.Default()
	cfg.Backbone.Name = "resnet12"
	cfg.Backbone.Widths = [4]int64{4, 4, 4, 4}
	ckpt := saveCheckpoint(t, cfg, []string{"class"})
	if _, err := Write(ckpt, filepath.Join(t.TempDir(), "m.safetensors")); err == nil || !strings.Contains(err.Error(), "resnet12") {
		t.Errorf("resnet12: %v", err)
	}
	if _, err := Write(filepath.Join(t.TempDir(), "none.ckpt"), "m.safetensors"); err == nil || !strings.Contains(err.Error(), "no checkpoint at") {
		t.Errorf("missing checkpoint: %v", err)
	}
}
