package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// synthImages returns classes×perClass random images of shape c×h×w; image i has label i%classes.
func synthImages(classes, perClass, c, h, w int, seed uint64) *Images {
	rng := rand.New(rand.NewPCG(seed, 1))
	im := &Images{Name: "synth", Channels: c, Height: h, Width: w}
	for k := range classes {
		im.ClassNames = append(im.ClassNames, fmt.Sprintf("class%d", k))
	}
	n := classes * perClass
	im.Pixels = make([]float32, n*c*h*w)
	for i := range im.Pixels {
		im.Pixels[i] = rng.Float32()
	}
	im.Labels = make([]int, n)
	for i := range im.Labels {
		im.Labels[i] = i % classes
	}
	return im
}

// idxBytes encodes an unsigned-byte IDX file with the given dimensions and payload.
func idxBytes(dims []int, payload []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, idxUbyte, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(payload)
	return b.Bytes()
}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// writeFile writes content to path or fails the test.
func writeFile(t testing.TB, path string, content []byte) {
	t.Helper()
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
}
