package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/relnet/relnet/internal/atomicfile"
)

// Files of a run directory.
const (
	ConfigFile     = "config.toml"     // resolved configuration
	MetricsFile    = "metrics.jsonl"   // one Record per log or validation point
	CheckpointFile = "checkpoint.ckpt" // latest state, for resuming
	BestFile       = "best.ckpt"       // state with the best validation accuracy
	EvalFile       = "eval.json"       // final test evaluation (EvalResult)
	CrossEvalGlob  = "eval-*.json"     // cross-domain evaluations, CrossEvalFile(name) each
	FailedFile     = "failed.json"     // the run stopped on a non-finite loss (Failure)
	DataFile       = "data.txt"        // multi-attribute sources: the load report (images per group and value, every skipped line)
	PretrainFile   = "pretrain.ckpt"   // [pretrain]: the stage's latest state (backbone, classifiers, optimiser), for resuming
	PretrainedFile = "pretrained.ckpt" // [pretrain]: the backbone of the epoch with the best validation accuracy
)

// The stages of a run, as metrics.jsonl records them.
const (
	StagePretrain = "pretrain" // supervised mini-batches ([pretrain])
	StageEpisodic = "episodic" // episodic training
)

// PlanFile, in an experiment's directory, lists its runs in the order of its file, for
// reports.
const PlanFile = "plan.json"

// Record is one line of metrics.jsonl.
type Record struct {
	Stage       string             `json:"stage,omitempty"` // StagePretrain or StageEpisodic; "" in files written before stages: episodic
	Epoch       int                `json:"epoch,omitempty"` // pretraining epochs finished (stage pretrain)
	ImagesSec   float64            `json:"images_per_sec,omitempty"`
	Episode     int64              `json:"episode"`
	Kind        string             `json:"kind"` // "train", "val" or "nan"
	Loss        float64            `json:"loss,omitempty"`
	TrainAcc    float64            `json:"train_acc,omitempty"`
	LR          float64            `json:"lr,omitempty"`
	EpisodesSec float64            `json:"episodes_per_sec,omitempty"`
	ValAcc      float64            `json:"val_acc,omitempty"`
	ValGroups   map[string]float64 `json:"val_groups,omitempty"` // per attribute group; ValAcc is their mean
	ValCI95     map[string]float64 `json:"val_ci95,omitempty"`   // per group: 95% CI half-width over validation episodes
	RSSMB       float64            `json:"rss_mb,omitempty"`
}

// PlannedRun is one entry of plan.json.
type PlannedRun struct {
	Run      string `json:"run"`
	Variant  string `json:"variant"`
	Point    string `json:"point,omitempty"`
	Seed     uint64 `json:"seed"`
	Baseline bool   `json:"baseline,omitempty"`
}

// Label names the run's variant and grid point, e.g. "multihead shot=5": a row of a report.
func (p PlannedRun) Label() string { return strings.TrimSpace(p.Variant + " " + p.Point) }

// ReadPlan reads the plan.json of an experiment directory.
func ReadPlan(dir string) ([]PlannedRun, error) {
	data, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		return nil, fmt.Errorf("%s: no %s; is this a results/<experiment> directory written by `relnet run`? (%w)", dir, PlanFile, err)
	}
	var plan []PlannedRun
	if err := json.Unmarshal(data, &plan); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, PlanFile), err)
	}
	return plan, nil
}

// Failure is the content of failed.json. Reports show such a run as failed, and `relnet
// run` does not retry it until the file is deleted.
type Failure struct {
	Run   string    `json:"run"`
	Error string    `json:"error"`
	Time  time.Time `json:"time"`
}

// Failed reports whether the run directory holds a failed.json.
func Failed(runDir string) bool {
	_, err := os.Stat(filepath.Join(runDir, FailedFile))
	return err == nil
}

// ReadMetrics reads metrics.jsonl.
func ReadMetrics(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		var rec Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// Pretraining reports whether the record belongs to the pretraining stage.
func (r Record) Pretraining() bool { return r.Stage == StagePretrain }

// TruncateMetrics drops records past episode of episodic training, or past epoch of
// pretraining and every episodic one when episode is 0 and a pretraining resumes (records
// written after the checkpoint a resumed run starts from), so the file reads as one
// uninterrupted run.
func TruncateMetrics(path string, epoch int, episode int64) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var kept bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Episode > episode || (r.Pretraining() && r.Epoch > epoch) ||
			(episode == 0 && !r.Pretraining()) {
			continue
		}
		kept.Write(sc.Bytes())
		kept.WriteByte('\n')
	}
	if bytes.Equal(kept.Bytes(), data) {
		return nil
	}
	return atomicfile.Write(path, kept.Bytes())
}

// CrossEvalFile is the file of a run's evaluation on the test bank of another data set,
// named name: eval-<name>.json beside eval.json.
func CrossEvalFile(name string) string { return "eval-" + name + ".json" }

// CrossEvalName is the data set name of a CrossEvalFile, "" for any other file.
func CrossEvalName(file string) string {
	if !strings.HasPrefix(file, "eval-") || !strings.HasSuffix(file, ".json") {
		return ""
	}
	return strings.TrimSuffix(strings.TrimPrefix(file, "eval-"), ".json")
}
