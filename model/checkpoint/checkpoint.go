// Package checkpoint reads and writes a run's checkpoints: the learner's tensors, where
// training got to, and what applying the model later needs (the input shape, the training
// split's normalisation, the groups), so that a checkpoint is usable without the training data.
package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/sugarme/gotch/ts"

	"github.com/relnet/relnet/internal/atomicfile"
	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// A checkpoint file is: magic, format version (uint32), header length (uint32), a JSON header,
// the float32 values of every tensor the header lists (little-endian, in order), and the
// SHA-256 of everything before it. Files are written atomically (temp, fsync, rename).
const (
	Magic   = "RELNETCK"
	version = 1
)

// Header is the JSON part of a checkpoint.
type Header struct {
	Episode   int64          `json:"episode"`         // training episodes completed
	Epoch     int            `json:"epoch,omitempty"` // pretraining epochs completed (pretraining checkpoints)
	AdamSteps int64          `json:"adam_steps"`      // optimiser updates applied
	Seed      uint64         `json:"seed"`            // episode stream seed; with Episode it fixes the data RNG state
	BestVal   float64        `json:"best_val"`        // best validation accuracy so far
	BestAt    int64          `json:"best_at"`         // episode of BestVal
	Config    string         `json:"config"`          // resolved TOML of the run
	Model     Model          `json:"model"`
	Tensors   []tensorRecord `json:"tensors"`
}

// Model is what building the network and feeding it new images needs beyond the run's
// configuration: the input shape, the training split's per-channel normalisation (none when
// Mean is empty), and per attribute group its name and training class count.
type Model struct {
	Channels, Height, Width int
	Mean, Std               []float64 `json:",omitempty"`
	Groups                  []string
	Classes                 []int
}

type tensorRecord struct {
	Name  string  `json:"name"`
	Shape []int64 `json:"shape"`
}

// Save writes the header and the tensors to path.
func Save(path string, h Header, list []model.NamedTensor) (err error) {
	defer tensors.Recover(&err)
	h.Tensors = h.Tensors[:0]
	var payload bytes.Buffer
	for _, nt := range list {
		h.Tensors = append(h.Tensors, tensorRecord{Name: nt.Name, Shape: tensors.Shape(nt.Tensor)})
		if err := binary.Write(&payload, binary.LittleEndian, tensors.Values(nt.Tensor)); err != nil {
			return err
		}
	}
	head, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(Magic)
	binary.Write(&b, binary.LittleEndian, uint32(version))
	binary.Write(&b, binary.LittleEndian, uint32(len(head)))
	b.Write(head)
	b.Write(payload.Bytes())
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return atomicfile.Write(path, b.Bytes())
}

// ErrNone means there is no checkpoint file.
var ErrNone = errors.New("no checkpoint")

// ReadHeader reads and verifies path and returns its header, without loading the tensors:
// what a model must be built as before Load can fill it.
func ReadHeader(path string) (Header, error) {
	h, _, err := read(path)
	return h, err
}

// Load reads and verifies path, copies its tensors into list (matched by name and shape) and
// returns the header. A corrupt file is reported, never loaded.
func Load(path string, list []model.NamedTensor) (h Header, err error) {
	defer tensors.Recover(&err)
	h, saved, err := ReadTensors(path)
	if err != nil {
		return h, err
	}
	byName := map[string]*ts.Tensor{}
	for _, nt := range list {
		byName[nt.Name] = nt.Tensor
	}
	if len(saved) != len(list) {
		return h, fmt.Errorf("checkpoint %s holds %d tensors, this model has %d: was it made with another configuration?", path, len(saved), len(list))
	}
	var s tensors.Scope
	defer s.Drop()
	for _, t := range saved {
		dst, ok := byName[t.Name]
		if !ok {
			return h, fmt.Errorf("checkpoint %s has tensor %q that this model lacks", path, t.Name)
		}
		shape := tensors.Shape(dst)
		if fmt.Sprint(shape) != fmt.Sprint(t.Shape) {
			return h, fmt.Errorf("checkpoint %s: tensor %q has shape %v, model has %v", path, t.Name, t.Shape, shape)
		}
		tensors.CopyInto(dst, s.Float32(t.Values, shape...))
	}
	return h, nil
}

// Tensor is one tensor of a checkpoint file.
type Tensor struct {
	Name   string
	Shape  []int64
	Values []float32
}

// ReadTensors reads and verifies path and returns its header and its tensors, in file
// order, without libtorch.
func ReadTensors(path string) (Header, []Tensor, error) {
	h, rest, err := read(path)
	if err != nil {
		return h, nil, err
	}
	out := make([]Tensor, len(h.Tensors))
	for i, rec := range h.Tensors {
		count := 1
		for _, d := range rec.Shape {
			count *= int(d)
		}
		if count < 0 || len(rest) < 4*count {
			return h, nil, corrupt(path, "payload too short")
		}
		vals := make([]float32, count)
		for j := range vals {
			vals[j] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*j:]))
		}
		rest = rest[4*count:]
		out[i] = Tensor{Name: rec.Name, Shape: rec.Shape, Values: vals}
	}
	if len(rest) != 0 {
		return h, nil, corrupt(path, "trailing bytes")
	}
	return h, out, nil
}

// read verifies path and returns its header and the tensor values after it.
func read(path string) (h Header, rest []byte, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return h, nil, ErrNone
	}
	if err != nil {
		return h, nil, err
	}
	if len(data) < len(Magic)+8+sha256.Size || string(data[:len(Magic)]) != Magic {
		return h, nil, corrupt(path, "not a relnet checkpoint")
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return h, nil, corrupt(path, "checksum mismatch")
	}
	rest = body[len(Magic):]
	if v := binary.LittleEndian.Uint32(rest); v != version {
		return h, nil, fmt.Errorf("checkpoint %s has format version %d, this relnet reads version %d", path, v, version)
	}
	n := binary.LittleEndian.Uint32(rest[4:])
	rest = rest[8:]
	if uint64(n) > uint64(len(rest)) {
		return h, nil, corrupt(path, "header length")
	}
	if err := json.Unmarshal(rest[:n], &h); err != nil {
		return h, nil, corrupt(path, err.Error())
	}
	return h, rest[n:], nil
}

// corrupt says that the checkpoint at path cannot be trusted, and why.
func corrupt(path, why string) error {
	return fmt.Errorf("checkpoint %s is corrupt (%s); delete it to start over", path, why)
}
