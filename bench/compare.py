"""Side-by-side benchmark of relnet and its PyTorch peers (bench/peer.py), issues #5 and #14.

    python3 bench/compare.py [--relnet bin/relnet] [--threads 1 --threads 2] [--repeats 1]
                             [--peer paper --peer paper-cl --peer relnet-cl] [--precision fp32]
                             [--train-episodes 100] [--eval-episodes 200] [--markdown FILE]

The peers (PEERS): "paper", the LearningToCompare_FSL-style network as users run it today
(concatenated pairs, NCHW); "paper-cl", the same in channels_last, the setting an expert adds
on this CPU; "relnet-cl", relnet's own formulation (split first conv, summed K-shot maps, its
evaluation max-pool) in channels_last, so that its ratio measures the framework alone. With
--precision bf16, relnet runs train.precision = "bf16" and every peer torch.autocast to bf16.

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


def fmt_range(values, f="{:.2f}"):
    return f.format(min(values)) + "–" + f.format(max(values))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--relnet", default=os.path.join(ROOT, "bin", "relnet"))
    cache = os.environ.get("RELNET_CACHE", os.path.expanduser("~/.cache/relnet"))
    ap.add_argument("--python", default=os.path.join(cache, "peer-venv", "bin", "python"), help="the peer's Python (bench/setup.sh's venv)")
    ap.add_argument("--threads", type=int, action="append", help="thread counts (default 1 and 2)")
    ap.add_argument("--case", type=int, action="append", help="1-based cases (default all)")
    ap.add_argument("--train-episodes", type=int, default=100)
    ap.add_argument("--eval-episodes", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--peer", action="append", choices=sorted(PEERS), help="peers to time (default all)")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--markdown", default=os.environ.get("RELNET_BENCH_MARKDOWN"), help="also append the table as Markdown here")
    ap.add_argument("--jsonl", help="append every raw result line here")
    args = ap.parse_args()
    threads, cases = args.threads or [1, 2], args.case or list(range(1, len(CASES) + 1))
    for path in (args.relnet, args.python):
        if not os.access(path, os.X_OK):
            sys.exit(f"compare: {path} is missing (make build; bash bench/setup.sh)")

    base = {k: v for k, v in os.environ.items() if k not in ("GLIBC_TUNABLES", "RELNET_MALLOC", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    peer_env = dict(base, GLIBC_TUNABLES=TUNABLES)
    parsed = check_tunables(peer_env)
    episodes = ["--train-episodes", str(args.train_episodes), "--eval-episodes", str(args.eval_episodes)]
    started, load_start = datetime.datetime.now(), os.getloadavg()
    peers = args.peer or list(PEERS)
    precision = ["--precision", args.precision]
    bf16 = ["--bf16"] if args.precision == "bf16" else []
    runs = {}  # (impl, case, threads) → [result lines]
    for r in range(args.repeats):
        for th in threads:
            for c in cases:
                sides = [("relnet", [args.relnet, "bench", "--json", "--memory=false", "--case", str(c), "--threads", str(th)] + precision + episodes, base)]
                sides += [(p, [args.python, os.path.join(HERE, "peer.py"), "--case", str(c), "--threads", str(th)] + PEERS[p] + bf16 + episodes, peer_env)
                          for p in peers]
                for impl, cmd, env in sides if r % 2 == 0 else sides[::-1]:
                    line = run_json(cmd, env)[-1]
                    if impl != "relnet" and (not line["malloc"]["on_heap"] or line["malloc"]["trimmed"] or line["malloc"]["top_pad_mb"] < 63):
                        sys.exit(f"compare: the peer's malloc settings did not take effect: {line['malloc']}")
                    line["repeat"], line["load1"], line["impl"] = r + 1, os.getloadavg()[0], impl
                    runs.setdefault((impl, CASES[c - 1], th), []).append(line)
                    print(f"[{r + 1}/{args.repeats}] {impl:9} {CASES[c - 1]} {args.precision}, {th} threads: train {line['train_eps']:.2f}/s, eval {line['eval_eps']:.2f}/s, "
                          f"peak RSS {line['peak_rss_mb']:.0f} MB (load {line['load1']:.2f})", file=sys.stderr, flush=True)
                    if args.jsonl:
                        with open(args.jsonl, "a") as f:
                            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    load_end = os.getloadavg()

    head = ["case", "threads", "peer", "relnet train ep/s", "peer train ep/s", "train ratio", "relnet eval ep/s", "peer eval ep/s", "eval ratio",
            "relnet peak RSS MB", "peer peak RSS MB"]
    rows, spread = [], []
    for th in threads:
        for c in cases:
            for p in peers:
                a, b = runs[("relnet", CASES[c - 1], th)], runs[(p, CASES[c - 1], th)]
                get = lambda side, k: [x[k] for x in side]
                ratio = lambda k: [x[k] / y[k] for x, y in zip(a, b)]  # per repeat: the two ran in the same round
                med = statistics.median
                name = f"{CASES[c - 1]} {args.precision}"
                rows.append([name, str(th), p, f"{med(get(a, 'train_eps')):.2f}", f"{med(get(b, 'train_eps')):.2f}", f"{med(ratio('train_eps')):.2f}×",
                             f"{med(get(a, 'eval_eps')):.2f}", f"{med(get(b, 'eval_eps')):.2f}", f"{med(ratio('eval_eps')):.2f}×",
                             f"{med(get(a, 'peak_rss_mb')):.0f}", f"{med(get(b, 'peak_rss_mb')):.0f}"])
                spread.append([name, str(th), p, fmt_range(get(a, "train_eps")), fmt_range(get(b, "train_eps")), fmt_range(ratio("train_eps")) + "×",
                               fmt_range(get(a, "eval_eps")), fmt_range(get(b, "eval_eps")), fmt_range(ratio("eval_eps")) + "×",
                               fmt_range(get(a, "peak_rss_mb"), "{:.0f}"), fmt_range(get(b, "peak_rss_mb"), "{:.0f}")])

    widths = [max(len(x) for x in col) for col in zip(head, *rows, *spread)]
    text = lambda row: "  ".join(x.ljust(w) for x, w in zip(row, widths)).rstrip()
    what = (f"{args.train_episodes} training and {args.eval_episodes} evaluation episodes per process, {args.repeats} repeat(s), "
            f"ratios = relnet / peer; load average {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f} at the start, "
            f"{load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f} at the end, {os.cpu_count()} CPUs")
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


if __name__ == "__main__":
    main()
