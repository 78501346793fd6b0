#!/bin/bash
# Spread one relnet experiment over a Slurm job array: task i of n runs the experiment's runs
# i, i+n, i+2n, ... into the shared results directory; `relnet report` then merges them.
#
#   sbatch --array=0-3 scripts/slurm-array.sh experiments/heads-ablation.toml
#   # when the array is done:
#   ./bin/relnet report results/heads-ablation
#
# Run it from the clone, on a shared filesystem, after `make build`. A task that dies is
# resumed by submitting the same array again: finished runs are skipped. Options given to
# sbatch override the #SBATCH defaults below (e.g. --cpus-per-task=1 --mem=1G on a small node).
# scripts/slurm_test.go runs it on a real one-node Slurm cluster; k8s-indexed-job.yaml is the
# same for a Kubernetes Indexed Job.
#SBATCH --job-name=relnet
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=12:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
config=${1:?usage: sbatch --array=0-N scripts/slurm-array.sh EXPERIMENT.toml}
: "${SLURM_ARRAY_TASK_ID:?not running in a Slurm job array (sbatch --array=0-N)}"
count=${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX - SLURM_ARRAY_TASK_MIN + 1))}
exec "${RELNET:-./bin/relnet}" run --threads "${SLURM_CPUS_PER_TASK:-0}" \
	--shard "$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))/$count" "$config"
