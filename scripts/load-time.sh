#!/usr/bin/env bash
# load-time.sh: how long a 6,000-image seed-format CSV set takes to load, decoded from its
# images (first run) and from the decoded-set cache (second run).
#
#   scripts/load-time.sh [HEIGHT WIDTH]      default 84 84 (3 channels)
#
# It generates the set with `relnet synth` (experiments/data/garments.toml: 6,000 PNGs and a
# labels.csv), then, LOAD_TIME_REPEATS times (default 3), runs `relnet data inspect` on it twice
# with a fresh results root; the loader reports each load's time and source on stderr.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
height=${1:-84}
width=${2:-84}
cd "$repo"
make --no-print-directory build >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./bin/relnet synth --out "$work/set" experiments/data/garments.toml > /dev/null
cat > "$work/csv.toml" <<TOML
[dataset]
source = "csv"
path = "set/labels.csv"
images = "set/images"
channels = 3
height = $height
width = $width
[[dataset.groups]]
name = "category"
[[dataset.groups]]
name = "color"
[[dataset.groups]]
name = "pattern"
TOML
echo "$(wc -l < "$work/set/labels.csv") lines in labels.csv, decoded to 3×${height}×${width}" >&2
for round in $(seq "${LOAD_TIME_REPEATS:-3}"); do
  rm -rf "$work/results"
  for pass in first second; do
    start=$(date +%s.%N)
    ./bin/relnet data inspect --results "$work/results" "$work/csv.toml" 2>"$work/$pass.log" >/dev/null
    end=$(date +%s.%N)
    printf 'round %d, %s run: %s (whole command %.2f s)\n' "$round" "$pass" \
      "$(grep '^data:' "$work/$pass.log" | sed "s|$work/||" | paste -sd ';' -)" "$(echo "$end - $start" | bc)"
  done
done
ls -l "$work/results/data-cache" | tail -n +2 | awk '{printf "cache file: %.0f MB\n", $5 / 1e6}'
