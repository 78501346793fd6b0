package main

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainPredictExport goes through the walkthrough of docs/predict-export.md on a tiny Fashion-MNIST run:
// train, write test images as a support folder and labelled queries, predict (a corrupt query
// is reported and fails the command unless --skip-bad), and export.
func TestTrainPredictExport(t *testing.T) {
	dir := t.TempDir()
	config := writeFile(t, filepath.Join(dir, "tiny.toml"), `[experiment]
name = "tiny"
[train]
way = 3
query = 5
episodes = 10
val_every = 10
val_episodes = 2
threads = 1
[eval]
query = 2
`)
	env := []string{"RELNET_RESULTS=" + filepath.Join(dir, "results")}
	if code, stderr := run(t, env, relnetBin, "train", config); code != 0 {
		t.Fatalf("train: exit %d\n%s", code, stderr)
	}
	runDir := filepath.Join(dir, "results", "tiny", "base-seed1")
	support, queries := filepath.Join(dir, "support"), filepath.Join(dir, "queries")
	for _, args := range [][]string{{"--out", support, "--per-class", "2"}, {"--out", queries, "--from", "2", "--per-class", "3"}} {
		if code, stderr := run(t, nil, relnetBin, append([]string{"data", "folder"}, args...)...); code != 0 {
			t.Fatalf("data folder %v: exit %d\n%s", args, code, stderr)
		}
	}
	broken := writeFile(t, filepath.Join(queries, "Bag", "broken.png"), "not a png")
	bomb := filepath.Join(queries, "Bag", "bomb.png")
	writePNGBomb(t, bomb, 50000)
	out := filepath.Join(dir, "predictions.csv")
	predict := []string{"predict", "--threads", "1", "--support", support, "--query", queries, "--out", out, runDir}
	r := execute(t, nil, relnetBin, predict...)
	code, stderr := r.code, r.stderr
	for _, want := range []string{"support " + support + ": group class, 10 classes × 2 images", "skipped " + broken,
		"skipped " + bomb + ": " + bomb + ": 50000×50000 PNG image (2500.0 megapixels), larger than max_pixels = 100000000",
		"30 images classified", "images/s", "accuracy class:", "over 30 labelled queries", "2 query images could not be read"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("predict stderr lacks %q:\n%s", want, stderr)
		}
	}
	t.Logf("predict skipping a 50000×50000 PNG query: peak RSS %.0f MB", r.peakMB)
	if r.peakMB > 1024 {
		t.Errorf("predict skipping a 50000×50000 PNG query: peak RSS %.0f MB, want under 1 GB", r.peakMB)
	}
	if code != 1 {
		t.Errorf("predict with a corrupt query: exit %d, want 1", code)
	}
	if code, stderr := run(t, nil, relnetBin, append(predict[:1:1], append([]string{"--skip-bad"}, predict[1:]...)...)...); code != 0 {
		t.Errorf("predict --skip-bad: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if err != nil || len(lines) != 31 || !strings.HasPrefix(lines[0], "image,class_predicted,class_label,class_score_Ankle boot,") {
		t.Errorf("predictions (%v): %d lines, header %q", err, len(lines), lines[0])
	}
	model := filepath.Join(dir, "model.safetensors")
	cmd := exec.Command(relnetBin, "export", "--out", model, runDir)
	if text, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(text), "model.json") {
		t.Errorf("export: %v\n%s", err, text)
	}
	if info, err := os.Stat(model); err != nil || info.Size() < 100_000 {
		t.Errorf("export wrote %v (%v)", info, err)
	}
}

// writePNGBomb writes a side×side 8-bit grey PNG of zeros to path, streamed row by row: about
// 3 MB on disk for side 50000, 2.5 GB once decoded.
func writePNGBomb(t *testing.T, path string, side uint32) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := func(kind string, data []byte) {
		body := append([]byte(kind), data...)
		binary.Write(f, binary.BigEndian, uint32(len(data)))
		f.Write(body)
		binary.Write(f, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	f.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, side), side)
	chunk("IHDR", append(ihdr, 8, 0, 0, 0, 0))
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, side+1) // filter byte 0, then the row
	for range side {
		z.Write(row)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
}
