#!/usr/bin/env bash
# same-results.sh: checks that the working tree's relnet gives bit-identical test results to an
# earlier commit's, on this machine (floating-point results differ across CPUs).
#
#   scripts/same-results.sh [BASE_REV]     default BASE_REV: 17d7db8, the last commit before
#                                          the restructuring of issue #6
#
# It builds BASE_REV (in a git worktree, once per revision, under $RELNET_CACHE) and the working
# tree, runs experiments/quickstart.toml, heads-ablation.toml (image splits) and classsplit.toml
# (Fashion-MNIST's class split) with both at reduced training episodes (SAME_RESULTS_EPISODES,
# default 300) and the full 600-episode test bank, and
# compares every per-episode accuracy of every eval.json (model and pixel floor, every group and
# the joint accuracy) for exact equality. Exit status 1 on any difference.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${RELNET_CACHE:-$HOME/.cache/relnet}
base=${1:-17d7db8}
episodes=${SAME_RESULTS_EPISODES:-300}
experiments=(quickstart heads-ablation classsplit)

cd "$repo"
bash scripts/setup.sh
rev=$(git rev-parse --short=12 "$base^{commit}")
base_bin=$cache/same-results/$rev/relnet
if [ ! -x "$base_bin" ]; then
  tree=$(mktemp -d "$cache/same-results-tree.XXXXXX")
  git worktree add --detach --quiet "$tree" "$rev"
  cp go.work "$tree/go.work"
  ln -s "$(readlink -f .libtorch)" "$tree/.libtorch"
  mkdir -p "$(dirname "$base_bin")"
  (cd "$tree" && go build -o "$base_bin" ./cmd/relnet)
  git worktree remove --force "$tree"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/relnet-new" ./cmd/relnet

# The experiment files with train.episodes lowered; their data files come along.
mkdir -p "$work/exp"
cp -r experiments/data "$work/exp/"
for e in "${experiments[@]}"; do
  awk -v n="$episodes" '/^\[/ {section = $0} section == "[train]" && $1 == "episodes" {$0 = "episodes = " n} {print}' \
    "experiments/$e.toml" > "$work/exp/$e.toml"
done

# run SIDE BINARY RESULTS EXPERIMENT: one experiment with one binary, into RESULTS.
run() {
  echo "same-results: $1: $4, $episodes training episodes" >&2
  "$2" run --threads 2 --results "$3" "$work/exp/$4.toml" > "$work/$1-$4.log" 2>&1 \
    || { tail -20 "$work/$1-$4.log" >&2; exit 1; }
}
# BASE_REV's results are kept: they depend only on the revision, the episodes and this machine.
base_results=$cache/same-results/$rev/results-$episodes-$(uname -m)
for e in "${experiments[@]}"; do
  if [ -f "$base_results/$e.done" ]; then
    echo "same-results: $rev: $e from an earlier check in $base_results" >&2
    continue
  fi
  rm -rf "$base_results/$e"
  run "$rev" "$base_bin" "$base_results" "$e"
  touch "$base_results/$e.done"
done
for e in "${experiments[@]}"; do
  run "working tree" "$work/relnet-new" "$work/new" "$e"
done

python3 - "$base_results" "$work/new" <<'EOF'
import json, pathlib, sys
base, new = map(pathlib.Path, sys.argv[1:])
runs = sorted(p.relative_to(base) for p in base.glob("*/*/eval.json"))
if not runs:
    sys.exit("same-results: no eval.json was written")
differ = 0
for rel in runs:
    a = json.loads((base / rel).read_text())
    b_path = new / rel
    if not b_path.exists():
        print(f"{rel}: missing in the working tree's results"); differ += 1; continue
    b = json.loads(b_path.read_text())
    groups = lambda r: r["groups"] + ([r["joint"]] if r.get("joint") else [])
    compared = 0
    for ga, gb in zip(groups(a), groups(b), strict=True):
        for key in ("model", "pixel_floor"):
            pa, pb = ga[key]["per_episode"], gb[key]["per_episode"]
            same = pa == pb
            compared += len(pa)
            if not same:
                first = next((i for i, (x, y) in enumerate(zip(pa, pb)) if x != y), min(len(pa), len(pb)))
                print(f"{rel} {ga['group']} {key}: differs first at episode {first} ({len(pa)} vs {len(pb)} episodes)")
                differ += 1
    means = max(abs(ga[k]["mean"] - gb[k]["mean"]) for ga, gb in zip(groups(a), groups(b)) for k in ("model", "pixel_floor"))
    print(f"{rel}: {compared} per-episode accuracies compared; largest difference of a mean {means:.1e}")
if differ:
    sys.exit(f"same-results: {differ} differences")
print(f"same-results: all {len(runs)} runs bit-identical")
EOF
