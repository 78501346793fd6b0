package export

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/relnet/relnet/model"
	"github.com/relnet/relnet/tensors"
)

// maxHeader bounds a safetensors header read into memory (the format's own limit is 100 MB).
const maxHeader = 100 << 20

// LoadBackbone copies the backbone in the safetensors file at path into dst, a model's
// backbone tensors (model.Model.BackboneState): the file names them as relnet export does
// (bench/peer.py's CNNEncoder, "encoder.layerN.{0,1}.NAME", float32), whether relnet or
// PyTorch wrote it; its other tensors (relation modules, BatchNorm's num_batches_tracked) are
// left alone. A tensor of dst that the file lacks or holds in another shape or type, and an
// encoder tensor of the file that dst lacks, is an error naming the first such tensor. Call
// it on the tensor goroutine.
func LoadBackbone(path string, dst []model.NamedTensor) (err error) {
	defer tensors.Recover(&err)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backbone.init: %w", err)
	}
	defer f.Close()
	infos, dataAt, err := readHeader(f, path)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	var s tensors.Scope
	defer s.Drop()
	for _, nt := range dst {
		torch, _, err := torchName(nt.Name, nil)
		if err != nil {
			return err
		}
		wanted[torch] = true
		values, err := readF32(f, path, torch, infos, dataAt, tensors.Shape(nt.Tensor))
		if err != nil {
			return err
		}
		tensors.CopyInto(nt.Tensor, s.Float32(values, tensors.Shape(nt.Tensor)...))
	}
	for name := range infos {
		if strings.HasPrefix(name, "encoder.") && !strings.HasSuffix(name, ".num_batches_tracked") && !wanted[name] {
			return fmt.Errorf("%s: tensor %s is not part of this backbone (is it another architecture? see backbone.name and backbone.filters)", path, name)
		}
	}
	return nil
}

// readHeader reads a safetensors file's header: each tensor's description by name, and where
// the tensors' bytes start.
func readHeader(f *os.File, path string) (map[string]tensorInfo, int64, error) {
	var size [8]byte
	if _, err := io.ReadFull(f, size[:]); err != nil {
		return nil, 0, fmt.Errorf("%s: not a safetensors file (no header length: %v)", path, err)
	}
	n := binary.LittleEndian.Uint64(size[:])
	if n > maxHeader {
		return nil, 0, fmt.Errorf("%s: not a safetensors file (a header of %d bytes)", path, n)
	}
	head := make([]byte, n)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, 0, fmt.Errorf("%s: truncated safetensors header: %v", path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(head, &raw); err != nil {
		return nil, 0, fmt.Errorf("%s: bad safetensors header: %v", path, err)
	}
	infos := map[string]tensorInfo{}
	for name, msg := range raw {
		if name == "__metadata__" {
			continue
		}
		var ti tensorInfo
		if err := json.Unmarshal(msg, &ti); err != nil {
			return nil, 0, fmt.Errorf("%s: tensor %s: bad description: %v", path, name, err)
		}
		infos[name] = ti
	}
	return infos, 8 + int64(n), nil
}

// readF32 reads tensor name of the file, which must be float32 of the given shape.
func readF32(f *os.File, path, name string, infos map[string]tensorInfo, dataAt int64, shape []int64) ([]float32, error) {
	ti, ok := infos[name]
	switch {
	case !ok:
		return nil, fmt.Errorf("%s has no tensor %s, which this backbone needs (was it written by relnet export, or by PyTorch under its names?)", path, name)
	case ti.DType != "F32":
		return nil, fmt.Errorf("%s: tensor %s is %s, want F32", path, name, ti.DType)
	case fmt.Sprint(ti.Shape) != fmt.Sprint(shape):
		return nil, fmt.Errorf("%s: tensor %s has shape %v, this backbone's has %v", path, name, ti.Shape, shape)
	}
	count := 1
	for _, d := range shape {
		count *= int(d)
	}
	if ti.DataOffsets[1]-ti.DataOffsets[0] != int64(4*count) {
		return nil, fmt.Errorf("%s: tensor %s: its byte range holds %d bytes, want %d", path, name, ti.DataOffsets[1]-ti.DataOffsets[0], 4*count)
	}
	buf := make([]byte, 4*count)
	if _, err := f.ReadAt(buf, dataAt+ti.DataOffsets[0]); err != nil {
		return nil, fmt.Errorf("%s: tensor %s: %v", path, name, err)
	}
	values := make([]float32, count)
	for i := range values {
		values[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
	return values, nil
}
