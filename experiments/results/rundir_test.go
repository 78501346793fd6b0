package results

import (
	"path/filepath"
	"reflect"
	"testing"
)

// TestTruncateMetricsKeepsEachStageUpToItsCheckpoint: resuming episodic training keeps every
// pretraining record and the episodes up to the checkpoint; resuming pretraining keeps its
// epochs up to the checkpoint and no episodic record.
func TestTruncateMetricsKeepsEachStageUpToItsCheckpoint(t *testing.T) {
	recs := []Record{{Stage: StagePretrain, Epoch: 1, Kind: "train"}, {Stage: StagePretrain, Epoch: 2, Kind: "train"},
		{Stage: StageEpisodic, Episode: 10, Kind: "train"}, {Stage: StageEpisodic, Episode: 20, Kind: "train"}, {Episode: 30, Kind: "train"}}
	for _, c := range []struct {
		epoch   int
		episode int64
		want    []Record
	}{
		{2, 20, recs[:4]},
		{2, 0, recs[:2]},
		{1, 0, recs[:1]},
		{0, 0, nil},
	} {
		path := filepath.Join(t.TempDir(), MetricsFile)
		f, err := OpenJSONLines(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			f.Write(r)
		}
		f.Close()
		if err := TruncateMetrics(path, c.epoch, c.episode); err != nil {
			t.Fatal(err)
		}
		got, err := ReadMetrics(path)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("truncated at epoch %d, episode %d: %+v (%v), want %+v", c.epoch, c.episode, got, err, c.want)
		}
	}
}
