#!/usr/bin/env bash
# Where training time goes: `perf record` over `relnet bench` training episodes of one case
# (after an untimed warm-up the bench does itself), then the cycles per shared library and the
# top symbols, folded into the kernels' families (oneDNN convolution, BatchNorm, max-pool, ...).
#
#   bash scripts/profile-training.sh [CASE [THREADS [EPISODES]]]   # default 2 2 40 (84×84×3)
#
# Needs perf (Debian's linux-perf; installed here when missing and run as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case=${1:-2}
threads=${2:-2}
episodes=${3:-40}
relnet=${RELNET:-./bin/relnet}
if ! command -v perf >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "profile: perf is missing: apt-get install linux-perf" >&2; exit 1; }
  log=$(mktemp)
  apt-get install -y -q linux-perf >"$log" 2>&1 || { echo "profile: could not install linux-perf:" >&2; tail -n 5 "$log" >&2; exit 1; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
perf record -q -F 499 -o "$tmp/perf.data" -- \
  "$relnet" bench --memory=false --case "$case" --threads "$threads" --train-episodes "$episodes" --eval-episodes 1 >"$tmp/bench.txt" 2>&1 \
  || { tail -n 20 "$tmp/bench.txt" >&2; exit 1; }
grep '^| [0-9]' "$tmp/bench.txt" | head -n 1
echo
echo "cycles by library:"
perf report -i "$tmp/perf.data" --stdio --sort dso 2>/dev/null | grep -E '^ +[0-9]' | head -n 8
echo
echo "top symbols:"
perf report -i "$tmp/perf.data" --stdio --sort sym 2>/dev/null | grep -E '^ +[0-9]' | head -n 25 | cut -c1-150
