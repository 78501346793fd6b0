#!/usr/bin/env bash
# Where training time goes: `perf record` over `relnet bench` training episodes of one case
# (after an untimed warm-up the bench does itself), then the cycles per shared library and the
# top symbols, folded into the kernels' families (oneDNN convolution, BatchNorm, max-pool, ...).
#
#   bash scripts/profile-training.sh [CASE [THREADS [EPISODES [MEMORY_FORMAT]]]]
#                                     # default 2 2 40 channels_last (84×84×3)
#
# Needs perf (Debian's linux-perf; installed here when missing and run as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case=${1:-2}
threads=${2:-2}
episodes=${3:-40}
format=${4:-channels_last}
relnet=${RELNET:-./bin/relnet}
if ! command -v perf >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "profile: perf is missing: apt-get install linux-perf" >&2; exit 1; }
  log=$(mktemp)
  apt-get install -y -q linux-perf >"$log" 2>&1 || { echo "profile: could not install linux-perf:" >&2; tail -n 5 "$log" >&2; exit 1; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
perf record -q -F 499 -o "$tmp/perf.data" -- \
  "$relnet" bench --memory=false --case "$case" --threads "$threads" --train-episodes "$episodes" --eval-episodes 1 \
  --memory-format "$format" >"$tmp/bench.txt" 2>&1 \
  || { tail -n 20 "$tmp/bench.txt" >&2; exit 1; }
grep '^| [0-9]' "$tmp/bench.txt" | head -n 1
echo
echo "cycles by kind of work (perf's samples folded by library and symbol):"
# oneDNN's JIT code has no symbols: every sampled address is its own line, most rounded to
# 0.00%, so its share is taken from the per-library report.
{ perf report -i "$tmp/perf.data" --stdio --sort dso 2>/dev/null | grep -E '^ +[0-9.]+% +\[JIT\]'
  perf report -i "$tmp/perf.data" --stdio --sort dso,sym 2>/dev/null | grep -vE '^ +[0-9.]+% +\[JIT\]'
} | awk '
  /^ +[0-9.]+%/ {
    pct = $1 + 0; line = $0
    if (line ~ /\[JIT\]/) k = "oneDNN JIT kernels (convolutions, forward and backward)"
    else if (line ~ /dnnl|mkldnn/) k = "oneDNN outside its JIT code (convolution drivers, reorders)"
    else if (line ~ /batch_norm/) k = "BatchNorm (statistics, forward, backward)"
    else if (line ~ /max_pool/) k = "max-pool (forward, backward)"
    else if (line ~ /sgemm|mkl_/) k = "MKL GEMM (linear layers, weight gradients)"
    else if (line ~ /row_sum|[Rr]educ/) k = "reductions (sums)"
    else if (line ~ /VectorizedLoop|cpu_kernel|direct_copy|copy_/) k = "element-wise ops and copies (ReLU, add, casts, Adam)"
    else if (line ~ /libgomp/) k = "OpenMP runtime (threads waiting at barriers)"
    else if (line ~ /\[k\]/) k = "kernel (page faults, scheduling)"
    else if (line ~ / relnet |libc\.so|libc10/) k = "relnet (Go), libc and c10"
    else k = "other"
    sum[k] += pct
  }
  END { for (k in sum) { printf "  %5.1f%%  %s\n", sum[k], k; total += sum[k] }
        printf "  total %.1f%% (perf rounds each symbol'"'"'s share)\n", total }' | sort -rn
echo
echo "top symbols:"
perf report -i "$tmp/perf.data" --stdio --sort dso,sym 2>/dev/null | grep -E '^ +[0-9]' | head -n 20 | cut -c1-160
