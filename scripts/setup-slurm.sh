#!/usr/bin/env bash
# setup-slurm.sh: installs Debian's Slurm (slurmctld, slurmd, the client commands) and MUNGE,
# which TestSlurmCluster* (scripts/slurm_test.go) runs as a one-node cluster on localhost.
# Idempotent: when the binaries are there it only prints "ready". `make test` calls it before
# `go test`. Not root and Slurm missing: it says so and exits 0, and the test skips saying the
# same; as root (CI), a failed install fails `make test` with apt's last lines.
#
# Nothing is started or configured here: the test writes its own slurm.conf and munge key
# into a temporary directory and starts and stops the daemons itself. Debian's packages do
# try to start their services on install; in a container without systemd that fails
# harmlessly, and policy-rc.d stops it where invoke-rc.d is used.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin" # the daemons live in sbin, outside most users' PATH

die() { echo "setup-slurm: $*" >&2; exit 1; }
say() { echo "setup-slurm: $*" >&2; }

need=(slurmctld slurmd slurmstepd sbatch squeue scancel scontrol sinfo munged mungekey munge)
missing() { for b in "${need[@]}"; do command -v "$b" >/dev/null || { echo "$b"; return 0; }; done; return 1; }

if b=$(missing); then
  if [ "$(id -u)" != 0 ]; then
    say "$b is missing and only root can install it (sudo apt-get install slurm-wlm munge); TestSlurmCluster* skips until then"
    exit 0
  fi
  command -v apt-get >/dev/null || die "$b is missing and there is no apt-get: install Slurm and MUNGE with this system's package manager"
  say "installing Debian's slurm-wlm and munge ($b is missing)"
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  start=$SECONDS
  # Keep the packages' maintainer scripts from starting daemons outside the test.
  policy=/usr/sbin/policy-rc.d made_policy=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1; fi
  install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurm-wlm munge >>"$log" 2>&1; }
  ok=1
  install || { apt-get update -q >>"$log" 2>&1 && install; } || ok=
  [ -z "$made_policy" ] || rm -f "$policy"
  if [ -z "$ok" ]; then
    echo "setup-slurm: could not install slurm-wlm and munge; apt said:" >&2
    tail -n 15 "$log" >&2
    die "install them as root with: apt-get update && apt-get install slurm-wlm munge"
  fi
  b=$(missing) && die "slurm-wlm and munge were installed but $b is still missing"
  say "installed slurm-wlm $(dpkg-query -W -f '${Version}' slurm-wlm) and munge in $((SECONDS - start)) s"
fi
say "ready: $(slurmctld -V), munge $(dpkg-query -W -f '${Version}' munge 2>/dev/null || munged -V)"
