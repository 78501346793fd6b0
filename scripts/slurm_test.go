package scripts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relnet/relnet/experiments/report"
	"github.com/relnet/relnet/experiments/results"
)

// slurmBinaries are the programs of Debian's slurm-wlm and munge the test runs.
var slurmBinaries = []string{"slurmctld", "slurmd", "slurmstepd", "sbatch", "squeue", "scancel", "scontrol", "sinfo", "munged", "mungekey", "munge"}

// requireSlurm skips the test where a cluster cannot be started for a reason outside it: not
// root, or Slurm not installed on a developer's machine. In CI (CI set) missing binaries are
// a failure: `make test` installs them with scripts/setup-slurm.sh before `go test`.
func requireSlurm(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: slurmd must run as root to start jobs, and this test starts its own cluster; run it as root (CI does)")
	}
	// The daemons are in /usr/sbin, which not every PATH has.
	if path := os.Getenv("PATH"); !strings.Contains(":"+path+":", ":/usr/sbin:") {
		t.Setenv("PATH", path+":/usr/sbin")
	}
	var missing []string
	for _, b := range slurmBinaries {
		if _, err := exec.LookPath(b); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("Slurm is not installed (no %s): `make test` installs Debian's slurm-wlm and munge with scripts/setup-slurm.sh", strings.Join(missing, ", "))
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; in CI it must have done so")
		}
		t.Skip("skipped: " + msg)
	}
}

// cluster is a one-node Slurm cluster on 127.0.0.1: munged, slurmctld and slurmd run as the
// test's children with every file they write (configuration, key, sockets, state, spool,
// logs, job output) under dir.
type cluster struct {
	t       *testing.T
	dir     string
	conf    string // slurm.conf; every Slurm command gets SLURM_CONF=conf
	node    string
	daemons []*daemon
}

type daemon struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been waited for
}

// defaultPaths are where Debian's Slurm and MUNGE write when nobody says otherwise; the test
// points every one of them into its directory, and checks that none appears.
var defaultPaths = []string{"/var/spool/slurmd", "/var/spool/slurmctld", "/var/spool/slurm", "/var/lib/slurm",
	"/var/log/slurm", "/var/log/slurmctld.log", "/var/log/slurmd.log", "/run/slurmctld.pid", "/run/slurmd.pid",
	"/run/munge/munged.pid", "/run/munge/munge.socket.2", "/var/log/munge/munged.log", "/var/lib/munge/munged.seed"}

// startCluster starts the cluster and waits until its node is idle. Cleanup cancels any job
// left, stops the daemons, and fails the test if a process or a default path outside the
// temporary directory is left behind.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	dir := t.TempDir()
	// munged refuses a socket in a directory others cannot search (t.TempDir makes 0700).
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, dir: dir, conf: filepath.Join(dir, "slurm.conf"), node: strings.Split(host, ".")[0]}
	existed := map[string]bool{}
	for _, p := range defaultPaths {
		_, err := os.Lstat(p)
		existed[p] = err == nil
	}
	t.Cleanup(func() {
		c.stop()
		for _, p := range defaultPaths {
			if _, err := os.Lstat(p); err == nil && !existed[p] {
				t.Errorf("the cluster left %s behind (outside its directory)", p)
			}
		}
	})
	for _, d := range []string{"munge", "state", "spool", "log", "out"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}

	// MUNGE on its own key and socket.
	key, socket := filepath.Join(dir, "munge", "munge.key"), filepath.Join(dir, "run", "munge.socket")
	if out, err := exec.Command("mungekey", "--create", "--keyfile", key).CombinedOutput(); err != nil {
		t.Fatalf("mungekey: %v\n%s", err, out)
	}
	c.start("munged", "munged", "--foreground", "--socket="+socket, "--key-file="+key,
		"--log-file="+filepath.Join(dir, "log", "munged.log"), "--pid-file="+filepath.Join(dir, "run", "munged.pid"),
		"--seed-file="+filepath.Join(dir, "munge", "munged.seed"))
	c.waitFor(10*time.Second, "munged to answer on "+socket, func() bool {
		return exec.Command("munge", "--socket", socket, "--no-input", "--output", os.DevNull).Run() == nil
	})

	ports := freePorts(t, 2)
	memMB := memTotalMB(t) * 9 / 10
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`# A one-node cluster on 127.0.0.1 for scripts/slurm_test.go; everything in %[1]s.
ClusterName=relnettest
SlurmctldHost=%[2]s(127.0.0.1)
SlurmctldPort=%[3]d
SlurmdPort=%[4]d
SlurmUser=%[5]s
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=%[6]s
StateSaveLocation=%[1]s/state
SlurmdSpoolDir=%[1]s/spool
SlurmctldPidFile=%[1]s/run/slurmctld.pid
SlurmdPidFile=%[1]s/run/slurmd.pid
SlurmctldLogFile=%[1]s/log/slurmctld.log
SlurmdLogFile=%[1]s/log/slurmd.log
# A container: no cgroups; processes are tracked by their parent chain.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
# scancel: SIGTERM, then SIGKILL 5 s later.
KillWait=5
# sbatch --wait polls every 2 s only while MinJobAge/2 > 2 s is false (else 8 s, then 32 s).
MinJobAge=4
NodeName=%[2]s NodeAddr=127.0.0.1 CPUs=%[7]d RealMemory=%[8]d State=UNKNOWN
PartitionName=test Nodes=%[2]s Default=YES MaxTime=INFINITE State=UP
`, dir, c.node, ports[0], ports[1], me.Username, socket, runtime.NumCPU(), memMB)
	writeFile(t, c.conf, conf)

	c.start("slurmctld", "slurmctld", "-D", "-i")
	c.start("slurmd", "slurmd", "-D", "-N", c.node)
	c.waitFor(60*time.Second, "node "+c.node+" to be idle", func() bool {
		out, _ := c.command("sinfo", "--noheader", "--nodes", c.node, "--format", "%T").Output()
		return strings.TrimSpace(string(out)) == "idle"
	})
	return c
}

// env is the test's environment without any Slurm variable of its own, plus SLURM_CONF.
func (c *cluster) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SLURM_") {
			env = append(env, kv)
		}
	}
	return append(append(env, "SLURM_CONF="+c.conf), extra...)
}

// command is a Slurm client command pointed at the cluster.
func (c *cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = c.env()
	return cmd
}

// run runs a Slurm client command and returns its output; it fails the test on an error.
func (c *cluster) run(name string, args ...string) string {
	c.t.Helper()
	out, err := c.command(name, args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// start starts a daemon in the foreground, in its own process group, logging to log/NAME.out.
func (c *cluster) start(name string, argv ...string) {
	c.t.Helper()
	logf, err := os.Create(filepath.Join(c.dir, "log", name+".out"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = c.env()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	d := &daemon{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(d.done) }()
	c.daemons = append(c.daemons, d)
}

// waitFor polls cond until it holds; after timeout it fails the test, showing the daemons'
// logs.
func (c *cluster) waitFor(timeout time.Duration, what string, cond func() bool) {
	c.t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(100 * time.Millisecond) {
		for _, d := range c.daemons {
			select {
			case <-d.done:
				c.t.Fatalf("%s exited (%v) while waiting for %s\n%s", d.name, d.cmd.ProcessState, what, c.logs())
			default:
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no %s after %v\n%s", what, timeout, c.logs())
		}
	}
}

// logs is the tail of every daemon's log, for failure messages.
func (c *cluster) logs() string {
	var b strings.Builder
	for _, name := range []string{"munged.out", "slurmctld.out", "slurmctld.log", "slurmd.out", "slurmd.log"} {
		data, _ := os.ReadFile(filepath.Join(c.dir, "log", name))
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		lines = lines[max(0, len(lines)-15):]
		fmt.Fprintf(&b, "--- %s (last lines)\n%s\n", name, strings.Join(lines, "\n"))
	}
	return b.String()
}

// stop cancels the cluster's jobs, stops its daemons (SIGTERM to each process group in the
// reverse order of starting, SIGKILL after 15 s), and fails the test if any process that
// names the cluster's directory in its command line or environment is still alive.
func (c *cluster) stop() {
	t := c.t
	if len(c.daemons) == 3 {
		if me, err := user.Current(); err == nil {
			c.command("scancel", "--user", me.Username).Run()
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
				out, err := c.command("squeue", "--noheader").Output()
				if err == nil && len(bytes.TrimSpace(out)) == 0 {
					break
				}
			}
		}
	}
	for i := len(c.daemons) - 1; i >= 0; i-- {
		d := c.daemons[i]
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(15 * time.Second):
			t.Errorf("%s did not stop on SIGTERM within 15 s; killed", d.name)
			syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.done
		}
		if err := syscall.Kill(-d.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s's process group %d is still alive after it exited", d.name, d.cmd.Process.Pid)
			syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	if left := processesNaming(c.dir); len(left) > 0 {
		t.Errorf("processes of the cluster left behind:\n%s", strings.Join(left, "\n"))
		for _, p := range left {
			if pid, err := strconv.Atoi(strings.Fields(p)[0]); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// processesNaming lists the live processes ("pid command") whose command line or
// environment contains s.
func processesNaming(s string) []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if f := strings.Fields(string(stat)); len(f) > 2 && f[2] == "Z" {
			continue // a zombie has no command line or environment left to read
		}
		if bytes.Contains(cmdline, []byte(s)) || bytes.Contains(environ, []byte(s)) {
			found = append(found, fmt.Sprintf("%d %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
	}
	return found
}

// freePorts returns n TCP ports on 127.0.0.1 that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// memTotalMB is the machine's memory in MB (/proc/meminfo).
func memTotalMB(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return kb / 1024
		}
	}
	t.Fatal("no MemTotal in /proc/meminfo")
	return 0
}

// sbatch submits scripts/slurm-array.sh as an array of two tasks from the clone's top
// directory, as docs/cluster.md does, with options for this small node on the command line (they
// override the script's #SBATCH defaults of 4 CPUs, 8 GB and 12 hours per task; Slurm kills a
// task still running after 10 minutes, so a hung run fails the test instead of stalling it). It returns the job id
// and sbatch's exit error (with --wait: non-nil when any task failed or was cancelled).
func (c *cluster) sbatch(relnet, resultsRoot string, wait bool, experiment string) (string, error) {
	c.t.Helper()
	args := []string{"--parsable", "--array=0-1", "--cpus-per-task=1", "--mem=1G", "--time=10",
		"--output=" + filepath.Join(c.dir, "out", "slurm-%A_%a.out")}
	if wait {
		args = append(args, "--wait")
	}
	cmd := exec.Command("sbatch", append(args, "scripts/slurm-array.sh", experiment)...)
	cmd.Dir = repoRoot(c.t)
	cmd.Env = c.env("RELNET="+relnet, "RELNET_RESULTS="+resultsRoot)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	job, _, _ := strings.Cut(strings.TrimSpace(stdout.String()), ";")
	if _, perr := strconv.Atoi(job); perr != nil {
		c.t.Fatalf("sbatch %s: no job id (%v)\nstdout: %s\nstderr: %s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String(), c.logs())
	}
	if err != nil {
		err = fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return job, err
}

// taskLog is the output of task i of an array job.
func (c *cluster) taskLog(job string, task int) string {
	c.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, "out", fmt.Sprintf("slurm-%s_%d.out", job, task)))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(data)
}

// tinyExperiment has two runs, one per array task: Fashion-MNIST 3-way 1-shot, small
// enough that a run of 10 episodes takes seconds. threads = 2 here, so that a run's eval.json
// saying 1 thread shows the script's --threads $SLURM_CPUS_PER_TASK reached relnet.
func tinyExperiment(name string, episodes int) string {
	return fmt.Sprintf(`[experiment]
name = %q
[train]
way = 3
query = 5
episodes = %d
log_every = 5
val_every = %d
val_episodes = 5
checkpoint_every = 5
threads = 2
[eval]
query = 2
[[variant]]
name = "relation"
baseline = true
[[variant]]
name = "prototype"
heads.kind = "prototype"
loss.kind = "ce"
`, name, episodes, max(episodes/2, 1))
}

// runs of tinyExperiment in plan order (task i of 2 does run i) and their report labels.
var tinyRuns = []struct{ dir, label string }{{"relation-seed1", "relation (baseline)"}, {"prototype-seed1", "prototype"}}

// checkReport runs `relnet report` on an experiment directory and checks that report.md has
// every run, each with the accuracy of its eval.json, and that each run used one thread.
func checkReport(t *testing.T, relnet, expDir string) {
	t.Helper()
	if out, err := exec.Command(relnet, "report", expDir).CombinedOutput(); err != nil {
		t.Fatalf("relnet report %s: %v\n%s", expDir, err, out)
	}
	md, err := os.ReadFile(filepath.Join(expDir, report.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(md), "**", "")
	if strings.Contains(text, "Not finished") {
		t.Errorf("%s lists unfinished runs:\n%s", report.ReportFile, md)
	}
	for _, r := range tinyRuns {
		res, err := results.ReadEvalResult(filepath.Join(expDir, r.dir, results.EvalFile))
		if err != nil {
			t.Fatal(err)
		}
		if res.Threads != 1 {
			t.Errorf("%s ran on %d threads, want 1 (--cpus-per-task=1 → --threads $SLURM_CPUS_PER_TASK)", r.dir, res.Threads)
		}
		acc := res.Groups[0].Model
		want := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(r.label) + ` +\| 1 +\| ` +
			regexp.QuoteMeta(fmt.Sprintf("%.2f ± %.2f", 100*acc.Mean, 100*acc.CI95)) + ` +\|`)
		if !want.MatchString(text) {
			t.Errorf("%s has no row %q with %s's accuracy %.2f ± %.2f:\n%s", report.ReportFile, r.label, r.dir, 100*acc.Mean, 100*acc.CI95, md)
		}
	}
}

// TestSlurmClusterRunsArrayMergesAndResumes runs scripts/slurm-array.sh on a real one-node
// Slurm cluster started by the test: `sbatch --array=0-1 --wait` of a two-run experiment must
// give each task its own run and a report that merges both. Then, on a longer experiment,
// task 1 is cancelled with scancel once its run has a checkpoint; the same array submitted
// again must skip task 0's finished run and resume task 1's from the episode it was stopped
// at, not from the start.
func TestSlurmClusterRunsArrayMergesAndResumes(t *testing.T) {
	requireSlurm(t)
	relnet := relnetBinary(t)
	began := time.Now()
	c := startCluster(t)
	t.Logf("cluster up in %v: %s", time.Since(began).Round(time.Millisecond), strings.TrimSpace(c.run("sinfo", "--noheader")))
	root := filepath.Join(c.dir, "results")

	// 1. One array, two tasks, one run each; relnet report merges them.
	phase := time.Now()
	tiny := writeFile(t, filepath.Join(c.dir, "tiny.toml"), tinyExperiment("tiny", 10))
	job, err := c.sbatch(relnet, root, true, tiny)
	if err != nil {
		t.Fatalf("sbatch --wait: %v\n%s\n%s", err, c.taskLog(job, 0), c.taskLog(job, 1))
	}
	for task, r := range tinyRuns {
		log := c.taskLog(job, task)
		for _, want := range []string{fmt.Sprintf("shard %d/2: 1 of 2 runs", task), "run 1/1 " + r.dir + ": training 10 episodes"} {
			if !strings.Contains(log, want) {
				t.Errorf("task %d's output lacks %q:\n%s", task, want, log)
			}
		}
	}
	checkReport(t, relnet, filepath.Join(root, "tiny"))
	t.Logf("array job %s: 2 tasks run and merged in %v", job, time.Since(phase).Round(time.Millisecond))

	// 2. Cancel task 1 mid-run, then submit the same array again.
	phase = time.Now()
	const episodes = 100
	longer := writeFile(t, filepath.Join(c.dir, "resume.toml"), tinyExperiment("resume", episodes))
	job, err = c.sbatch(relnet, root, false, longer)
	if err != nil {
		t.Fatalf("sbatch: %v", err)
	}
	done, cancelled := filepath.Join(root, "resume", tinyRuns[0].dir), filepath.Join(root, "resume", tinyRuns[1].dir)
	c.waitFor(2*time.Minute, "checkpoint in "+cancelled, func() bool {
		_, err := os.Stat(filepath.Join(cancelled, results.CheckpointFile))
		return err == nil
	})
	if _, err := os.Stat(filepath.Join(cancelled, results.EvalFile)); err == nil {
		t.Fatalf("%s finished before it could be cancelled: give it more episodes", cancelled)
	}
	c.run("scancel", job+"_1")
	c.waitFor(30*time.Second, "task "+job+"_1 in state CANCELLED", func() bool {
		out, _ := c.command("scontrol", "--oneliner", "show", "job", job+"_1").Output()
		return strings.Contains(string(out), "JobState=CANCELLED")
	})
	c.waitFor(2*time.Minute, "array job "+job+" to end", func() bool {
		out, err := c.command("squeue", "--noheader", "--jobs", job).Output()
		return err == nil && len(bytes.TrimSpace(out)) == 0
	})
	log := c.taskLog(job, 1)
	m := regexp.MustCompile(fmt.Sprintf(`interrupted at episode (\d+) of %d; checkpoint saved`, episodes)).FindStringSubmatch(log)
	if m == nil || !strings.Contains(log, "CANCELLED AT") {
		t.Fatalf("task 1's output does not show Slurm cancelling it and relnet saving a checkpoint:\n%s", log)
	}
	stoppedAt, _ := strconv.Atoi(m[1])
	if _, err := os.Stat(filepath.Join(cancelled, results.EvalFile)); err == nil {
		t.Fatalf("the cancelled run %s has an eval.json", cancelled)
	}
	if _, err := os.Stat(filepath.Join(done, results.EvalFile)); err != nil {
		t.Fatalf("task 0's run did not finish: %v\n%s", err, c.taskLog(job, 0))
	}
	t.Logf("array job %s: task 1 cancelled at episode %d of %d", job, stoppedAt, episodes)

	job, err = c.sbatch(relnet, root, true, longer)
	if err != nil {
		t.Fatalf("sbatch --wait again: %v\n%s\n%s", err, c.taskLog(job, 0), c.taskLog(job, 1))
	}
	if log := c.taskLog(job, 0); !strings.Contains(log, "run 1/1 "+tinyRuns[0].dir+": finished, skipped") || strings.Contains(log, "training") {
		t.Errorf("resubmitted task 0 did not skip its finished run:\n%s", log)
	}
	log = c.taskLog(job, 1)
	if want := fmt.Sprintf("resuming %s from episode %d\n", cancelled, stoppedAt); !strings.Contains(log, want) {
		t.Errorf("resubmitted task 1's output lacks %q:\n%s", want, log)
	}
	// The progress lines of the resumed run start after the checkpoint's episode.
	progress := regexp.MustCompile(regexp.QuoteMeta(tinyRuns[1].dir)+fmt.Sprintf(` +(\d+)/%d `, episodes)).FindAllStringSubmatch(log, -1)
	if len(progress) == 0 {
		t.Errorf("resubmitted task 1's output shows no training progress:\n%s", log)
	}
	for _, p := range progress {
		if n, _ := strconv.Atoi(p[1]); n <= stoppedAt {
			t.Errorf("resubmitted task 1 trained episode %d again (it was stopped at %d):\n%s", n, stoppedAt, log)
			break
		}
	}
	checkReport(t, relnet, filepath.Join(root, "resume"))
	t.Logf("array job %s: finished run skipped, cancelled run resumed and finished in %v", job, time.Since(phase).Round(time.Millisecond))
}
