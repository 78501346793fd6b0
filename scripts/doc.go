// Package scripts holds no code: it is where the tests of this directory's scripts and
// manifests live, beside what they test. TestSlurmCluster* runs slurm-array.sh on a real
// one-node Slurm cluster (slurm-wlm, installed by setup-slurm.sh) that the test starts and
// stops; TestKubernetesIndexedJob* parses k8s-indexed-job.yaml and checks its command line
// against relnet's own flags, since no Kubernetes cluster runs here.
package scripts
