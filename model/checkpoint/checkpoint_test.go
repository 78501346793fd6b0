package checkpoint

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// state is a small learner state: two named tensors with known values.
func state(s *tensors.Scope, a, b []float32) []model.NamedTensor {
	return []model.NamedTensor{{Name: "w", Tensor: s.Float32(a, 2, 3)}, {Name: "b", Tensor: s.Float32(b, 3)}}
}

func TestSaveThenLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.ckpt")
	want := Header{Episode: 40, AdamSteps: 40, Seed: 7, BestVal: 0.5, BestAt: 30, Config: "[train]\nway = 5\n",
		Model: Model{Channels: 1, Height: 28, Width: 28, Mean: []float64{0.3}, Std: []float64{0.2}, Groups: []string{"class"}, Classes: []int{5}}}
	err := tensors.Run(func() error {
		var s tensors.Scope
		defer s.Drop()
		saved := state(&s, []float32{1, 2, 3, 4, 5, 6}, []float32{-1, 0, 1})
		if err := Save(path, want, saved); err != nil {
			return err
		}
		loaded := state(&s, make([]float32, 6), make([]float32, 3))
		h, err := Load(path, loaded)
		if err != nil {
			return err
		}
		h.Tensors = nil
		if !reflect.DeepEqual(h, want) {
			t.Errorf("header %+v, want %+v", h, want)
		}
		for i := range saved {
			if got, w := tensors.Values(loaded[i].Tensor), tensors.Values(saved[i].Tensor); !slices.Equal(got, w) {
				t.Errorf("tensor %s: %v, want %v", saved[i].Name, got, w)
			}
		}
		// The wrong model: another shape, another name, another count.
		for name, other := range map[string][]model.NamedTensor{
			`tensor "w" has shape [2 3], model has [3 2]`: {{Name: "w", Tensor: s.Float32(make([]float32, 6), 3, 2)}, {Name: "b", Tensor: s.Float32(make([]float32, 3), 3)}},
			`has tensor "w" that this model lacks`:        {{Name: "v", Tensor: s.Float32(make([]float32, 6), 2, 3)}, {Name: "b", Tensor: s.Float32(make([]float32, 3), 3)}},
			"holds 2 tensors, this model has 1":           {{Name: "b", Tensor: s.Float32(make([]float32, 3), 3)}},
		} {
			if _, err := Load(path, other); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("loading into another model: %v, want an error saying %q", err, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h, list, err := ReadTensors(path)
	if err != nil || h.Episode != 40 || len(list) != 2 || list[0].Name != "w" || !slices.Equal(list[1].Values, []float32{-1, 0, 1}) {
		t.Errorf("ReadTensors: %+v %+v %v", h, list, err)
	}
}

// TestDamagedCheckpointsAreRefused: a missing file is ErrNone; a flipped byte anywhere, a
// cut file or another file is refused as corrupt, naming the file.
func TestDamagedCheckpointsAreRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.ckpt")
	err := tensors.Run(func() error {
		var s tensors.Scope
		defer s.Drop()
		return Save(path, Header{Config: "x"}, state(&s, make([]float32, 6), make([]float32, 3)))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadHeader(filepath.Join(dir, "none.ckpt")); err != ErrNone {
		t.Errorf("missing file: %v, want ErrNone", err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"flipped byte":     append(slices.Clone(good[:len(good)/2]), append([]byte{good[len(good)/2] ^ 1}, good[len(good)/2+1:]...)...),
		"cut":              good[:len(good)-10],
		"not a checkpoint": []byte("RELNETDS and something else entirely, long enough to hold a checksum"),
	} {
		bad := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".ckpt")
		if err := os.WriteFile(bad, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadHeader(bad); err == nil || !strings.Contains(err.Error(), bad+" is corrupt") {
			t.Errorf("%s: %v, want an error saying the file is corrupt", name, err)
		}
	}
}
