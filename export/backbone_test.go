package export

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/layers"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// TestExportThenInitGivesIdenticalFeatures exports a model's weights, loads the backbone into
// a model drawn from another seed, and checks that both embed images to the same features;
// a backbone of other sizes, and a file that lacks a tensor, are errors naming the tensor.
func TestExportThenInitGivesIdenticalFeatures(t *testing.T) {
	cfg := spec.Default()
	cfg.Backbone.Filters = 8
	out := filepath.Join(t.TempDir(), "weights.safetensors")
	if _, err := Write(saveCheckpoint(t, cfg, []string{"class"}), out); err != nil {
		t.Fatal(err)
	}
	in := layers.Shape{C: 1, H: 28, W: 28}
	pixels := make([]float32, 3*28*28)
	for i := range pixels {
		pixels[i] = float32(i%31) / 31
	}
	features := func(seed uint64, init string, bb arch.Backbone) ([]float32, error) {
		var feats []float32
		err := tensors.Run(func() error {
			m, err := model.New(model.Config{Backbone: bb}, in, seed)
			if err != nil {
				return err
			}
			defer m.Free()
			if init != "" {
				if err := LoadBackbone(init, m.BackboneState()); err != nil {
					return err
				}
			}
			var s tensors.Scope
			defer s.Drop()
			feats = tensors.Values(m.Embed(&s, pixels, 3, layers.Eval))
			return nil
		})
		return feats, err
	}
	exported, err := features(1, "", cfg.Backbone)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := features(2, "", cfg.Backbone)
	loaded, err := features(2, out, cfg.Backbone)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other, exported) || !slices.Equal(loaded, exported) {
		t.Fatalf("features after backbone.init equal the exported model's: %v (a model of another seed: %v)", slices.Equal(loaded, exported), slices.Equal(other, exported))
	}
	wide := cfg.Backbone
	wide.Filters = 16
	if _, err := features(2, out, wide); err == nil || !strings.Contains(err.Error(), "encoder.layer1.0.weight has shape [8 1 3 3], this backbone's has [16 1 3 3]") {
		t.Errorf("a wider backbone: %v", err)
	}
	var partial safetensorsFile
	partial.add("encoder.layer1.0.weight", "F32", []int64{8, 1, 3, 3}, make([]byte, 4*8*9))
	data, _ := partial.encode(nil)
	short := filepath.Join(t.TempDir(), "short.safetensors")
	os.WriteFile(short, data, 0o644)
	if _, err := features(2, short, cfg.Backbone); err == nil || !strings.Contains(err.Error(), "has no tensor encoder.layer1.0.bias") {
		t.Errorf("a file without the first bias: %v", err)
	}
}
