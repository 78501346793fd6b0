// Package export writes a trained model's weights for PyTorch: a safetensors file holding
// every parameter and buffer under the state_dict names of bench/peer.py's modules
// (CNNEncoder, RelationNetwork), and a JSON sidecar describing the architecture. It reads the
// checkpoint file only: no network is built.
package export

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/relnet/relnet/arch"
	"github.com/relnet/relnet/experiments/spec"
	"github.com/relnet/relnet/internal/atomicfile"
	"github.com/relnet/relnet/model/checkpoint"
)

// Format names the sidecar's layout.
const Format = "relnet-export/1"

// Sidecar describes the exported network: enough to build its PyTorch modules and feed them.
type Sidecar struct {
	Format     string `json:"format"`
	Checkpoint string `json:"checkpoint"`
	Trained    int64  `json:"trained_episodes"`
	// Input is the image shape [C, H, W]; a pixel in [0,1] is fed as (x − mean[c]) / std[c]
	// (no normalisation when Mean is empty).
	Input    [3]int    `json:"input"`
	Mean     []float64 `json:"mean,omitempty"`
	Std      []float64 `json:"std,omitempty"`
	Backbone struct {
		Name    string `json:"name"`
		Filters int64  `json:"filters"`
	} `json:"backbone"`
	Heads struct {
		Kind    string `json:"kind"` // "relation", "shared relation", "prototype" or "classifier"
		Filters int64  `json:"filters"`
		Hidden  int64  `json:"hidden"`
		Padding string `json:"padding"` // "auto", "0" or "1", as in relnet's [heads]
	} `json:"heads"`
	// Groups maps each attribute group to the prefix of its relation module's names
	// ("relation" when one module serves every group); Classes is each group's training class
	// count.
	Groups  map[string]string `json:"groups"`
	Classes map[string]int    `json:"classes"`
	Loss    string            `json:"loss"`
	Score   string            `json:"score"` // "sigmoid" of the relation logit, or "softmax" over the classes
	// Shot is the evaluation shot: a class map is the sum of Shot support feature maps.
	Shot int `json:"shot"`
}

// Write reads the checkpoint at ckpt and writes out (safetensors) and its sidecar, out with
// its extension replaced by .json, and returns the sidecar's path.
func Write(ckpt, out string) (string, error) {
	h, list, err := checkpoint.ReadTensors(ckpt)
	if err == checkpoint.ErrNone {
		return "", fmt.Errorf("no checkpoint at %s", ckpt)
	}
	if err != nil {
		return "", err
	}
	if h.Model.Channels == 0 {
		return "", fmt.Errorf("checkpoint %s was written by a relnet that did not record the input shape; train the run again to export it", ckpt)
	}
	cfg, err := spec.Parse(ckpt+" (its configuration)", []byte(h.Config))
	if err != nil {
		return "", err
	}
	side, err := describe(ckpt, h, cfg)
	if err != nil {
		return "", err
	}
	var file safetensorsFile
	for _, t := range list {
		name, ok, err := torchName(t.Name, side)
		if err != nil {
			return "", fmt.Errorf("%s: %w", ckpt, err)
		}
		if !ok {
			continue
		}
		data := make([]byte, 0, 4*len(t.Values))
		for _, v := range t.Values {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
		file.add(name, "F32", t.Shape, data)
		if bn, isBN := strings.CutSuffix(name, ".running_var"); isBN {
			// PyTorch's BatchNorm2d counts its updates (a 0-d int64); relnet made one per
			// training episode.
			file.add(bn+".num_batches_tracked", "I64", []int64{}, binary.LittleEndian.AppendUint64(nil, uint64(h.Episode)))
		}
	}
	meta, err := json.MarshalIndent(side, "", "  ")
	if err != nil {
		return "", err
	}
	data, err := file.encode(map[string]string{"relnet": string(meta)})
	if err != nil {
		return "", err
	}
	if err := atomicfile.Write(out, data); err != nil {
		return "", err
	}
	sidecar := strings.TrimSuffix(out, ".safetensors") + ".json"
	return sidecar, atomicfile.Write(sidecar, append(meta, '\n'))
}

// describe fills the sidecar from the checkpoint's header and configuration.
func describe(ckpt string, h checkpoint.Header, cfg spec.Config) (*Sidecar, error) {
	bb := cfg.Backbone.WithDefaults()
	if bb.Name != "conv4" {
		return nil, fmt.Errorf("%s: export writes Conv-4 backbones (bench/peer.py's CNNEncoder); this one is %s", ckpt, bb.Name)
	}
	head := cfg.Heads.Head.WithDefaults()
	kind := cfg.Heads.Arch()
	s := &Sidecar{Format: Format, Checkpoint: ckpt, Trained: h.Episode, Mean: h.Model.Mean, Std: h.Model.Std,
		Input: [3]int{h.Model.Channels, h.Model.Height, h.Model.Width}, Loss: string(cfg.Loss.Kind), Shot: cfg.Eval.Shot,
		Groups: map[string]string{}, Classes: map[string]int{}}
	if s.Loss == "" {
		s.Loss = string(arch.MSE)
	}
	s.Backbone.Name, s.Backbone.Filters = string(bb.Name), bb.Filters
	s.Heads.Kind, s.Heads.Filters, s.Heads.Hidden, s.Heads.Padding = string(kind), head.Filters, head.Hidden, string(head.Padding)
	s.Score = "softmax"
	if kind.HasRelationHeads() && s.Loss == string(arch.MSE) {
		s.Score = "sigmoid"
	}
	for i, g := range h.Model.Groups {
		s.Classes[g] = h.Model.Classes[i]
		switch {
		case !kind.HasRelationHeads():
			s.Groups[g] = ""
		case kind == arch.SharedRelation || len(h.Model.Groups) == 1:
			s.Groups[g] = "relation"
		default:
			s.Groups[g] = "relation." + g
		}
	}
	return s, nil
}

var (
	backboneName = regexp.MustCompile(`^backbone\.block(\d)\.(conv|bn)\.(\w+)$`)
	headName     = regexp.MustCompile(`^head(\.[^.]+)?\.(?:block(\d)\.(conv|bn)|(fc1|fc2))\.(\w+)$`)
)

// torchName maps a relnet tensor name to its PyTorch state_dict name; ok is false for the
// optimiser's state, which is not exported.
func torchName(name string, side *Sidecar) (torch string, ok bool, err error) {
	layer := map[string]string{"conv": "0", "bn": "1"}
	if m := backboneName.FindStringSubmatch(name); m != nil {
		return fmt.Sprintf("encoder.layer%s.%s.%s", m[1], layer[m[2]], m[3]), true, nil
	}
	if m := headName.FindStringSubmatch(name); m != nil {
		prefix := "relation"
		if m[1] != "" && m[1] != ".shared" {
			prefix += m[1]
		}
		if m[4] != "" {
			return fmt.Sprintf("%s.%s.%s", prefix, m[4], m[5]), true, nil
		}
		return fmt.Sprintf("%s.layer%s.%s.%s", prefix, m[2], layer[m[3]], m[5]), true, nil
	}
	switch {
	case strings.HasPrefix(name, "classifier."), strings.HasPrefix(name, "cosine."):
		return name, true, nil
	case strings.HasPrefix(name, "adam."):
		return "", false, nil
	}
	return "", false, fmt.Errorf("tensor %q has no PyTorch name", name)
}

// safetensorsFile is a safetensors file being built (huggingface/safetensors' format: an
// 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
// byte range, padded with spaces to a multiple of 8, then the tensors' bytes).
type safetensorsFile struct {
	header map[string]any
	data   []byte
}

type tensorInfo struct {
	DType       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

func (f *safetensorsFile) add(name, dtype string, shape []int64, data []byte) {
	if f.header == nil {
		f.header = map[string]any{}
	}
	at := int64(len(f.data))
	f.header[name] = tensorInfo{DType: dtype, Shape: shape, DataOffsets: [2]int64{at, at + int64(len(data))}}
	f.data = append(f.data, data...)
}

// encode is the file's bytes, with meta as its __metadata__.
func (f *safetensorsFile) encode(meta map[string]string) ([]byte, error) {
	f.header["__metadata__"] = meta
	head, err := json.Marshal(f.header)
	if err != nil {
		return nil, err
	}
	for len(head)%8 != 0 {
		head = append(head, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(head)))
	return append(append(out, head...), f.data...), nil
}
