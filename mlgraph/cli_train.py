r"""``mlgraph train``: train an MLP on a bundled dataset from the command line.

    mlgraph train --dataset moons --hidden 16,16 --activation tanh --loss bce \\
        --lr 0.1 --batch-size 32 --epochs 300 --seed 0 [--gradcheck] [--json]

`add_parser(subparsers)` registers the command; `run(args)` executes it and returns the
exit code (0 ok, 1 gradient check failed, 2 training diverged or bad arguments).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``train`` command to an ``argparse`` subparsers object."""
    from .datasets import DATASETS
    from .nn import HIDDEN_ACTIVATIONS

    p = subparsers.add_parser(
        "train",
        help="train an MLP on a toy dataset",
        description="Train an MLP with minibatch SGD on one of mlgraph's datasets and "
        "print the final metrics (and a gradient check).",
    )
    p.add_argument("--dataset", default="moons", choices=sorted(DATASETS))
    p.add_argument("--noise", type=float, default=None, help="dataset noise")
    p.add_argument("--n", type=int, default=None, help="number of examples")
    p.add_argument("--test-size", type=float, default=0.2)
    p.add_argument(
        "--hidden", default="16,16", help="hidden widths, e.g. 16,16 ('' for none)"
    )
    p.add_argument(
        "--activation", default="tanh", choices=list(HIDDEN_ACTIVATIONS)
    )
    p.add_argument("--init", default="auto", choices=["auto", "small", "xavier", "he"])
    p.add_argument("--loss", default="auto", choices=["auto", "bce", "ce", "mse"])
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument(
        "--schedule", default="constant", choices=["constant", "step", "exp", "inverse"]
    )
    p.add_argument("--batch-size", type=int, default=32, help="0 for full batch")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--l2", type=float, default=0.0)
    p.add_argument("--l1", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--float32", action="store_true", help="train in float32")
    p.add_argument(
        "--gradcheck",
        action="store_true",
        help="check gradients during training and fully at the end",
    )
    p.add_argument("--save", default=None, help="save to PATH.json + PATH.npz")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``mlgraph train``; returns the process exit code."""
    from .trainer import TrainingDiverged

    try:
        trainer = _trainer(args)
    except (ValueError, TypeError) as err:
        print(f"mlgraph train: {err}", file=sys.stderr)
        return 2
    if not args.json:
        print(f"{trainer.model} on {trainer.data}, loss {trainer.loss}, "
              f"lr {args.lr:g}, batch {args.batch_size or 'full'}")
    try:
        trainer.fit(args.epochs)
        diverged = None
    except TrainingDiverged as err:
        diverged = str(err)
    # NOTE: the final check is in float64 (central differences in float32 are only
    # good to ~1e-3), on 32 training examples, every entry.
    check = (trainer.check_gradients(mode="full", batch=32)
             if args.gradcheck and diverged is None else None)
    _report(trainer, check, args.json)
    if diverged is not None:
        print(f"mlgraph train: {diverged}", file=sys.stderr)
        return 2
    if args.save:
        path = trainer.save(args.save)
        if not args.json:
            print(f"saved {path} and {path.with_suffix('.npz')}")
    return 1 if check is not None and not check["passed"] else 0


def _trainer(args: argparse.Namespace) -> Any:
    """The dataset, model, optimizer and `Trainer` the arguments describe."""
    import numpy as np

    from . import datasets, nn
    from .trainer import Trainer, default_loss, output_width

    kwargs = {"seed": args.seed, "test_size": args.test_size}
    if args.noise is not None:
        kwargs["noise"] = args.noise
    if args.n is not None:
        kwargs["n"] = args.n
    data = datasets.load(args.dataset, **kwargs)
    hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
    loss = args.loss if args.loss != "auto" else default_loss(data.task)
    model = nn.MLP([data.n_features, *hidden, output_width(loss, data.n_classes)],
                   activation=args.activation, init=args.init, seed=args.seed,
                   dtype=np.float32 if args.float32 else np.float64)
    opt = nn.SGD(lr=args.lr, momentum=args.momentum, batch_size=args.batch_size or None,
                 schedule=args.schedule, seed=args.seed)
    return Trainer(model, data, loss=loss, optimizer=opt, l2=args.l2, l1=args.l1,
                   check_gradients_every=max(1, args.epochs // 10) if args.gradcheck
                   else None, progress=not (args.no_progress or args.json))


def _report(trainer: Any, check: dict | None, as_json: bool) -> None:
    """The final metrics (and gradient checks) as text or as one JSON line."""
    from .plain import jsonable

    history = trainer.history
    result: dict[str, Any] = {
        "train_accuracy": _last(history["train_accuracy"]),
        "test_accuracy": _last(history["test_accuracy"]),
        "final_loss": _last(history["train_loss"]),
        "gradcheck_max_rel_error": None if check is None else check["max_rel_error"],
    }
    if as_json:
        print(json.dumps(jsonable(result)))
        return
    loss = result["final_loss"]
    loss_text = "n/a" if loss is None else f"{loss:.4g}"
    print(f"epochs {trainer.epoch}: final loss {loss_text}, "
          f"train accuracy {_pct(result['train_accuracy'])}, "
          f"test accuracy {_pct(result['test_accuracy'])}")
    checks = history["gradcheck"]
    if checks:
        worst = max(checks, key=lambda r: r["max_rel_error"])
        print(f"gradient checks during training: {len(checks)}, all passed: "
              f"{all(r['passed'] for r in checks)}, worst relative error "
              f"{worst['max_rel_error']:.2e} ({worst['worst_parameter']}, epoch "
              f"{worst['epoch']})")
    if check is not None:
        print(check["report"])


def _last(xs: list) -> float | None:
    return float(xs[-1]) if xs else None


def _pct(v: float | None) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{100 * v:.1f}%"


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m mlgraph.cli_train --dataset moons``."""
    parser = argparse.ArgumentParser(prog="mlgraph")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "train":
        argv = ["train", *argv]
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
