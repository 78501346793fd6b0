package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/relnet/relnet/experiments/report"
	"github.com/relnet/relnet/experiments/results"
)

// refreshEvery is how often an experiment's files are looked at again, however many pages
// and pollers ask.
const refreshEvery = time.Second

// experiment is what the server holds of one results/<experiment> folder.
type experiment struct {
	name    string
	plan    file
	runs    []*run
	checked time.Time
	gen     uint64 // the server's generation when anything in it last changed
	report  *report.Report
	repErr  error
	repGen  uint64 // the generation report was built at
	built   bool   // report and repErr hold a build
}

// validName reports whether name is one plain entry of a folder: no separator, not . or ..,
// nothing a path could climb out with.
func validName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\\x00") && path.Clean(name) == name
}

// errNotFound is a name the results folder has no experiment or run of.
var errNotFound = errors.New("not found")

// experimentNames lists the folders of the results folder that hold a plan.json.
func (s *Server) experimentNames() ([]string, error) {
	f, err := s.root.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, err := s.root.Stat(path.Join(e.Name(), results.PlanFile)); err == nil && validName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// experiment returns the experiment called name, its files refreshed when they were last
// looked at more than refreshEvery ago. The caller holds s.mu.
func (s *Server) experiment(name string) (*experiment, error) {
	if !validName(name) {
		return nil, errNotFound
	}
	e := s.experiments[name]
	if e == nil {
		if _, err := s.root.Stat(path.Join(name, results.PlanFile)); err != nil {
			return nil, errNotFound
		}
		e = &experiment{name: name}
		s.experiments[name] = e
	}
	if time.Since(e.checked) < refreshEvery {
		return e, nil
	}
	e.checked = time.Now()
	return e, s.refresh(e)
}

// refresh re-reads the experiment's plan when it changed, then each run's files.
func (s *Server) refresh(e *experiment) error {
	changed, err := e.plan.refresh(s.root, path.Join(e.name, results.PlanFile))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && e.plan.info == nil) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if changed {
		if err := e.replan(); err != nil {
			return err
		}
	}
	locked := heldLocks(s.root)
	for _, r := range e.runs {
		changed, err := r.refresh(s.root, locked)
		if err != nil {
			r.problem = err.Error()
		}
		if changed {
			s.gen++
			r.gen, e.gen = s.gen, s.gen
		}
	}
	return nil
}

// replan makes the runs of a new plan.json, keeping what is held of runs it still lists.
func (e *experiment) replan() error {
	var plan []results.PlannedRun
	if err := json.Unmarshal(e.plan.text, &plan); err != nil {
		return fmt.Errorf("%s: %w", path.Join(e.name, results.PlanFile), err)
	}
	old := map[string]*run{}
	for _, r := range e.runs {
		old[r.plan.Run] = r
	}
	e.runs = nil
	for _, p := range plan {
		if !validName(p.Run) {
			return fmt.Errorf("%s: run %q is not a folder name", path.Join(e.name, results.PlanFile), p.Run)
		}
		r := old[p.Run]
		if r == nil {
			r = &run{dir: path.Join(e.name, p.Run), state: Waiting}
		}
		r.plan = p
		e.runs = append(e.runs, r)
	}
	return nil
}

// run returns the experiment's run called name.
func (e *experiment) run(name string) (*run, error) {
	for _, r := range e.runs {
		if r.plan.Run == name {
			return r, nil
		}
	}
	return nil, errNotFound
}

// comparison is the experiment's report over the runs finished so far, built by
// experiments/report from the files held here, again only when a run changed.
func (e *experiment) comparison() (*report.Report, error) {
	if e.built && e.repGen == e.gen {
		return e.report, e.repErr
	}
	plan := make([]results.PlannedRun, len(e.runs))
	byName := map[string]*run{}
	for i, r := range e.runs {
		plan[i], byName[r.plan.Run] = r.plan, r
	}
	e.report, e.repErr = report.Build(e.name, plan, func(p results.PlannedRun) (report.Run, error) {
		r := byName[p.Run]
		if r.state == Failed {
			return report.Run{Failed: true}, nil
		}
		if r.state != Done {
			return report.Run{}, nil
		}
		return report.Run{Eval: r.eval, Metrics: r.metrics.records}, nil
	})
	e.repGen, e.built = e.gen, true
	return e.report, e.repErr
}
