package serve

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relnet/relnet/experiments/report"
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{"percent": report.Percent}).ParseFS(assets, "assets/*.html"))

// Server answers the dashboard's pages and polls from a results folder, read through an
// os.Root on it: no name, however encoded, and no symlink reaches a file outside.
type Server struct {
	root        *os.Root
	dir         string
	mu          sync.Mutex
	experiments map[string]*experiment
	gen         uint64 // bumped on every change seen in any experiment
	mux         *http.ServeMux
}

// New serves the results folder dir (results/ holding one folder per experiment).
func New(dir string) (*Server, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	s := &Server{root: root, dir: dir, experiments: map[string]*experiment{}, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /{$}", s.experimentsPage)
	s.mux.HandleFunc("GET /api/experiments", s.experimentsAPI)
	s.mux.HandleFunc("GET /e/{exp}/{$}", s.withExperiment(experimentPage))
	s.mux.HandleFunc("GET /api/e/{exp}", s.withExperiment(experimentAPI))
	s.mux.HandleFunc("GET /e/{exp}/plot/{name}", s.withExperiment(plot))
	s.mux.HandleFunc("GET /e/{exp}/r/{run}/{$}", s.withExperiment(runPage))
	s.mux.HandleFunc("GET /shades.css", shadesCSS)
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	static, _ := fs.Sub(assets, "assets/static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	return s, nil
}

// Close releases the results folder.
func (s *Server) Close() error { return s.root.Close() }

// ServeHTTP answers GET and HEAD only, with headers that let the pages run only the
// server's own script and load only its own files.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// fail answers an error: 404 for a name the folder does not hold, 500 otherwise.
func fail(w http.ResponseWriter, err error) {
	if errors.Is(err, errNotFound) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	log.Printf("serve: %v", err)
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// render writes a page template.
func render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		log.Printf("serve: page %s: %v", name, err)
	}
}

// writeJSON answers a poll; encoding/json escapes <, > and & in every string.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("serve: %v", err)
	}
}

// experimentsPage lists the experiments (its script polls experimentsAPI).
func (s *Server) experimentsPage(w http.ResponseWriter, r *http.Request) {
	render(w, "experiments.html", map[string]string{"Dir": s.dir})
}

// experimentsAPI is every experiment's runs by state and its last write.
func (s *Server) experimentsAPI(w http.ResponseWriter, r *http.Request) {
	names, err := s.experimentNames()
	if err != nil {
		fail(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []experimentSummary{}
	for _, name := range names {
		e, err := s.experiment(name)
		if err != nil {
			out = append(out, experimentSummary{Name: name, Problem: err.Error()})
			continue
		}
		out = append(out, e.summary())
	}
	writeJSON(w, out)
}

// withExperiment answers a request about the experiment its path names, with the server
// locked and the experiment's files refreshed; 404 when the folder holds no such experiment.
func (s *Server) withExperiment(h func(http.ResponseWriter, *http.Request, *experiment)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		e, err := s.experiment(r.PathValue("exp"))
		if err != nil {
			fail(w, err)
			return
		}
		h(w, r, e)
	}
}

// experimentPage is an experiment's run table, curves and comparison (filled by its script).
func experimentPage(w http.ResponseWriter, r *http.Request, e *experiment) {
	render(w, "experiment.html", map[string]string{"Experiment": e.name})
}

// experimentAPI is experimentView for a page that has the generation in ?since=.
func experimentAPI(w http.ResponseWriter, r *http.Request, e *experiment) {
	since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
	writeJSON(w, e.view(since))
}

// plot is one of the comparison's plots as SVG, drawn by experiments/report.
func plot(w http.ResponseWriter, r *http.Request, e *experiment) {
	rep, err := e.comparison()
	name, ok := strings.CutSuffix(r.PathValue("name"), ".svg")
	if err != nil || !ok || !slices.Contains(rep.PlotNames(), name) {
		fail(w, errNotFound)
		return
	}
	svg, err := rep.Plot(name, ".svg")
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Write(svg)
}

// Serve answers on ln until ctx ends, then lets the requests under way finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}
