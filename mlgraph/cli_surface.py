r"""``mlgraph surface``: train an MLP, then draw its loss surface and training path.

    mlgraph surface --dataset moons --hidden 8 --directions random --grid 41 \\
        -o surface.png [--json]

``--directions`` is ``random`` (filter-normalized), ``pca`` (the training path's own
plane) or ``params:W1[0,0],b2[0]`` (two entries). ``--json`` prints the grid
(``alphas``, ``betas``, ``values``), the centre loss and the seconds taken.
`add_parser(subparsers)` registers the command; `run(args)` returns the exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``surface`` command to an ``argparse`` subparsers object."""
    from .datasets import DATASETS
    from .nn import OPTIMIZERS

    p = subparsers.add_parser(
        "surface", help="train an MLP and plot its loss surface",
        description="Train an MLP on one of mlgraph's datasets, then compute its loss "
        "on a plane through the trained parameters (random filter-normalized "
        "directions, the training path's principal directions, or two chosen "
        "entries), and draw it with the training path.")
    p.add_argument("--dataset", default="moons", choices=sorted(DATASETS))
    p.add_argument("--n", type=int, default=200, help="number of examples")
    p.add_argument("--noise", type=float, default=None, help="dataset noise")
    p.add_argument("--hidden", default="8", help="hidden widths, e.g. 16,16")
    p.add_argument("--activation", default="tanh",
                   choices=["tanh", "relu", "sigmoid", "identity"])
    p.add_argument("--loss", default="auto", choices=["auto", "bce", "ce", "mse"])
    p.add_argument("--optimizer", default="sgd", choices=sorted(OPTIMIZERS))
    p.add_argument("--lr", type=float, default=0.3)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--batch-size", type=int, default=32, help="0 for full batch")
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--directions", default="random",
                   help="random, pca, or params:NAME[i,j],NAME[k] (e.g. "
                   "params:W1[0,0],b2[0])")
    p.add_argument("--grid", type=int, default=41, help="grid points per axis")
    p.add_argument("--span", type=float, default=None,
                   help="half-width of the plane (default 1 for random, 2 for params)")
    p.add_argument("--normalize", default="filter", choices=["filter", "layer", "none"],
                   help="direction normalization for random planes")
    p.add_argument("-o", "--output", default=None,
                   help="write the figure (PNG, SVG or PDF)")
    p.add_argument("--log", action="store_true", help="colour by log(loss)")
    p.add_argument("--3d", dest="three_d", action="store_true", help="a 3-D surface")
    p.add_argument("--json", action="store_true", help="print the grid as JSON")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
    return p


def _which(spec: str) -> tuple[str, str]:
    """``"params:W1[0,0],b2[0]"`` → ("W1[0,0]", "b2[0]") (commas inside [] kept)."""
    body = spec.partition(":")[2]
    parts, depth, cur = [], 0, ""
    for ch in body:
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    parts = [q.strip() for q in parts if q.strip()]
    if len(parts) != 2:
        raise ValueError(f"--directions {spec!r} needs two entries after 'params:', "
                         "e.g. params:W1[0,0],b2[0].")
    return parts[0], parts[1]


def run(args: argparse.Namespace) -> int:
    """Run ``mlgraph surface``; returns the process exit code."""
    from . import datasets, nn, surface
    from .trainer import Trainer, TrainingDiverged, default_loss, output_width

    kind = args.directions.partition(":")[0]
    if kind not in ("random", "pca", "params"):
        raise ValueError(f"--directions must be random, pca or params:…, got "
                         f"{args.directions!r}.")
    which = _which(args.directions) if kind == "params" else None
    if args.grid < 2:
        raise ValueError(f"--grid must be at least 2, got {args.grid}.")
    kwargs = {"seed": args.seed, "n": args.n}
    if args.noise is not None:
        kwargs["noise"] = args.noise
    data = datasets.load(args.dataset, **kwargs)
    hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
    loss_name = args.loss if args.loss != "auto" else default_loss(data.task)
    n_out = output_width(loss_name, data.n_classes)
    model = nn.MLP([data.n_features, *hidden, n_out], activation=args.activation,
                   seed=args.seed)
    opt = nn.make_optimizer(args.optimizer, lr=args.lr, momentum=args.momentum,
                            batch_size=args.batch_size or None, seed=args.seed)
    quiet = args.no_progress or args.json
    trainer = Trainer(model, data, loss=loss_name, optimizer=opt, record="epoch",
                      progress=not quiet)
    t0 = time.perf_counter()
    try:
        trainer.fit(args.epochs)
    except TrainingDiverged as err:
        print(f"mlgraph surface: {err}", file=sys.stderr)
        return 2
    train_seconds = time.perf_counter() - t0
    f = trainer.objective
    X, y = trainer.X_train, trainer.y_train
    progress = False if quiet else None
    if kind == "random":
        s = surface.random_plane(f, model.params, X, y, steps=args.grid,
                                 span=args.span or 1.0, seed=args.seed,
                                 normalize=None if args.normalize == "none"
                                 else args.normalize, progress=progress)
    elif kind == "pca":
        s = surface.pca_plane(f, trainer, X, y, steps=args.grid, progress=progress)
    else:
        s = surface.params_plane(f, model.params, X, y, which=which,
                                 span=args.span or 2.0, steps=args.grid,
                                 progress=progress)
    path = s.trajectory if s.trajectory is not None else s.project(trainer)
    if args.output:
        _figure(s, path, args)
    if args.json:
        out = {"dataset": args.dataset, "model": model.sizes, "directions": kind,
               **s.to_json(), "train_seconds": train_seconds,
               "train_loss": trainer.history["train_loss"][-1],
               "trajectory": {"coords": path.coords.tolist(),
                              "residuals": path.residuals.tolist(),
                              "epochs": trainer.trajectory.epochs}}
        if args.output:
            out["output"] = args.output
        json.dump(out, sys.stdout)
        print()
        return 0
    print(f"{model} on {data}: trained {args.epochs} epochs in {train_seconds:.2f} s, "
          f"final train loss {trainer.history['train_loss'][-1]:.4g}")
    print(f"{s.kind} plane {len(s.alphas)}×{len(s.betas)} ({s.labels[0]} × "
          f"{s.labels[1]}): loss {s.values.min():.4g} … {s.values.max():.4g}, centre "
          f"{s.center_loss:.4g}, {s.seconds:.3f} s")
    if s.explained_variance is not None:
        ev = s.explained_variance
        print(f"explained variance of the path: PC1 {ev[0]:.1%}, PC2 {ev[1]:.1%}")
    print(f"training path: largest distance from the plane "
          f"{path.residuals.max():.3g}")
    for note in s.notes:
        print(f"note: {note}")
    if args.output:
        print(f"wrote {args.output}")
    return 0


def _figure(s: Any, path: Any, args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from . import plots

    if args.three_d:
        ax = plots.plot_surface_3d(s, log=args.log or None)
    else:
        ax = plots.plot_surface(s, log=args.log or None)
        off = path.residuals.max()
        where = f", up to {off:.2g} off the plane" if off > 1e-9 else ""
        plots.plot_path(path, ax, color=plots.PATH_COLORS[0],
                        label=f"training path ({len(path.coords) - 1} epochs{where})")
        ax.legend(loc="best", fontsize=9)
    ax.figure.savefig(args.output, dpi=150)
