package scripts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/relnet/relnet/experiments/spec"
)

const k8sManifest = "k8s-indexed-job.yaml"

// The part of Kubernetes' batch/v1 Job, core/v1 PodSpec and PersistentVolumeClaim that the
// manifest uses. Decoding is strict (yaml KnownFields): a field these types do not know, a
// misspelt one say, is an error rather than silently ignored as kubectl would not.
type (
	k8sMeta struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	}
	k8sJob struct {
		APIVersion string  `yaml:"apiVersion"`
		Kind       string  `yaml:"kind"`
		Metadata   k8sMeta `yaml:"metadata"`
		Spec       struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    *int   `yaml:"completions"`
			Parallelism    *int   `yaml:"parallelism"`
			BackoffLimit   *int   `yaml:"backoffLimit"`
			Template       struct {
				Metadata k8sMeta `yaml:"metadata"`
				Spec     struct {
					RestartPolicy string         `yaml:"restartPolicy"`
					Containers    []k8sContainer `yaml:"containers"`
					Volumes       []struct {
						Name                  string `yaml:"name"`
						PersistentVolumeClaim *struct {
							ClaimName string `yaml:"claimName"`
						} `yaml:"persistentVolumeClaim"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	k8sContainer struct {
		Name       string   `yaml:"name"`
		Image      string   `yaml:"image"`
		WorkingDir string   `yaml:"workingDir"`
		Command    []string `yaml:"command"`
		Args       []string `yaml:"args"`
		Env        []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom *struct {
				FieldRef *struct {
					FieldPath string `yaml:"fieldPath"`
				} `yaml:"fieldRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	k8sClaim struct {
		APIVersion string  `yaml:"apiVersion"`
		Kind       string  `yaml:"kind"`
		Metadata   k8sMeta `yaml:"metadata"`
		Spec       struct {
			AccessModes      []string `yaml:"accessModes"`
			StorageClassName string   `yaml:"storageClassName"`
			Resources        struct {
				Requests map[string]string `yaml:"requests"`
			} `yaml:"resources"`
		} `yaml:"spec"`
	}
)

// decodeManifest reads the Job and the PersistentVolumeClaims of a multi-document manifest.
func decodeManifest(data []byte) (*k8sJob, map[string]k8sClaim, error) {
	var job *k8sJob
	claims := map[string]k8sClaim{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for doc := 1; ; doc++ {
		var node yaml.Node
		if err := dec.Decode(&node); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("document %d: %w", doc, err)
		}
		var head struct{ Kind string }
		if err := node.Decode(&head); err != nil {
			return nil, nil, fmt.Errorf("document %d: %w", doc, err)
		}
		text, err := yaml.Marshal(&node)
		if err != nil {
			return nil, nil, err
		}
		strict := yaml.NewDecoder(bytes.NewReader(text))
		strict.KnownFields(true)
		switch head.Kind {
		case "Job":
			if job != nil {
				return nil, nil, fmt.Errorf("document %d: a second Job", doc)
			}
			job = new(k8sJob)
			err = strict.Decode(job)
		case "PersistentVolumeClaim":
			var c k8sClaim
			err = strict.Decode(&c)
			claims[c.Metadata.Name] = c
		default:
			err = fmt.Errorf("kind %q: the manifest holds a Job and its PersistentVolumeClaim", head.Kind)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("document %d (%s): %w", doc, head.Kind, err)
		}
	}
	if job == nil {
		return nil, nil, errors.New("no Job")
	}
	return job, claims, nil
}

// cliFlags are the long flags of `relnet run` as its help lists them, each with whether it
// takes a value.
func cliFlags(t *testing.T, relnet string) map[string]bool {
	t.Helper()
	out, err := exec.Command(relnet, "run", "--help").Output()
	if err != nil {
		t.Fatalf("relnet run --help: %v", err)
	}
	_, options, ok := strings.Cut(string(out), "\nOPTIONS:\n")
	if !ok {
		t.Fatalf("relnet run --help has no OPTIONS:\n%s", out)
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+--([a-z][a-z-]*)( value)?`).FindAllStringSubmatch(options, -1) {
		flags[m[1]] = m[2] != ""
	}
	if !flags["shard"] || !flags["threads"] {
		t.Fatalf("relnet run --help lists no --shard or --threads taking a value: %v\n%s", flags, out)
	}
	return flags
}

// indexVar is how a container's command line reads the pod's index in an Indexed Job.
const indexVar = "$(JOB_COMPLETION_INDEX)"

// checkManifest lists every way the manifest fails to run one experiment as `completions`
// shards with relnet's CLI: flags (name → takes a value) are `relnet run`'s, root is the
// clone, where the experiment file named on the command line must be.
func checkManifest(data []byte, flags map[string]bool, root string) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	job, claims, err := decodeManifest(data)
	if err != nil {
		return []error{err}
	}
	s := job.Spec
	if job.APIVersion != "batch/v1" {
		bad("apiVersion %q, want batch/v1", job.APIVersion)
	}
	if s.CompletionMode != "Indexed" {
		bad("completionMode %q, want Indexed: only an Indexed Job gives each pod its JOB_COMPLETION_INDEX", s.CompletionMode)
	}
	if s.Completions == nil || *s.Completions < 1 {
		return append(errs, errors.New("no completions: it is the N of --shard i/N"))
	}
	n := *s.Completions
	if s.Parallelism != nil && (*s.Parallelism < 1 || *s.Parallelism > n) {
		bad("parallelism %d, want 1 to completions (%d)", *s.Parallelism, n)
	}
	pod := s.Template.Spec
	if pod.RestartPolicy != "Never" && pod.RestartPolicy != "OnFailure" {
		bad("restartPolicy %q: a Job's pods need Never or OnFailure", pod.RestartPolicy)
	}
	if len(pod.Containers) != 1 {
		return append(errs, fmt.Errorf("%d containers, want the one that runs relnet", len(pod.Containers)))
	}
	c := pod.Containers[0]
	argv := append(append([]string(nil), c.Command...), c.Args...)
	if len(argv) < 2 || path.Base(argv[0]) != "relnet" || argv[1] != "run" {
		return append(errs, fmt.Errorf("command %q, want relnet run ...", argv))
	}

	// The command line, read as relnet's CLI reads it.
	values := map[string]string{}
	var positional []string
	for i := 2; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "-") {
			positional = append(positional, a)
			continue
		}
		name, value, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		takesValue, known := flags[name]
		switch {
		case !known:
			bad("flag %s: `relnet run` has no such flag", a)
			continue
		case !takesValue:
			values[name] = ""
			continue
		case !inline && i+1 == len(argv):
			bad("flag --%s has no value", name)
			continue
		case !inline:
			i++
			value = argv[i]
		}
		values[name] = value
	}
	if len(positional) != 1 {
		bad("arguments %q: `relnet run` takes one experiment file", positional)
	} else if runs, err := spec.LoadPlan(filepath.Join(root, positional[0])); err != nil {
		bad("experiment %s (relative to the clone, the image's workingDir): %v", positional[0], err)
	} else if len(runs) < n {
		bad("%d completions for %s's %d runs: %d pods would have nothing to do", n, positional[0], len(runs), n-len(runs))
	}

	shard, ok := values["shard"]
	if want := fmt.Sprintf("%s/%d", indexVar, n); !ok || shard != want {
		bad("--shard %q, want %q (completions = %d)", shard, want, n)
	}
	for i := range n { // what each pod's relnet gets once Kubernetes has expanded the variable
		if _, err := spec.ParseShard(strings.ReplaceAll(shard, indexVar, strconv.Itoa(i))); err != nil {
			bad("pod %d: %v", i, err)
		}
	}
	indexed := false
	for _, e := range c.Env {
		indexed = indexed || e.Name == "JOB_COMPLETION_INDEX" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
			e.ValueFrom.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']"
	}
	if !indexed {
		bad("no env JOB_COMPLETION_INDEX from the annotation batch.kubernetes.io/job-completion-index: %s would not be expanded", indexVar)
	}

	if threads, cpu := values["threads"], c.Resources.Requests["cpu"]; threads == "" || threads != cpu || c.Resources.Limits["cpu"] != cpu {
		bad("--threads %q with CPU request %q and limit %q: give relnet the CPUs the pod has", threads, cpu, c.Resources.Limits["cpu"])
	}

	// --results is a mount of a ReadWriteMany claim, shared by every pod.
	results, claim := values["results"], ""
	for _, m := range c.VolumeMounts {
		if m.MountPath != results {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.PersistentVolumeClaim != nil {
				claim = v.PersistentVolumeClaim.ClaimName
			}
		}
	}
	switch pvc, ok := claims[claim]; {
	case results == "" || claim == "":
		bad("--results %q is not the mount of a PersistentVolumeClaim: the pods must share one results directory", results)
	case !ok:
		bad("claim %q is not defined in the manifest", claim)
	case !strings.Contains(strings.Join(pvc.Spec.AccessModes, " "), "ReadWriteMany"):
		bad("claim %q has access modes %v: pods on several nodes need ReadWriteMany", claim, pvc.Spec.AccessModes)
	}
	return errs
}

// TestKubernetesIndexedJobMatchesCLI checks scripts/k8s-indexed-job.yaml, which no cluster
// runs here: an Indexed Job whose completions are the N of --shard $(JOB_COMPLETION_INDEX)/N,
// whose command line uses only `relnet run`'s flags on an experiment of the clone with at
// least N runs, with --threads equal to the pod's CPUs and --results on a shared volume.
func TestKubernetesIndexedJobMatchesCLI(t *testing.T) {
	data, err := os.ReadFile(k8sManifest)
	if err != nil {
		t.Fatal(err)
	}
	flags := cliFlags(t, relnetBinary(t))
	for _, err := range checkManifest(data, flags, repoRoot(t)) {
		t.Errorf("%s: %v", k8sManifest, err)
	}
}

// TestKubernetesManifestCheckFails breaks the manifest one way at a time: each must be found.
func TestKubernetesManifestCheckFails(t *testing.T) {
	data, err := os.ReadFile(k8sManifest)
	if err != nil {
		t.Fatal(err)
	}
	flags := cliFlags(t, relnetBinary(t))
	for _, tc := range []struct{ name, old, new, want string }{
		{"completions differ from --shard's N", "completions: 5", "completions: 4", "want \"$(JOB_COMPLETION_INDEX)/4\""},
		{"not Indexed", "completionMode: Indexed", "completionMode: NonIndexed", "want Indexed"},
		{"misspelt field", "completionMode:", "completionMod:", "field completionMod not found"},
		{"unknown flag", "- --threads\n", "- --thread\n", "no such flag"},
		{"fixed shard", "$(JOB_COMPLETION_INDEX)/5", "0/5", "want \"$(JOB_COMPLETION_INDEX)/5\""},
		{"no index variable", "name: JOB_COMPLETION_INDEX", "name: INDEX", "would not be expanded"},
		{"more pods than runs", "completions: 5", "completions: 6", "nothing to do"},
		{"threads beyond the CPUs", "- \"4\"\n", "- \"8\"\n", "give relnet the CPUs"},
		{"results not shared", "mountPath: /results", "mountPath: /scratch", "not the mount of a PersistentVolumeClaim"},
		{"claim not shared across nodes", "[ReadWriteMany]", "[ReadWriteOnce]", "need ReadWriteMany"},
		{"missing experiment", "- experiments/heads-ablation.toml", "- experiments/none.toml", "no such file"},
	} {
		broken := strings.Replace(string(data), tc.old, tc.new, 1)
		if broken == string(data) {
			t.Fatalf("%s: %q is not in %s", tc.name, tc.old, k8sManifest)
		}
		errs := checkManifest([]byte(broken), flags, repoRoot(t))
		if !strings.Contains(fmt.Sprint(errs), tc.want) {
			t.Errorf("%s: errors %v lack %q", tc.name, errs, tc.want)
		}
	}
}
