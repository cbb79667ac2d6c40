"""Loss-surface grids: mlgraph's batched evaluation against per-point loops.

S1: a 51×51 filter-normalized random-plane surface of a 2-16-16-1 tanh MLP (BCE with
    logits, float64) on 200 two-moons points. Contenders, interleaved in one process:
    ``mlgraph.surface.random_plane`` (the traced graph evaluated once with a leading
    grid axis; its grid cache cleared before every call), a hand-written numpy loop
    re-evaluating the model at each grid point (the floor), the same mlgraph loss
    called once per point (eager primitives), and, if torch is installed, the
    reference code's approach (Li et al.'s loss-landscape code: set the weights and
    re-run the model with torch per point). Goals: ≤ 0.1 s, and no slower than the
    numpy loop.
S2: the skip / no-skip comparison: two 10-layer, 32-wide ReLU MLPs (one with skip
    connections) on 500 points, a 41×41 random plane each. Goal: both in ≤ 3 s.
    The one-call demo (`surface.architectures`: training both, then both surfaces)
    is timed beside it, not judged.

Every contender's grid is checked against mlgraph's (rtol 1e-9) before timing. The
machine is shared, so beside the wall-clock medians the CPU time of mlgraph's call
(time.process_time: the time it actually ran, not the time it waited for a core) is
measured; the absolute goals are judged on both and the report says which held.

    python benchmarks/bench_surface.py [--quick] [--json out.json] [--md out.md]
    python benchmarks/bench_surface.py --ab OLD_TREE [--old-label TEXT] [--md out.md]

``--ab OLD_TREE`` times mlgraph's S1 and S2 grids of another checkout (e.g. ``git
archive main | tar -x -C /tmp/old``) against this one's, interleaved in one process,
each tree's mlgraph imported under its own module objects: is a change within 3%?
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import _bench
import numpy as np

from mlgraph import datasets, nn, surface

S1_SIZES, S1_STEPS, S1_N = [2, 16, 16, 1], 51, 200
S2_DEPTH, S2_WIDTH, S2_N, S2_STEPS = 10, 32, 500, 41


def _grid(steps):
    a = np.linspace(-1.0, 1.0, steps)
    return a, a


def numpy_mlp_loss(params, X, y):
    """Hand-written forward pass and BCE with logits (tanh hidden layers)."""
    h = X
    for k in range(0, len(params) - 2, 2):
        h = np.tanh(h @ params[k] + params[k + 1])
    z = (h @ params[-2] + params[-1])[:, 0]
    return np.mean(np.logaddexp(0.0, z) - y * z)


def numpy_deep_loss(params, X, y, depth, skip):
    """Hand-written forward pass of nn.DeepMLP (ReLU, blocks of two) and BCE."""
    h = np.maximum(X @ params[0] + params[1], 0.0)
    hidden = list(range(1, depth - 1))
    for block in (hidden[i:i + 2] for i in range(0, len(hidden), 2)):
        z = h
        for j, k in enumerate(block):
            z = z @ params[2 * k] + params[2 * k + 1]
            if j < len(block) - 1:
                z = np.maximum(z, 0.0)
        h = np.maximum(z + h, 0.0) if skip else np.maximum(z, 0.0)
    z = (h @ params[-2] + params[-1])[:, 0]
    return np.mean(np.logaddexp(0.0, z) - y * z)


def loop(loss, params, d1, d2, steps):
    """The loss at every grid point, one model evaluation per point."""
    a, b = _grid(steps)
    out = np.empty((steps, steps))
    moving = [k for k in range(len(params)) if d1[k] is not None]
    for i, x in enumerate(a):
        for j, yv in enumerate(b):
            ps = list(params)
            for k in moving:
                ps[k] = params[k] + x * d1[k] + yv * d2[k]
            out[i, j] = loss(ps)
    return out


def torch_loop(params, d1, d2, X, y, steps):
    """Li et al.'s approach: set the weights for each point, re-run the model."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    P = [torch.from_numpy(p) for p in params]
    D1 = [None if d is None else torch.from_numpy(d) for d in d1]
    D2 = [None if d is None else torch.from_numpy(d) for d in d2]
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    a, b = _grid(steps)
    out = np.empty((steps, steps))
    with torch.no_grad():
        for i, x in enumerate(a):
            for j, yv in enumerate(b):
                ps = [p if d is None else p + x * d + yv * e
                      for p, d, e in zip(P, D1, D2, strict=True)]
                h = Xt
                for k in range(0, len(ps) - 2, 2):
                    h = torch.tanh(h @ ps[k] + ps[k + 1])
                z = (h @ ps[-2] + ps[-1])[:, 0]
                out[i, j] = float(F.binary_cross_entropy_with_logits(z, yt))
    return out


def s1_contenders():
    data = datasets.moons(n=S1_N, noise=0.2, seed=0, test_size=0.0)
    X, y = data.X_train, data.y_train.astype(np.float64)
    model = nn.MLP(S1_SIZES, activation="tanh", seed=0)
    loss = nn.make_loss(model, "bce")
    params = model.params
    d1, d2 = surface.random_directions(params, seed=0)

    def mg_batched():
        surface.clear_cache()
        return surface.random_plane(loss, params, X, y, steps=S1_STEPS, seed=0,
                                    progress=False).values

    def np_loop():
        return loop(lambda ps: numpy_mlp_loss(ps, X, y), params, d1, d2, S1_STEPS)

    def mg_loop():
        return loop(lambda ps: float(loss(*ps, X, y)), params, d1, d2, S1_STEPS)

    ref = mg_batched()
    cont = [("mlgraph.surface.random_plane (batched graph)", mg_batched),
            ("numpy loop, one forward pass per point (floor)", np_loop),
            ("mlgraph loss called per point (eager)", mg_loop)]
    try:
        import torch  # noqa: F401

        cont.append(("torch loop, weights set per point (reference code's way)",
                     lambda: torch_loop(params, d1, d2, X, y, S1_STEPS)))
    except ImportError:
        pass
    checks = {name: _bench.close(fn(), ref, 1e-9) for name, fn in cont}
    return cont, checks


def s2_contenders():
    data = datasets.spiral(n=int(S2_N / 0.8), noise=0.2, seed=0, n_classes=2)
    X, y = data.X_train[:S2_N], data.y_train[:S2_N].astype(np.float64)
    models = [nn.DeepMLP(2, S2_WIDTH, 1, depth=S2_DEPTH, skip=skip, seed=0)
              for skip in (False, True)]
    losses = [nn.make_loss(m, "bce") for m in models]
    dirs = [surface.random_directions(m.params, seed=0) for m in models]

    def mg_both():
        surface.clear_cache()
        return [surface.random_plane(f, m.params, X, y, steps=S2_STEPS, seed=0,
                                     progress=False).values
                for f, m in zip(losses, models, strict=True)]

    def np_both():
        return [loop(lambda ps, skip=m.skip: numpy_deep_loss(ps, X, y, S2_DEPTH, skip),
                     m.params, d[0], d[1], S2_STEPS)
                for m, d in zip(models, dirs, strict=True)]

    ref = mg_both()
    same = all(_bench.close(a, b, 1e-9) for a, b in zip(np_both(), ref, strict=True))
    checks = {"numpy loop grids match": same}
    return [("mlgraph: both surfaces (batched graph)", mg_both),
            ("numpy loop: both surfaces (floor)", np_both)], checks


def cpu_seconds(fn, repeats=5):
    """The median CPU time of fn (time it ran, excluding waits for a busy core)."""
    times = []
    for _ in range(repeats):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def demo_seconds(repeats):
    """The whole one-call demo: train both networks, then both surfaces."""
    times = []
    for _ in range(repeats):
        surface.clear_cache()
        t = time.perf_counter()
        surface.architectures(variants=(("plain", False, False), ("skip", True, False)),
                              depth=S2_DEPTH, width=S2_WIDTH, n=S2_N, grid=S2_STEPS,
                              progress=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def render_md(out) -> str:
    lines = ["# Loss-surface benchmarks", "",
             f"Run {out['env']['time_utc']}, Python {out['env']['python']}, numpy "
             f"{out['env']['numpy']}; one BLAS thread, pinned to CPU "
             f"{out['env']['cpu_pinned']}, contenders interleaved in rounds (medians; "
             "× ref is the median of per-round ratios). Load average at the end "
             f"{tuple(round(x, 2) for x in out['env']['loadavg'])}.", ""]
    for w in out["workloads"]:
        lines += [f"## {w['title']}", "", "| contender | median | × ref |",
                  "|---|---|---|"]
        for r in w["rows"]:
            ref = " *(ref)*" if r["contender"] == w["reference"] else ""
            lines.append(f"| {r['contender']}{ref} | {_bench.fmt_time(r['median_s'])} "
                         f"| {r['ratio']:.2f} |")
        goal = w["goal"]
        lines += ["", f"Checks: {w['checks']}", "",
                  f"mlgraph's CPU time (process_time, median): "
                  f"{_bench.fmt_time(w['cpu_s'])}.", "",
                  f"Goal: {goal['text']}: by wall clock "
                  f"**{'met' if goal['met_wall'] else 'missed'}**, by CPU time "
                  f"**{'met' if goal['met_cpu'] else 'missed'}**.", ""]
    lines += [f"The one-call demo (training both 10-layer networks, 200 full-batch "
              f"Adam steps each, then both surfaces): {out['demo_seconds']:.2f} s.", ""]
    return "\n".join(lines)


def tree_workloads(tree: str) -> dict:
    """S1 and S2's mlgraph grids, computed by the mlgraph of the checkout ``tree``."""
    for name in [m for m in sys.modules if m.split(".")[0] == "mlgraph"]:
        del sys.modules[name]
    sys.path.insert(0, tree)
    try:
        from mlgraph import datasets, nn, surface

        assert surface.__file__.startswith(os.path.abspath(tree)), surface.__file__
    finally:
        del sys.path[0]
    data = datasets.moons(n=S1_N, noise=0.2, seed=0, test_size=0.0)
    X1, y1 = data.X_train, data.y_train.astype(np.float64)
    m1 = nn.MLP(S1_SIZES, activation="tanh", seed=0)
    f1 = nn.make_loss(m1, "bce")
    data = datasets.spiral(n=int(S2_N / 0.8), noise=0.2, seed=0, n_classes=2)
    X2, y2 = data.X_train[:S2_N], data.y_train[:S2_N].astype(np.float64)
    m2 = [nn.DeepMLP(2, S2_WIDTH, 1, depth=S2_DEPTH, skip=skip, seed=0)
          for skip in (False, True)]
    f2 = [nn.make_loss(m, "bce") for m in m2]

    def s1():
        surface.clear_cache()
        return surface.random_plane(f1, m1.params, X1, y1, steps=S1_STEPS, seed=0,
                                    progress=False).values

    def s2():
        surface.clear_cache()
        return [surface.random_plane(f, m.params, X2, y2, steps=S2_STEPS, seed=0,
                                     progress=False).values
                for f, m in zip(f2, m2, strict=True)]

    return {"S1": s1, "S2": s2}


def cpu_ratio(old, new, rounds: int) -> float:
    """The median over rounds of new's CPU time over old's, the order alternating."""
    ratios = []
    for r in range(rounds):
        times = {}
        for name, fn in (("old", old), ("new", new))[:: 1 if r % 2 else -1]:
            t = time.process_time()
            fn()
            times[name] = time.process_time() - t
        ratios.append(times["new"] / times["old"])
    return statistics.median(ratios)


def ab(old_tree: str, rounds: int, quick: bool, md: str | None,
       old_label: str | None = None) -> list[dict]:
    """Old and new mlgraph on S1 and S2, interleaved: the median new/old ratio."""
    new_tree = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    old, new = tree_workloads(old_tree), tree_workloads(new_tree)
    cpu = _bench.pin_cpu()
    rows = []
    for name in ("S1", "S2"):
        same = _bench.close(old[name](), new[name](), 1e-12)
        raw = _bench.measure([("old", old[name]), ("new", new[name])],
                             rounds=rounds, quick=quick, min_block_s=0.3,
                             warmup_s=0.3)
        by = {r["contender"]: r for r in _bench.summarize(raw, "old")}
        q1, q3 = _bench._quartiles(by["new"]["ratios"])
        cpu_r = cpu_ratio(old[name], new[name], rounds * (4 if name == "S1" else 1))
        rows.append({"workload": name, "old_s": by["old"]["median_s"],
                     "new_s": by["new"]["median_s"], "ratio": by["new"]["ratio"],
                     "iqr": (q1, q3), "same_grid": same, "cpu_ratio": cpu_r})
        print(f"{name}: old {_bench.fmt_time(by['old']['median_s'])}, new "
              f"{_bench.fmt_time(by['new']['median_s'])}, new/old "
              f"{by['new']['ratio']:.3f} (IQR {q1:.3f}–{q3:.3f}), CPU time new/old "
              f"{cpu_r:.3f}, same grid: {same}", flush=True)
    if md:
        env = _bench.env_info()
        head = subprocess.run(["git", "-C", new_tree, "log", "-1", "--format=%h %s"],
                              capture_output=True, text=True).stdout.strip()
        lines = [f"# Loss-surface grids: this checkout ({head[:60]}…) against "
                 f"{old_label or old_tree}", "",
                 f"One process, {rounds} interleaved rounds, CPU {cpu}, Python "
                 f"{env['python']}, numpy {env['numpy']}, load average at the end "
                 f"{tuple(round(x, 2) for x in os.getloadavg())} ({env['time_utc']}).",
                 "", "| workload | old (median) | new (median) | new / old | IQR of "
                 "ratios | CPU time new / old | same grid |",
                 "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['workload']} | {_bench.fmt_time(r['old_s'])} | "
                  f"{_bench.fmt_time(r['new_s'])} | {r['ratio']:.3f} | "
                  f"{r['iqr'][0]:.3f}–{r['iqr'][1]:.3f} | {r['cpu_ratio']:.3f} | "
                  f"{r['same_grid']} |" for r in rows]
        lines += ["", "Wall-clock medians are interleaved block by block "
                  "(`_bench.measure`); the CPU-time ratio (time.process_time, the "
                  "time each actually ran on the shared machine) is the median of "
                  "per-round ratios, old and new alternating."]
        with open(md, "w") as fh:
            fh.write("\n".join(lines) + "\n")
    return rows


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--md", default=None)
    ap.add_argument("--ab", default=None, metavar="OLD_TREE",
                    help="time this checkout's grids against another checkout's")
    ap.add_argument("--old-label", default=None, help="what OLD_TREE is, for --md")
    args = ap.parse_args(argv)
    if args.ab:
        return ab(args.ab, args.rounds or (3 if args.quick else 15), args.quick,
                  args.md, args.old_label)
    rounds = args.rounds or (3 if args.quick else 7)
    cpu = _bench.pin_cpu()
    workloads = []
    cont, checks = s1_contenders()
    print(f"pinned to CPU {cpu}; S1 checks: {checks}")
    raw = _bench.measure(cont, rounds=rounds, quick=args.quick, min_block_s=0.3,
                         warmup_s=0.3)
    ref = cont[1][0]
    rows = _bench.summarize(raw, ref)
    _bench.print_table("S1 51×51 random plane, 2-16-16-1 tanh, 200 points", rows, ref)
    mine, cpu = rows[0], cpu_seconds(cont[0][1])
    faster = mine["ratio"] <= 1.0
    print(f"mlgraph CPU time per grid: {cpu * 1e3:.1f} ms")
    workloads.append({"id": "S1", "title": "S1: 51×51 filter-normalized random plane, "
                      "2-16-16-1 tanh MLP, BCE, 200 points, float64", "reference": ref,
                      "checks": checks, "rows": rows, "cpu_s": cpu,
                      "goal": {"text": "≤ 0.1 s and ≤ 1.0 × the numpy loop",
                               "met_wall": mine["median_s"] <= 0.1 and faster,
                               "met_cpu": cpu <= 0.1 and faster}})
    cont, checks = s2_contenders()
    print(f"S2 checks: {checks}")
    raw = _bench.measure(cont, rounds=max(3, rounds // 2), quick=args.quick,
                         min_block_s=0.01, warmup_s=0.01)
    ref = cont[1][0]
    rows = _bench.summarize(raw, ref)
    _bench.print_table("S2 skip / no-skip, 10-layer 32-wide, 500 points, 41×41", rows,
                       ref)
    cpu = cpu_seconds(cont[0][1], 3)
    print(f"mlgraph CPU time for both grids: {cpu:.2f} s")
    workloads.append({"id": "S2", "title": "S2: skip / no-skip comparison, two "
                      "10-layer 32-wide ReLU MLPs, 500 points, 41×41 each",
                      "reference": ref, "checks": checks, "rows": rows, "cpu_s": cpu,
                      "goal": {"text": "both surfaces ≤ 3 s",
                               "met_wall": rows[0]["median_s"] <= 3.0,
                               "met_cpu": cpu <= 3.0}})
    demo = demo_seconds(1 if args.quick else 3)
    print(f"one-call demo (train both + both surfaces): {demo:.2f} s")
    out = {"workloads": workloads, "demo_seconds": demo}
    _bench.write_json(args.json, out)
    if args.md:
        out["env"] = _bench.env_info()
        with open(args.md, "w") as fh:
            fh.write(render_md(out))
    return out


if __name__ == "__main__":
    main()
