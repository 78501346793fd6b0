#!/usr/bin/env bash
# Wall time of a four-run experiment (experiments/jobs.toml) with `relnet run --jobs 1` (one
# process on all cores) and `--jobs 2` (two processes, cores divided), alternating, each into
# a fresh results directory: the measurement behind docs/speed.md's --jobs numbers.
#
#   bash scripts/jobs-wall-time.sh [REPEATS]     # after make build; default 1 repeat
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repeats=${1:-1}
relnet=${RELNET:-./bin/relnet}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq 1 "$repeats"); do
  order="1 2"
  [ $((r % 2)) -eq 0 ] && order="2 1"
  for jobs in $order; do
    start=$(date +%s%N)
    "$relnet" run --jobs "$jobs" --results "$tmp/r$r-j$jobs" experiments/jobs.toml > "$tmp/r$r-j$jobs.log" 2>&1 \
      || { tail -n 20 "$tmp/r$r-j$jobs.log" >&2; exit 1; }
    end=$(date +%s%N)
    ms=$(((end - start) / 1000000))
    printf 'repeat %d, --jobs %d: %d.%01d s for 4 runs (%d cores)\n' "$r" "$jobs" $((ms / 1000)) $((ms % 1000 / 100)) "$(nproc)"
  done
done
