"""Benchmark of the CPM engine against a straightforward networkx loop.

Run from the repository root (projtrack installed, e.g. ``pip install -e '.[fast,pandas]'``)::

    python benchmarks/cpm.py --sizes 1e3,1e4,1e5,1e6 --repeat 3

Each size runs in its own subprocess (so peak memory is per size). For each
network it measures, with the median over ``--repeat`` runs:

* ``build``: constructing the :class:`projtrack.Project` (activities, links,
  validation, topological order); measured once;
* ``compile``: the project to arrays (:func:`projtrack._compile.compile_project`);
* ``schedule``: :func:`projtrack.schedule` right after compiling (options,
  calendars, horizon, forward/backward/free-float/longest-path passes,
  floats and critical flags);
* ``again``: scheduling the compiled project again with the same options;
* ``e2e``: compile + schedule, i.e. from a built project to float and
  critical flags;
* ``pandas``: ``Schedule.to_pandas()``;
* ``recompute``: ``Schedule.with_durations`` after one duration change;
* ``nx loop``: a plain CPM over a ``networkx.MultiDiGraph`` (topological
  sort, then Python loops over the edges; days, no calendars), timed on the
  same network, skipped above ``--nx-max`` activities;
* ``peak MB``: peak resident memory of the subprocess (``ru_maxrss``),
  building the project included.

Networks: ``wide`` has activities in parallel streams (work fronts) of 400
steps, each linked to the previous step (70 % FS, 12 % SS, 12 % FF, 6 % SF;
30 % with a lag of -2..5 days) and to one activity a few steps back in a
neighbouring stream: about 2 links per activity, depth about 400, a finish
about 9 years out. Durations are 1..10 days (3 % zero-duration). Two
calendars: 70 % of the streams work on ``standard`` (weekends, lunch hour),
30 % on ``7d``, so about 20 % of the links join activities on different
calendars (``--mix activity`` draws the calendar per activity instead: about
40 % of the links then cross calendars, which is slower). ``deep`` is the
same with two streams, so about N/2 levels, and durations in hours.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

TYPES = ("FS",) * 70 + ("SS",) * 12 + ("FF",) * 12 + ("SF",) * 6


def generate(
    n: int, *, steps: int = 400, hours: bool = False, seed: int = 1, mix: str = "stream"
) -> dict[str, Any]:
    """Arrays describing a random network (see the module docstring)."""
    rng = random.Random(seed)
    steps = max(2, min(steps, n))
    streams = (n + steps - 1) // steps
    stream_cal = ["standard" if rng.random() < 0.7 else "7d" for _ in range(streams)]
    durations = []
    calendars = []
    for i in range(n):
        if rng.random() < 0.03:
            durations.append(0)
        else:
            durations.append(rng.randint(1, 8) if hours else rng.randint(1, 10))
        if mix == "stream":
            calendars.append(stream_cal[i // steps])
        else:
            calendars.append("standard" if rng.random() < 0.7 else "7d")
    preds: list[int] = []
    succs: list[int] = []
    types: list[str] = []
    lags: list[int] = []

    def link(a: int, b: int) -> None:
        preds.append(a)
        succs.append(b)
        types.append(rng.choice(TYPES))
        lags.append(rng.randint(-2, 5) if rng.random() < 0.3 else 0)

    for i in range(n):
        s, t = divmod(i, steps)
        if t == 0:
            continue
        link(i - 1, i)
        s2 = min(streams - 1, max(0, s + rng.randint(-3, 3)))
        t2 = max(0, t - rng.randint(1, 5))
        j = s2 * steps + t2
        if j < n and j != i - 1:
            link(j, i)
        elif t >= 2:
            link(i - 2, i)
    return {"durations": durations, "calendars": calendars, "preds": preds, "succs": succs,
            "types": types, "lags": lags, "hours": hours}


def build_project(net: dict[str, Any]) -> Any:
    import pendulum

    import projtrack as pt

    unit = "h" if net["hours"] else "d"
    acts = [
        pt.Activity(id=i, duration=d, duration_unit=unit, calendar=c)
        for i, (d, c) in enumerate(zip(net["durations"], net["calendars"], strict=True))
    ]
    links = [
        pt.Link(pred=a, succ=b, type=t, lag=lag, lag_unit=unit)
        for a, b, t, lag in zip(net["preds"], net["succs"], net["types"], net["lags"],
                                strict=True)
    ]
    return pt.Project(id="bench", start=pendulum.Date(2024, 1, 1), calendar="standard",
                      activities=acts, links=links)


def nx_graph(net: dict[str, Any]) -> Any:
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_nodes_from((i, {"d": d}) for i, d in enumerate(net["durations"]))
    G.add_edges_from(
        (a, b, {"type": t, "lag": lag})
        for a, b, t, lag in zip(net["preds"], net["succs"], net["types"], net["lags"],
                                strict=True)
    )
    return G


def nx_cpm(G: Any) -> tuple[dict[Any, float], dict[Any, bool]]:
    """The straightforward CPM everybody writes first: networkx + Python loops (days)."""
    import networkx as nx

    order = list(nx.topological_sort(G))
    es: dict[Any, float] = {}
    for v in order:
        d = G.nodes[v]["d"]
        best = 0.0
        for u, _, data in G.in_edges(v, data=True):
            t, lag = data["type"], data["lag"]
            if t == "FS":
                b = es[u] + G.nodes[u]["d"] + lag
            elif t == "SS":
                b = es[u] + lag
            elif t == "FF":
                b = es[u] + G.nodes[u]["d"] + lag - d
            else:
                b = es[u] + lag - d
            best = max(best, b)
        es[v] = best
    finish = max(es[v] + G.nodes[v]["d"] for v in G)
    ls: dict[Any, float] = {}
    for v in reversed(order):
        d = G.nodes[v]["d"]
        best = finish - d
        for _, w, data in G.out_edges(v, data=True):
            t, lag = data["type"], data["lag"]
            if t == "FS":
                b = ls[w] - lag - d
            elif t == "SS":
                b = ls[w] - lag
            elif t == "FF":
                b = ls[w] + G.nodes[w]["d"] - lag - d
            else:
                b = ls[w] + G.nodes[w]["d"] - lag
            best = min(best, b)
        ls[v] = best
    tf = {v: ls[v] - es[v] for v in G}
    return tf, {v: tf[v] <= 0 for v in G}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure(n: int, variant: str, repeat: int, nx_max: int, mix: str) -> dict[str, Any]:
    """Run one size in this process and return the timings."""
    import gc

    import projtrack as pt
    from projtrack import _compile, _kernel

    jit = _kernel.kernels(10**9)  # load (or compile) the numba kernels once, timed
    warmup = jit.compile_seconds
    pt.schedule(build_project(generate(50)))  # first-call costs (plugins) outside the timing
    net = generate(n, steps=max(2, n // 2) if variant == "deep" else 400,
                   hours=variant == "deep", mix=mix)
    t0 = time.perf_counter()
    project = build_project(net)
    build = time.perf_counter() - t0
    links = len(net["preds"])
    target = n // 2
    target_duration = net["durations"][target]
    G = nx_graph(net) if n <= nx_max else None
    del net
    gc.collect()
    rows: dict[str, list[float]] = {k: [] for k in (
        "compile", "schedule", "again", "pandas", "recompute")}
    info: dict[str, Any] = {}
    for _ in range(repeat):
        project.__dict__.pop("_cpm_compiled", None)
        _compile._TABLES.clear()
        gc.collect()
        t0 = time.perf_counter()
        _compile.compile_project(project)
        t1 = time.perf_counter()
        sched = pt.schedule(project)
        t2 = time.perf_counter()
        pt.schedule(project)
        t3 = time.perf_counter()
        sched.to_pandas()
        t4 = time.perf_counter()
        sched.with_durations({target: target_duration + 3})
        t5 = time.perf_counter()
        info = {"engine": sched._run.kern.name, "finish": sched.finish.isoformat(),
                "critical": int(sched.critical.sum())}
        del sched
        rows["compile"].append(t1 - t0)
        rows["schedule"].append(t2 - t1)
        rows["again"].append(t3 - t2)
        rows["pandas"].append(t4 - t3)
        rows["recompute"].append(t5 - t4)
    out = {k: _median(v) for k, v in rows.items()}
    out["e2e"] = _median([c + s for c, s in zip(rows["compile"], rows["schedule"],
                                                strict=True)])
    out.update(n=n, variant=variant, build=build, links=links, warmup=warmup, **info)
    out["nx"] = float("nan")
    if G is not None:
        times = []
        for _ in range(max(1, min(repeat, 3))):
            t0 = time.perf_counter()
            nx_cpm(G)
            times.append(time.perf_counter() - t0)
        out["nx"] = _median(times)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _fmt(x: float) -> str:
    if x != x:
        return "-"
    return f"{x:.3f}" if x < 100 else f"{x:.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e3,1e4,1e5,1e6",
                    help="comma-separated numbers of activities (default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size (median reported)")
    ap.add_argument("--deep", default="1e5",
                    help="sizes of the deep (chain-like, N/2 levels) variant; '' for none")
    ap.add_argument("--nx-max", type=float, default=1e5,
                    help="largest size timed with the networkx loop (default: %(default)s)")
    ap.add_argument("--mix", choices=("stream", "activity"), default="stream",
                    help="calendar per stream (default) or per activity")
    ap.add_argument("--json", action="store_true", help="print raw results as JSON lines")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one size here
    args = ap.parse_args(argv)
    if args.one:
        n, variant = args.one.split(":")
        print(json.dumps(measure(int(float(n)), variant, args.repeat, int(args.nx_max),
                                 args.mix)))
        return 0
    jobs = [(int(float(s)), "wide") for s in args.sizes.split(",") if s]
    jobs += [(int(float(s)), "deep") for s in args.deep.split(",") if s]
    results = []
    for n, variant in jobs:
        cmd = [sys.executable, os.path.abspath(__file__), "--one", f"{n}:{variant}",
               "--repeat", str(args.repeat), "--nx-max", str(args.nx_max), "--mix", args.mix]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(res)
        if args.json:
            print(json.dumps(res))
    header = ("N", "variant", "links", "build", "compile", "schedule", "again", "e2e",
              "pandas", "recompute", "nx loop", "nx/e2e", "nx/recomp", "peak MB")
    print("  ".join(f"{h:>9}" for h in header))
    for r in results:
        ratio = r["nx"] / r["e2e"] if r["nx"] == r["nx"] else float("nan")
        rratio = r["nx"] / r["recompute"] if r["nx"] == r["nx"] else float("nan")
        cells = (f"{r['n']:.0e}", r["variant"], f"{r['links']}", _fmt(r["build"]),
                 _fmt(r["compile"]), _fmt(r["schedule"]), _fmt(r["again"]), _fmt(r["e2e"]),
                 _fmt(r["pandas"]), _fmt(r["recompute"]), _fmt(r["nx"]),
                 "-" if ratio != ratio else f"{ratio:.0f}x",
                 "-" if rratio != rratio else f"{rratio:.0f}x", f"{r['peak_mb']:.0f}")
        print("  ".join(f"{c:>9}" for c in cells))
    engines = sorted({r["engine"] for r in results})
    warm = max(r["warmup"] for r in results)
    print(f"\nseconds, median of {args.repeat}; engine: {', '.join(engines)}; numba kernel "
          f"load per process: {warm:.2f} s (from the on-disk cache; the first compile ever "
          "takes a few seconds); nx loop: calendar-free days, skipped above "
          f"{args.nx_max:.0e} activities ('-').")
    return 0


if __name__ == "__main__":
    sys.exit(main())
