"""A live MLP trainer for JupyterLab (anywidget): boundary, loss curves, network.

`TrainingWidget` holds synced traits only; the view (`mlgraph/assets/trainer_widget.js`,
a plain ES module, no bundler) draws them and writes the controls back into traits.
Training runs in the kernel with `mlgraph.trainer.Trainer`: ``play`` steps it from an
asyncio task, so a click on pause arrives between two ticks. Next to the network diagram
the view shows a `GraphWidget` (child widget, trait ``graph_widget``) of the loss on a
few training examples, traced at the current parameters.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from . import datasets, nn
from .tracer import trace
from .plain import jsonable
from .trainer import Trainer, TrainingDiverged, default_loss, output_width
from .widget import GraphWidget

__all__ = ["TrainingWidget", "train_widget", "loss_text", "percent_text"]

ASSETS = Path(__file__).parent / "assets"
#: Datasets with two input features, so the decision boundary can be drawn.
DATASETS_2D = ("moons", "circles", "xor", "spiral", "blobs", "flights", "iris", "plane")
ACTIVATIONS = nn.HIDDEN_ACTIVATIONS
GRID = 48  # the boundary heatmap is GRID × GRID cells
MAX_CURVE = 600  # loss curves are thinned to about this many points
GRAPH_BATCH = 4  # training examples in the computation-graph view's batch


class TrainingWidget(anywidget.AnyWidget):
    """Train an MLP on a 2-D dataset and watch it learn.

    Controls (traits the view edits): ``dataset``, ``noise``, ``hidden`` ("8,8"),
    ``activation``, ``lr``, ``batch_size`` (0: full batch), ``l2``, ``seed``,
    ``running`` (play/pause), ``step_requests`` and ``reset_requests`` (the step and
    reset buttons increment them). State the view draws: ``points``, ``boundary``,
    ``history``, ``network``, ``epoch``, ``message``, and ``graph_widget``: the loss on
    the first ``GRAPH_BATCH`` training examples as a computation graph, traced at the
    parameters of epoch ``graph_epoch`` (refreshed on step, pause and reset, not while
    playing).

    Example:
        >>> from mlgraph.training_widget import TrainingWidget
        >>> w = TrainingWidget(dataset="xor", hidden="4")
        >>> w.step(3); w.epoch
        3
    """

    _esm = ASSETS / "trainer_widget.js"
    _css = ASSETS / "trainer_widget.css"

    dataset = traitlets.Unicode("moons").tag(sync=True)
    dataset_choices = traitlets.List(
        traitlets.Unicode(), list(DATASETS_2D), read_only=True
    ).tag(sync=True)
    noise = traitlets.Float(0.1).tag(sync=True)
    hidden = traitlets.Unicode("8,8").tag(sync=True)
    activation = traitlets.Unicode("tanh").tag(sync=True)
    lr = traitlets.Float(0.1).tag(sync=True)
    batch_size = traitlets.Int(32).tag(sync=True)
    l2 = traitlets.Float(0.0).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    epochs_per_tick = traitlets.Int(2).tag(sync=True)

    running = traitlets.Bool(False).tag(sync=True)
    step_requests = traitlets.Int(0).tag(sync=True)
    reset_requests = traitlets.Int(0).tag(sync=True)

    epoch = traitlets.Int(0).tag(sync=True)
    points = traitlets.Dict().tag(sync=True)
    boundary = traitlets.Dict().tag(sync=True)
    history = traitlets.Dict().tag(sync=True)
    network = traitlets.Dict().tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    # NOTE: sent as "anywidget:<model id>"; the view draws it with host.getWidget
    graph_widget = anywidget.WidgetTrait().tag(sync=True)
    graph_epoch = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._task: asyncio.Task | None = None
        self.reset()

    # --- validation (lonboard style: say what is allowed and what was given) ---------

    @traitlets.validate("dataset")
    def _valid_dataset(self, proposal: dict) -> str:
        if proposal["value"] not in DATASETS_2D:
            raise traitlets.TraitError(
                f"dataset must be one of {', '.join(DATASETS_2D)}, "
                f"got {proposal['value']!r}."
            )
        return proposal["value"]

    @traitlets.validate("activation")
    def _valid_activation(self, proposal: dict) -> str:
        if proposal["value"] not in ACTIVATIONS:
            raise traitlets.TraitError(
                f"activation must be one of {', '.join(ACTIVATIONS)},"
                f" got {proposal['value']!r}."
            )
        return proposal["value"]

    @traitlets.validate("hidden")
    def _valid_hidden(self, proposal: dict) -> str:
        try:
            widths = _widths(proposal["value"])
        except ValueError:
            widths = [0]
        if any(w < 1 or w > 256 for w in widths):
            raise traitlets.TraitError(
                "hidden must list layer widths between 1 and 256, "
                f"e.g. '8,8' (or '' for none), got "
                f"{proposal['value']!r}."
            )
        return proposal["value"]

    @traitlets.validate("lr")
    def _valid_lr(self, proposal: dict) -> float:
        if not proposal["value"] > 0:
            raise traitlets.TraitError(f"lr must be positive, got {proposal['value']}.")
        return proposal["value"]

    @traitlets.validate("batch_size", "epochs_per_tick")
    def _valid_count(self, proposal: dict) -> int:
        if proposal["value"] < 0:
            raise traitlets.TraitError(
                f"{proposal['trait'].name} must be ≥ 0, got {proposal['value']}."
            )
        return proposal["value"]

    # --- model lifecycle -------------------------------------------------------------

    def reset(self) -> None:
        """New data and a freshly initialized model from the current controls."""
        kwargs = {"seed": self.seed, "noise": max(self.noise, 0.0)}
        if self.dataset == "iris":
            kwargs["features"] = (2, 3)  # petal length and width: 2-D
        self.data = datasets.load(self.dataset, **kwargs)
        loss = default_loss(self.data.task)
        n_out = output_width(loss, self.data.n_classes)
        model = nn.MLP(
            [self.data.n_features, *_widths(self.hidden), n_out],
            activation=self.activation,
            seed=self.seed,
        )
        self.trainer = Trainer(
            model,
            self.data,
            loss=loss,
            optimizer=self._optimizer(),
            l2=self.l2,
            progress=False,
        )
        self.message = ""
        self.epoch = 0
        self.points = self._points()
        self._push()

    def _optimizer(self) -> nn.SGD:
        return nn.SGD(lr=self.lr, batch_size=self.batch_size or None, seed=self.seed)

    @traitlets.observe("dataset", "noise", "hidden", "activation", "seed")
    def _on_structure(self, change: dict) -> None:
        if not hasattr(self, "trainer"):  # still in __init__, which resets
            return
        self.running = False
        self.reset()

    @traitlets.observe("lr", "batch_size", "l2")
    def _on_hyper(self, change: dict) -> None:
        if not hasattr(self, "trainer"):
            return
        t = self.trainer
        t.optimizer.lr = float(self.lr)
        t.optimizer.batch_size = self.batch_size or None
        if change["name"] == "l2":
            t.l2 = float(self.l2)
            t.objective = nn.make_loss(t.model, t.loss, l2=t.l2, l1=t.l1)

    @traitlets.observe("step_requests")
    def _on_step(self, change: dict) -> None:
        self.step(1)

    @traitlets.observe("reset_requests")
    def _on_reset(self, change: dict) -> None:
        self.running = False
        self.reset()

    @traitlets.observe("running")
    def _on_running(self, change: dict) -> None:
        if not change["new"]:
            if hasattr(self, "trainer"):
                self._push_graph()  # paused: show the graph at the current parameters
            return
        try:
            # NOTE: in Jupyter, cells and comm messages run inside the kernel's loop
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.message = (
                "play needs a running event loop (JupyterLab); "
                "call widget.step(n) instead."
            )
            self.running = False
            return
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._play())

    async def _play(self) -> None:
        while self.running:
            self.step(max(1, self.epochs_per_tick), graph=False)
            await asyncio.sleep(0.03)  # lets a pause (or a control change) arrive

    def step(self, epochs: int = 1, graph: bool = True) -> None:
        """Train ``epochs`` epochs and update the view's traits.

        ``graph=False`` leaves the computation-graph view as it is (play does so: a
        new trace means a new Graphviz layout in the browser).
        """
        try:
            self.trainer.fit(epochs)
        except TrainingDiverged as err:
            self.running = False
            self.message = str(err)
        self._push(graph=graph)

    # --- what the view draws ---------------------------------------------------

    def _points(self) -> dict[str, Any]:
        d = self.data
        X = np.r_[d.X_train, d.X_test]
        y = np.r_[d.y_train, d.y_test].reshape(len(X), -1)[:, 0]
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * (hi - lo)
        return {
            "x": np.round(X, 4).tolist(),
            "y": np.round(y, 4).tolist(),
            "train": [True] * len(d.X_train) + [False] * len(d.X_test),
            "n_classes": d.n_classes,
            "task": d.task,
            "bounds": [
                float(lo[0] - pad[0]),
                float(hi[0] + pad[0]),
                float(lo[1] - pad[1]),
                float(hi[1] + pad[1]),
            ],
            "features": list(d.feature_names),
        }

    def _push(self, graph: bool = True) -> None:
        t = self.trainer
        self.epoch = t.epoch
        self.boundary = boundary_grid(t, self.points["bounds"])
        h = t.history
        n = len(h["epoch"])
        # NOTE: thinned for long runs, but the last epoch is always kept: the view
        # prints the last entry as the current loss.
        keep = sorted({*range(0, n, max(1, n // MAX_CURVE)), n - 1} - {-1})
        self.history = {
            k: [_finite(h[k][i]) for i in keep]
            for k in (
                "epoch",
                "train_loss",
                "test_loss",
                "train_accuracy",
                "test_accuracy",
            )
        }
        # NOTE: full precision, so an edge's colour is the sign of the kernel's weight
        self.network = {
            "sizes": t.model.sizes,
            "weights": [
                np.asarray(W, np.float64).tolist() for W in t.model.params[0::2]
            ],
            "biases": [
                np.asarray(b, np.float64).tolist() for b in t.model.params[1::2]
            ],
            "names": t.model.param_names[0::2],
            "activation": t.model.activation,
        }
        if graph:
            self._push_graph()

    def loss_graph(self) -> Any:
        """The training objective on the first ``GRAPH_BATCH`` training examples,
        traced at the current parameters (its nodes are scoped ``layer1``, …)."""
        t = self.trainer
        k = min(GRAPH_BATCH, len(t.X_train))
        with np.errstate(all="ignore"):
            return trace(t.objective, *t.model.params, t.X_train[:k], t.y_train[:k])

    def _push_graph(self) -> None:
        g = self.loss_graph()
        # NOTE: a diverged model still gets its graph: its nan and inf are the lesson
        with np.errstate(all="ignore"):
            if self.graph_widget is None:
                self.graph_widget = GraphWidget.from_graph(
                    g, mode="reverse", modes=["eval", "reverse"]
                )
            else:
                self.graph_widget.set_graph(g)
        self.graph_epoch = self.trainer.epoch


def boundary_grid(
    trainer: Trainer, bounds: list[float], n: int = GRID
) -> dict[str, Any]:
    """The model's output on an n × n grid over ``bounds`` (row-major, y from the top).

    ``values`` are P(class 1) for binary tasks, the predicted class for multiclass
    (with ``confidence``, the softmax maximum), and the prediction scaled to [0, 1]
    for regression.
    """
    x0, x1, y0, y1 = bounds
    xs = np.linspace(x0, x1, n)
    ys = np.linspace(y1, y0, n)
    gx, gy = np.meshgrid(xs, ys)
    X = np.c_[gx.ravel(), gy.ravel()]
    with np.errstate(all="ignore"):
        z = np.asarray(trainer.model(X), dtype=np.float64)
    out: dict[str, Any] = {"n": n, "bounds": bounds}
    if trainer.loss == "ce":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        out["values"] = np.argmax(p, axis=1).tolist()
        out["confidence"] = np.round(p.max(axis=1), 3).tolist()
    elif trainer.data.task == "regression":
        v = z[:, 0]
        lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
        out["values"] = np.round((v - lo) / (hi - lo or 1.0), 3).tolist()
        out["range"] = [lo, hi]
    else:
        p = 1 / (1 + np.exp(-z[:, 0])) if trainer.loss == "bce" else z[:, 0]
        out["values"] = np.round(np.nan_to_num(p, nan=0.5), 3).tolist()
    return out


def _widths(text: str) -> list[int]:
    return [int(w) for w in str(text).replace(" ", "").split(",") if w]


def loss_text(v: float | None) -> str:
    """A loss as the view prints it (``toFixed(4)`` in trainer_widget.js)."""
    return "–" if v is None or not math.isfinite(v) else f"{v:.4f}"


def percent_text(v: float | None) -> str:
    """An accuracy as the view prints it (``(100 v).toFixed(1)%``)."""
    return "–" if v is None or not math.isfinite(v) else f"{100 * v:.1f}%"


def _finite(v: Any) -> float | None:
    return jsonable(v)


def train_widget(dataset: str = "moons", **kwargs: Any) -> TrainingWidget:
    """A `TrainingWidget` on ``dataset`` (keyword arguments set its controls)."""
    return TrainingWidget(dataset=dataset, **kwargs)
