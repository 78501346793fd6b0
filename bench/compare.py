"""Side-by-side benchmark of relnet and its PyTorch peers (bench/peer.py), issues #5 and #14.

    python3 bench/compare.py [--relnet bin/relnet] [--threads 1 --threads 2] [--repeats 1]
                             [--peer paper --peer paper-cl --peer relnet-cl] [--precision fp32]
                             [--train-episodes 100] [--eval-episodes 200] [--markdown FILE]

The peers (PEERS): "paper", the LearningToCompare_FSL-style network as users run it today
(concatenated pairs, NCHW); "paper-cl", the same in channels_last, the setting an expert adds
on this CPU; "relnet-cl", relnet's own formulation (split first conv, summed K-shot maps, its
evaluation max-pool) in channels_last, so that its ratio measures the framework alone. With
--precision bf16, relnet runs train.precision = "bf16" and every peer torch.autocast to bf16.

    python3 bench/compare.py --pretrain [--steps 20] [--peer nchw --peer channels-last] ...

times the pretraining stage's supervised step instead (issue: speed of the pretraining stage):
`relnet bench pretrain --json` against `peer.py --pretrain` (PRETRAIN_PEERS: the same network
and SGD step in NCHW and in channels_last), images/s, fp32 only.

Each (case, threads) runs in its own process, relnet and the peer interleaved (the order
alternates between repeats), so that each peak RSS is that case's alone and slow drift of the
machine's load hits both sides alike. Both sides get the same glibc malloc settings: relnet
sets them with mallopt in a constructor (tensors/shim.cpp); the peer gets the same values as
GLIBC_TUNABLES, and its JSON line carries a probe showing they took effect. Builds nothing:
`make bench` builds bin/relnet and runs bench/setup.sh first.

Prints a table of medians over the repeats (and the min–max spread when there are several);
--markdown FILE (or $RELNET_BENCH_MARKDOWN) also appends it as Markdown. --jsonl FILE keeps
every raw line.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = ["28×28×1 5-way 1-shot 19 queries", "84×84×3 5-way 5-shot 10 queries"]  # bench.Cases
PEERS = {"paper": [], "paper-cl": ["--channels-last"], "relnet-cl": ["--formulation", "relnet", "--channels-last"]}
PRETRAIN_CASES = ["28×28×1 10 classes", "84×84×3 64 classes"]  # bench.PretrainCases
PRETRAIN_PEERS = {"nchw": [], "channels-last": ["--channels-last"]}  # peer.py --pretrain's Pretrainer
# A mode: its case names, its peers' flags, and its rates as (column label, JSON key, ratio column).
EPISODIC = {"cases": CASES, "peers": PEERS, "rates": [("train ep/s", "train_eps", "train ratio"), ("eval ep/s", "eval_eps", "eval ratio")]}
PRETRAIN = {"cases": PRETRAIN_CASES, "peers": PRETRAIN_PEERS, "rates": [("images/s", "images_per_sec", "ratio")]}

# relnet's tensors/shim.cpp: mallopt(M_MMAP_MAX, 0), (M_ARENA_MAX, 1), (M_TRIM_THRESHOLD, INT_MAX),
# (M_TOP_PAD, 64 << 20).
TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.arena_max=1:glibc.malloc.trim_threshold=2147483647:glibc.malloc.top_pad=67108864"


def run_json(cmd, env):
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"compare: {' '.join(cmd)} exited with {proc.returncode}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def check_tunables(env):
    """Asks the dynamic loader how it parsed GLIBC_TUNABLES (glibc ≥ 2.33), e.g. arena_max,
    which the peer's probe cannot see."""
    for ld in ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"):
        if os.path.exists(ld):
            out = subprocess.run([ld, "--list-tunables"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
            got = {k.strip(): v.split("(")[0].strip() for k, _, v in (l.partition(":") for l in out.splitlines()) if k.startswith("glibc.malloc.")}
            want = dict(kv.split("=") for kv in TUNABLES.split(":"))
            bad = {k: got.get(k) for k, v in want.items() if got.get(k) is not None and int(got[k], 0) != int(v)}
            if bad:
                sys.exit(f"compare: the loader did not take GLIBC_TUNABLES as given: {bad}")
            return {k: got.get(k) for k in want}
    return {}


def stamp(relnet):
    """bench.Stamp's words: the CPU's model and the flags that decide relnet's speed, as
    `relnet version` reports them, and the date."""
    out = subprocess.run([relnet, "version"], stdout=subprocess.PIPE, text=True).stdout
    cpu = next((line.split(None, 1)[1] for line in out.splitlines() if line.startswith("cpu ")), "a CPU relnet version did not name")
    return f"measured on {cpu}, {datetime.date.today()}"


def fmt_range(values, f="{:.2f}"):
    return f.format(min(values)) + "–" + f.format(max(values))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--relnet", default=os.path.join(ROOT, "bin", "relnet"))
    cache = os.environ.get("RELNET_CACHE", os.path.expanduser("~/.cache/relnet"))
    ap.add_argument("--python", default=os.path.join(cache, "peer-venv", "bin", "python"), help="the peer's Python (bench/setup.sh's venv)")
    ap.add_argument("--threads", type=int, action="append", help="thread counts (default 1 and 2)")
    ap.add_argument("--case", type=int, action="append", help="1-based cases (default all)")
    ap.add_argument("--train-episodes", type=int, default=100)
    ap.add_argument("--eval-episodes", type=int, default=200)
    ap.add_argument("--pretrain", action="store_true", help="time the pretraining stage's supervised step (relnet bench pretrain, peer.py --pretrain) instead")
    ap.add_argument("--steps", type=int, default=20, help="--pretrain: timed steps per process")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--peer", action="append", choices=sorted(set(PEERS) | set(PRETRAIN_PEERS)),
                    help=f"peers to time (default all): {', '.join(PEERS)}; with --pretrain {', '.join(PRETRAIN_PEERS)}")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--markdown", default=os.environ.get("RELNET_BENCH_MARKDOWN"), help="also append the table as Markdown here")
    ap.add_argument("--jsonl", help="append every raw result line here")
    args = ap.parse_args()
    mode = PRETRAIN if args.pretrain else EPISODIC
    if args.pretrain and args.precision != "fp32":
        ap.error("--pretrain times fp32 only")
    if any(p not in mode["peers"] for p in args.peer or []):
        ap.error(f"--peer: want {' or '.join(mode['peers'])}{' with --pretrain' if args.pretrain else ''}")
    for path in (args.relnet, args.python):
        if not os.access(path, os.X_OK):
            sys.exit(f"compare: {path} is missing (make build; bash bench/setup.sh)")
    return args, mode


def sides(args, mode, c, th, peers, base, peer_env):
    """The processes of one (case, threads): relnet's, then each peer's, with their environments."""
    case = ["--case", str(c), "--threads", str(th)]
    if args.pretrain:
        steps = ["--steps", str(args.steps)]
        out = [("relnet", [args.relnet, "bench", "pretrain", "--json"] + case + steps, base)]
        return out + [(p, [args.python, os.path.join(HERE, "peer.py"), "--pretrain"] + case + mode["peers"][p] + steps, peer_env) for p in peers]
    episodes = ["--train-episodes", str(args.train_episodes), "--eval-episodes", str(args.eval_episodes)]
    bf16 = ["--bf16"] if args.precision == "bf16" else []
    out = [("relnet", [args.relnet, "bench", "--json", "--memory=false"] + case + ["--precision", args.precision] + episodes, base)]
    return out + [(p, [args.python, os.path.join(HERE, "peer.py")] + case + mode["peers"][p] + bf16 + episodes, peer_env) for p in peers]


def measure(args, mode, threads, cases, peers):
    """Runs every (case, threads) on every side, args.repeats times, the sides' order flipped
    in every second repeat; returns the result lines by (impl, case, threads) and what the
    loader parsed of the peer's malloc settings."""
    base = {k: v for k, v in os.environ.items() if k not in ("GLIBC_TUNABLES", "RELNET_MALLOC", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    peer_env = dict(base, GLIBC_TUNABLES=TUNABLES)
    parsed = check_tunables(peer_env)
    runs = {}  # (impl, case, threads) → [result lines]
    for r in range(args.repeats):
        for th in threads:
            for c in cases:
                procs = sides(args, mode, c, th, peers, base, peer_env)
                for impl, cmd, env in procs if r % 2 == 0 else procs[::-1]:
                    line = run_json(cmd, env)[-1]
                    if impl != "relnet" and (not line["malloc"]["on_heap"] or line["malloc"]["trimmed"] or line["malloc"]["top_pad_mb"] < 63):
                        sys.exit(f"compare: the peer's malloc settings did not take effect: {line['malloc']}")
                    line["repeat"], line["load1"], line["impl"] = r + 1, os.getloadavg()[0], impl
                    name = mode["cases"][c - 1]
                    runs.setdefault((impl, name, th), []).append(line)
                    rates = ", ".join(f"{label} {line[key]:.2f}" for label, key, _ in mode["rates"])
                    print(f"[{r + 1}/{args.repeats}] {impl:13} {name} {args.precision}, {th} threads: {rates}, "
                          f"peak RSS {line['peak_rss_mb']:.0f} MB (load {line['load1']:.2f})", file=sys.stderr, flush=True)
                    if args.jsonl:
                        with open(args.jsonl, "a") as f:
                            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    return runs, parsed


def summarize(args, mode, runs, threads, cases, peers):
    """The table's head, its rows of medians and its rows of min–max spreads: per rate, relnet's,
    the peer's and their ratio (per repeat, between the two processes of the same round), then
    both peak RSS."""
    head = ["case", "threads", "peer"]
    for label, _, ratio in mode["rates"]:
        head += [f"relnet {label}", f"peer {label}", ratio]
    head += ["relnet peak RSS MB", "peer peak RSS MB"]
    rows, spread = [], []
    for th in threads:
        for c in cases:
            for p in peers:
                a, b = runs[("relnet", mode["cases"][c - 1], th)], runs[(p, mode["cases"][c - 1], th)]
                row = [f"{mode['cases'][c - 1]} {args.precision}", str(th), p]
                rows.append(list(row))
                spread.append(row)
                for key in [key for _, key, _ in mode["rates"]] + ["peak_rss_mb"]:
                    x, y = [v[key] for v in a], [v[key] for v in b]
                    f = "{:.0f}" if key == "peak_rss_mb" else "{:.2f}"
                    rows[-1] += [f.format(statistics.median(x)), f.format(statistics.median(y))]
                    spread[-1] += [fmt_range(x, f), fmt_range(y, f)]
                    if key != "peak_rss_mb":
                        ratio = [u / v for u, v in zip(x, y)]
                        rows[-1].append(f"{statistics.median(ratio):.2f}×")
                        spread[-1].append(fmt_range(ratio) + "×")
    return head, rows, spread


def report(args, head, rows, spread, what, started, parsed):
    """Prints the tables and appends them to args.markdown as Markdown."""
    widths = [max(len(x) for x in col) for col in zip(head, *rows, *spread)]
    text = lambda row: "  ".join(x.ljust(w) for x, w in zip(row, widths)).rstrip()
    print("\n" + "\n".join([text(head)] + [text(r) for r in rows]))
    if args.repeats > 1:
        print(f"\nmin–max over {args.repeats} repeats:\n" + "\n".join([text(head)] + [text(r) for r in spread]))
    print("\n" + what)
    if args.markdown:
        md = lambda rs: "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rs])
        parts = [f"relnet vs PyTorch peer, {started:%Y-%m-%d %H:%M}: {what}.", "", "Medians:", "", md(rows)]
        if args.repeats > 1:
            parts += ["", f"Min–max over {args.repeats} repeats:", "", md(spread)]
        parts += ["", f"malloc on both sides: {TUNABLES.replace(':', ', ')} (loader read: {parsed or 'not checked'})", ""]
        with open(args.markdown, "a") as f:
            f.write("\n".join(parts))


def main():
    args, mode = parse_args()
    threads, cases = args.threads or [1, 2], args.case or list(range(1, len(mode["cases"]) + 1))
    peers = args.peer or list(mode["peers"])
    started, load_start = datetime.datetime.now(), os.getloadavg()
    runs, parsed = measure(args, mode, threads, cases, peers)
    load_end = os.getloadavg()
    head, rows, spread = summarize(args, mode, runs, threads, cases, peers)
    first = runs[("relnet", mode["cases"][cases[0] - 1], threads[0])][0]
    per_process = (f"{args.steps} timed steps of {first['batch']} images per process after the untimed warm-up" if args.pretrain
                   else f"{args.train_episodes} training and {args.eval_episodes} evaluation episodes per process")
    what = (f"{per_process}, {args.repeats} repeat(s), ratios = relnet / peer; load average {load_start[0]:.2f} {load_start[1]:.2f} "
            f"{load_start[2]:.2f} at the start, {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f} at the end, {os.cpu_count()} CPUs; {stamp(args.relnet)}")
    report(args, head, rows, spread, what, started, parsed)


if __name__ == "__main__":
    main()
