"""A live MLP trainer for JupyterLab (anywidget), laid out like TF Playground.

`TrainingWidget` holds synced traits only; its view (js/trainer/, bundled into
``mlgraph/static/trainer.js``) draws them and writes the controls back into traits.
Every number the view shows is sent as text, formatted here once (`loss_text`,
`percent_text`, `mlgraph.tables.fmt`). Training runs in the kernel with
`mlgraph.Trainer`; ``play`` steps it from an asyncio task at ``speed`` epochs per
second, so a pause arrives between ticks.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from . import datasets, nn, value_and_grad
from .tables import fmt
from .tracer import trace
from .trainer import Trainer, default_loss, output_width
from .widget import GraphWidget

__all__ = ["TrainingWidget", "loss_text", "percent_text"]

STATIC = Path(__file__).parent / "static"
#: Datasets with two input features, so the decision boundary can be drawn.
DATASETS_2D = ("moons", "circles", "xor", "spiral", "blobs", "flights", "iris", "plane")
ACTIVATIONS = nn.HIDDEN_ACTIVATIONS
MAX_LAYERS, MAX_WIDTH = 6, 8  # the diagram draws every neuron (TF Playground's limits)
GRID = 60  # the boundary map is GRID × GRID cells
NEURON_GRID = 16  # each neuron's tile is NEURON_GRID × NEURON_GRID cells
MAX_CURVE = 300  # loss curves are thinned to about this many points
GRAPH_BATCH = 4  # training examples traced for the computation-graph tab
PUSH_EVERY = 1 / 15  # while playing, the view's traits change at most 15 times a second
GRAPH_EVERY = 1.0  # ...and a shown graph tab is re-traced at most once a second
GRAPH_HEIGHT = 0  # the graph tab's widget fills the tab (~350 px), text ≥ 14 px

#: The presets the view offers; a value set from Python is added to its list.
CHOICES: dict[str, tuple] = {
    "noise": (0.0, 0.05, 0.1, 0.2, 0.3, 0.5),
    "lr": (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
    "batch_size": (1, 4, 8, 16, 32, 64, 0),
    "l2": (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3),
    "l1": (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3),
    "speed": (1.0, 5.0, 20.0, 0.0),
    "stop_after": (0, 50, 100, 300, 1000, 3000),  # epochs; 0: never
}


def loss_text(v: float | None) -> str:
    """A loss as the view prints it: 4 decimals (fixed width while training)."""
    if v is None:
        return "–"
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.3e}"


def percent_text(v: float | None) -> str:
    """An accuracy as the view prints it: one decimal and a percent sign."""
    return "–" if v is None or not math.isfinite(v) else f"{100 * v:.1f}%"


def _choice_text(name: str, v: float) -> str:
    if name == "batch_size":
        return "full" if v == 0 else str(int(v))
    if name == "speed":
        return "max" if v == 0 else f"{v:g}/s"
    if name == "stop_after":
        return "never" if v == 0 else f"{int(v)}"
    return f"{v:g}"


class TrainingWidget(anywidget.AnyWidget):
    """Train an MLP on a 2-D dataset and watch it learn.

    Controls (traits the view edits): ``dataset``, ``noise``, ``hidden`` ("8,8"; at
    most 6 layers of 8, so every neuron is drawn), ``activation``, ``lr``,
    ``batch_size`` (0: full batch), ``l2``, ``l1``, ``seed``, ``speed`` (epochs per
    second, 0: as fast as the kernel allows), ``stop_after`` (play pauses after that
    many epochs, 0: never), ``tab`` and ``running``; the buttons increment
    ``step_requests`` ("1 epoch") and ``reset_requests``.

    Pass ``data=`` a `mlgraph.datasets.Dataset` with two features to train on your
    own data (its name and feature names are shown as text), and ``title=`` a caption.

    Example:
        >>> from mlgraph.training_widget import TrainingWidget
        >>> w = TrainingWidget(dataset="xor", hidden="4")
        >>> w.step(3); w.epoch
        3
    """

    _esm = STATIC / "trainer.js"
    _css = STATIC / "trainer.css"

    title = traitlets.Unicode("").tag(sync=True)
    dataset = traitlets.Unicode("moons").tag(sync=True)
    noise = traitlets.Float(0.1).tag(sync=True)
    hidden = traitlets.Unicode("8,8").tag(sync=True)
    activation = traitlets.Unicode("tanh").tag(sync=True)
    lr = traitlets.Float(0.1).tag(sync=True)
    batch_size = traitlets.Int(32).tag(sync=True)
    l2 = traitlets.Float(0.0).tag(sync=True)
    l1 = traitlets.Float(0.0).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    speed = traitlets.Float(5.0).tag(sync=True)
    stop_after = traitlets.Int(300).tag(sync=True)
    tab = traitlets.Enum(["network", "graph", "loss"], "network").tag(sync=True)
    log_loss = traitlets.Bool(False).tag(sync=True)

    running = traitlets.Bool(False).tag(sync=True)
    step_requests = traitlets.Int(0).tag(sync=True)
    reset_requests = traitlets.Int(0).tag(sync=True)

    #: [value, text] pairs per control, and the dataset names
    choices = traitlets.Dict().tag(sync=True)
    epoch = traitlets.Int(0).tag(sync=True)
    stop_epoch = traitlets.Int(0).tag(sync=True)  # where play pauses (0: never)
    text = traitlets.Dict().tag(sync=True)  # every number the view prints, as text
    points = traitlets.Dict().tag(sync=True)
    boundary = traitlets.Dict().tag(sync=True)
    network = traitlets.Dict().tag(sync=True)
    curve = traitlets.Dict().tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    # NOTE: sent as "anywidget:<model id>"; the view draws it with host.getWidget
    graph_widget = anywidget.WidgetTrait().tag(sync=True)
    graph_epoch = traitlets.Int(0).tag(sync=True)
    graph_examples = traitlets.List(traitlets.Int(), list(range(GRAPH_BATCH))).tag(
        sync=True
    )

    def __init__(self, data: datasets.Dataset | None = None, **kwargs: Any) -> None:
        self._custom = _check_data(data) if data is not None else None
        if data is not None:
            kwargs["dataset"] = data.name
        super().__init__(**kwargs)
        self._task: asyncio.Task | None = None
        self._graph_text = ""
        self._choices()
        self.reset()

    # --- validation (lonboard style: say what is allowed and what was given) ---------

    @traitlets.validate("dataset")
    def _valid_dataset(self, proposal: dict) -> str:
        value = proposal["value"]
        custom = getattr(self, "_custom", None)
        if value not in DATASETS_2D and (custom is None or value != custom.name):
            raise traitlets.TraitError(
                f"dataset must be one of {', '.join(DATASETS_2D)}, got {value!r}. "
                "To train on your own data pass data=Dataset(...)."
            )
        return value

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
        if len(widths) > MAX_LAYERS or any(w < 1 or w > MAX_WIDTH for w in widths):
            raise traitlets.TraitError(
                f"hidden must list up to {MAX_LAYERS} layer widths between 1 and "
                f"{MAX_WIDTH} (the diagram draws every neuron), e.g. '8,8' (or '' for "
                f"none), got {proposal['value']!r}. For wider networks use "
                "mlgraph.Trainer directly."
            )
        return ",".join(str(w) for w in widths)

    @traitlets.validate("lr")
    def _valid_lr(self, proposal: dict) -> float:
        if not proposal["value"] > 0:
            raise traitlets.TraitError(f"lr must be positive, got {proposal['value']}.")
        return proposal["value"]

    @traitlets.validate("batch_size", "stop_after", "noise", "l2", "l1", "speed")
    def _valid_non_negative(self, proposal: dict) -> Any:
        if not proposal["value"] >= 0:
            raise traitlets.TraitError(
                f"{proposal['trait'].name} must be ≥ 0, got {proposal['value']}."
            )
        return proposal["value"]

    # --- model lifecycle -------------------------------------------------------------

    def reset(self) -> None:
        """New data and a freshly initialized model from the current controls."""
        self.running = False
        own = self._custom is not None and self.dataset == self._custom.name
        self.data = self._custom if own else _load(self.dataset, self.seed, self.noise)
        self.trainer = self._new_trainer()
        self.message = ""
        self.points = points_of(self.data, self.graph_examples)
        self._push()

    def _new_trainer(self) -> Trainer:
        loss = default_loss(self.data.task)
        n_out = output_width(loss, self.data.n_classes)
        model = nn.MLP(
            [self.data.n_features, *_widths(self.hidden), n_out],
            activation=self.activation,
            seed=self.seed,
        )
        optimizer = nn.SGD(
            lr=self.lr, batch_size=self.batch_size or None, seed=self.seed
        )
        return Trainer(
            model,
            self.data,
            loss=loss,
            optimizer=optimizer,
            l2=self.l2,
            l1=self.l1,
            progress=False,
        )

    def _choices(self) -> None:
        out: dict[str, Any] = {}
        for name, presets in CHOICES.items():
            values = sorted({*presets, getattr(self, name)} - {0}) + (
                [0] if 0 in presets or getattr(self, name) == 0 else []
            )
            out[name] = [[v, _choice_text(name, v)] for v in values]
        names = list(
            dict.fromkeys(
                [*DATASETS_2D, *([self._custom.name] if self._custom else [])]
            )
        )
        out["dataset"] = [[n, n] for n in names]
        out["activation"] = [[a, a] for a in ACTIVATIONS]
        self.choices = out

    @traitlets.observe("dataset", "noise", "hidden", "activation", "seed")
    def _on_structure(self, change: dict) -> None:
        if hasattr(self, "trainer"):  # (not while __init__ runs: it resets)
            self._choices()
            self.reset()

    @traitlets.observe("lr", "batch_size", "l2", "l1", "speed", "stop_after")
    def _on_hyper(self, change: dict) -> None:
        if not hasattr(self, "trainer"):
            return
        self._choices()
        t = self.trainer
        t.optimizer.lr = float(self.lr)
        t.optimizer.batch_size = self.batch_size or None
        if change["name"] == "stop_after" and self.running:  # counted from now
            self.stop_epoch = t.epoch + self.stop_after if self.stop_after else 0
        if change["name"] in ("l1", "l2"):  # training goes on with the new objective
            t.l1, t.l2 = float(self.l1), float(self.l2)
            t.objective = nn.make_loss(t.model, t.loss, l2=t.l2, l1=t.l1)
            self._push()

    @traitlets.observe("step_requests")
    def _on_step(self, change: dict) -> None:
        self.step(1)

    @traitlets.observe("reset_requests")
    def _on_reset(self, change: dict) -> None:
        self.reset()

    @traitlets.observe("tab")
    def _on_tab(self, change: dict) -> None:
        if change["new"] == "graph" and self.graph_epoch != self.trainer.epoch:
            self._push_graph()

    @traitlets.observe("graph_examples")
    def _on_examples(self, change: dict) -> None:
        if hasattr(self, "trainer"):
            self.points = points_of(self.data, self.graph_examples)
            self._push_graph()

    @traitlets.observe("running")
    def _on_running(self, change: dict) -> None:
        if not change["new"]:
            self.stop_epoch = 0
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
        self.stop_epoch = self.trainer.epoch + self.stop_after if self.stop_after else 0
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._play())

    async def _play(self) -> None:
        """Train at ``speed`` epochs/s (0: flat out) until paused, stopped or diverged.

        The view is redrawn at most every PUSH_EVERY s, a shown graph every
        GRAPH_EVERY s.
        """
        loop = asyncio.get_running_loop()
        start, done, pushed, graphed = loop.time(), 0, 0.0, loop.time()
        shown = self.trainer.epoch
        while self.running:
            now = loop.time()
            due = int((now - start) * self.speed) + 1 - done if self.speed else math.inf
            if due > 1 + self.speed:  # the kernel fell behind: do not race to catch up
                start, done, due = now, 0, 1
            while due > 0 and self.running and loop.time() < now + PUSH_EVERY:
                if self._stopped() or not self._fit(1):
                    break
                done, due = done + 1, due - 1
            if self._stopped():
                self.running = False
            now = loop.time()
            if shown != self.trainer.epoch and now - pushed >= PUSH_EVERY:
                refresh = self.tab == "graph" and now - graphed >= GRAPH_EVERY
                self._push(graph=refresh)
                pushed, graphed = now, now if refresh else graphed
                shown = self.trainer.epoch
            wait = done / self.speed - (loop.time() - start) if self.speed else 0.0
            await asyncio.sleep(min(max(wait, 0.002), PUSH_EVERY))
        self._push()  # paused, stopped or diverged: the last epoch, and its graph

    def _stopped(self) -> bool:
        return bool(self.stop_epoch) and self.trainer.epoch >= self.stop_epoch

    def _fit(self, epochs: int) -> bool:
        # NOTE: the trainer raises a FloatingPointError subclass naming the layer and
        # node where the loss or a gradient stopped being finite
        try:
            self.trainer.fit(epochs)
        except FloatingPointError as err:
            self.running = False
            self.message = str(err)
            return False
        return True

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs (the view's "1 epoch" button) and update the view."""
        self._fit(epochs)
        self._push()

    # --- what the view draws ---------------------------------------------------

    def _push(self, graph: bool = True) -> None:
        t = self.trainer
        with self.hold_sync():
            self.epoch = t.epoch
            self.boundary = boundary_grid(t, self.points["bounds"])
            self.network = network_state(t, self.points["bounds"])
            self.curve = loss_curve(t.history)
            self.text = self._text()
            if graph and (self.tab == "graph" or self.graph_widget is None):
                self._push_graph()

    def _text(self) -> dict[str, str]:
        h = self.trainer.history
        last = {
            k: (h[k][-1] if h["epoch"] else None)
            for k in ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
        }
        text = {
            "epoch": f"{self.trainer.epoch:,}",
            "train_loss": loss_text(last["train_loss"]),
            "test_loss": loss_text(last["test_loss"]),
            "train_accuracy": percent_text(last["train_accuracy"]),
            "test_accuracy": percent_text(last["test_accuracy"]),
        }
        if self.stop_epoch:
            text["stop"] = f"pauses at epoch {self.stop_epoch:,}"
        text["graph"] = self._graph_text
        return text

    def loss_graph(self) -> Any:
        """The training objective on the examples ``graph_examples``, traced now.

        ``graph_examples`` are training-set indices; the graph is traced at the current
        parameters, its nodes scoped ``layer1``, ….
        """
        t = self.trainer
        idx = [i for i in self.graph_examples if 0 <= i < len(t.X_train)] or [0]
        with np.errstate(all="ignore"):
            return trace(t.objective, *t.model.params, t.X_train[idx], t.y_train[idx])

    def _push_graph(self) -> None:
        g = self.loss_graph()
        # NOTE: a diverged model still gets its graph: its nan and inf are the lesson
        with np.errstate(all="ignore"):
            if self.graph_widget is None:
                self.graph_widget = GraphWidget.from_graph(
                    g, mode="reverse", modes=["eval", "reverse"], height=GRAPH_HEIGHT
                )
            else:
                self.graph_widget.set_graph(g)
        self.graph_epoch = self.trainer.epoch
        shown = [str(n + 1) for n in range(len(self.points["traced"]))] or ["1"]
        self._graph_text = (
            f"The loss on training example{'s' * (len(shown) > 1)} {', '.join(shown)} "
            "(ringed on the map of the Network tab), traced with the parameters of "
            f"epoch {self.graph_epoch:,}. While training runs it is re-traced every "
            "second."
        )
        self.text = {**self.text, "graph": self._graph_text}


def _check_data(data: Any) -> datasets.Dataset:
    if not isinstance(data, datasets.Dataset) or data.n_features != 2:
        shape = getattr(getattr(data, "X_train", None), "shape", None)
        raise ValueError(
            "data must be a mlgraph.datasets.Dataset with 2 features (the boundary is "
            f"drawn over the plane), got {type(data).__name__} with inputs of shape "
            f"{shape}. Pick 2 columns, e.g. datasets.iris(features=(2, 3))."
        )
    return data


def _load(name: str, seed: int, noise: float) -> datasets.Dataset:
    kwargs: dict[str, Any] = {"seed": seed, "noise": noise}
    if name == "iris":
        kwargs["features"] = (2, 3)  # petal length and width: 2-D
    return datasets.load(name, **kwargs)


def _widths(text: str) -> list[int]:
    return [int(w) for w in str(text).replace(" ", "").split(",") if w]


def _grid(bounds: list[float], n: int) -> np.ndarray:
    """n × n points over ``bounds`` = [x0, x1, y0, y1], row-major, y from the top."""
    x0, x1, y0, y1 = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
    return np.c_[gx.ravel(), gy.ravel()]


def _ticks(lo: float, hi: float, n: int = 4) -> list[list]:
    """About n round [value, text] ticks in [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [[lo, fmt(lo)]] if math.isfinite(lo) else []
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    k = np.arange(first, hi + step * 1e-9, step)
    return [[float(v), fmt(round(float(v), 12))] for v in k]


def points_of(data: datasets.Dataset, traced: list[int]) -> dict[str, Any]:
    """The data points, the plane's bounds with ticks, and the graph tab's examples.

    The training examples the computation-graph tab traces are numbered from 1.
    """
    X = np.r_[data.X_train, data.X_test]
    y = np.r_[data.y_train, data.y_test].reshape(len(X), -1)[:, 0]
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (hi - lo)
    bounds = [float(lo[0] - pad[0]), float(hi[0] + pad[0])]
    bounds += [float(lo[1] - pad[1]), float(hi[1] + pad[1])]
    out: dict[str, Any] = {
        "x": np.round(X, 4).tolist(),
        "train": [True] * len(data.X_train) + [False] * len(data.X_test),
        "n_classes": data.n_classes,
        "task": data.task,
        "name": data.name,
        "bounds": bounds,
        "features": [str(f) for f in data.feature_names],
        "x_ticks": _ticks(bounds[0], bounds[1]),
        "y_ticks": _ticks(bounds[2], bounds[3]),
        "traced": [i for i in traced if 0 <= i < len(data.X_train)],
    }
    if data.task == "regression":
        mid, half = _centre(y)
        out["y"] = np.round(np.clip((y - mid) / half, -1, 1), 3).tolist()
        out["scale"] = [fmt(mid - half), fmt(mid), fmt(mid + half)]
    else:
        out["y"] = [int(v) for v in y]
    return out


def _centre(y: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(y)), float(np.max(y))
    return (lo + hi) / 2, (hi - lo) / 2 or 1.0


def boundary_grid(
    trainer: Trainer, bounds: list[float], n: int = GRID
) -> dict[str, Any]:
    """The model's output on an n × n grid over ``bounds`` (row-major, y from the top).

    ``values`` are on the view's colour scale [−1, 1]: 2·P(class 1) − 1 for binary
    tasks, the prediction relative to the targets' range for regression. Multiclass
    tasks get ``classes`` (the predicted class) and ``confidence`` (softmax maximum).
    """
    with np.errstate(all="ignore"):
        z = np.asarray(trainer.model(_grid(bounds, n)), dtype=np.float64)
    out: dict[str, Any] = {"n": n}
    if trainer.loss == "ce":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        out["classes"] = np.argmax(p, axis=1).tolist()
        out["confidence"] = np.round(p.max(axis=1), 3).tolist()
        return out
    if trainer.data.task == "regression":
        y = np.r_[trainer.data.y_train, trainer.data.y_test].ravel()
        mid, half = _centre(y)
        v = (z[:, 0] - mid) / half
    else:
        p = 1 / (1 + np.exp(-z[:, 0])) if trainer.loss == "bce" else z[:, 0]
        v = 2 * p - 1
    out["values"] = np.round(np.clip(np.nan_to_num(v), -1, 1), 3).tolist()
    return out


def layer_outputs(model: nn.MLP, X: np.ndarray) -> list[np.ndarray]:
    """Every layer's output on X, input first: [X, h1, …, ŷ].

    ŷ is as the model returns it: logits, unless the model has an output activation.
    """
    outs, h = [np.asarray(X, np.float64)], np.asarray(X, model.dtype)
    last = len(model.layers) - 1
    with np.errstate(all="ignore"):
        for k, layer in enumerate(model.layers):
            h = layer(h, model.params[2 * k], model.params[2 * k + 1])
            h = nn.ACTIVATIONS[model.output if k == last else model.activation](h)
            outs.append(np.asarray(h, np.float64))
    return outs


def network_state(trainer: Trainer, bounds: list[float]) -> dict[str, Any]:
    """What the network diagram draws.

    Sizes, each neuron's tile (its output over the plane on the colour scale), weights
    and biases with their text and the text of their gradient (∂L/∂w on the whole
    training set, at the current parameters).
    """
    model = trainer.model
    outs = layer_outputs(model, _grid(bounds, NEURON_GRID))
    tiles = [
        np.round(np.clip(np.nan_to_num(_tile_scale(trainer, k, o)), -1, 1), 2)
        for k, o in enumerate(outs)
    ]
    n = len(model.params)
    with np.errstate(all="ignore"):
        _, grads = value_and_grad(trainer.objective, argnums=tuple(range(n)))(
            *model.params, trainer.X_train, trainer.y_train
        )
    text = [
        np.vectorize(fmt, otypes=[object])(np.asarray(p, np.float64)).tolist()
        for p in model.params
    ]
    gtext = [
        np.vectorize(fmt, otypes=[object])(np.asarray(g, np.float64)).tolist()
        for g in grads
    ]
    return {
        "sizes": model.sizes,
        "activation": model.activation,
        "tiles": [t.T.tolist() for t in tiles],  # [layer][neuron][cell]
        "weights": [np.asarray(W, np.float64).tolist() for W in model.params[0::2]],
        "biases": [np.asarray(b, np.float64).tolist() for b in model.params[1::2]],
        "weight_text": text[0::2],
        "bias_text": text[1::2],
        "weight_grad": gtext[0::2],
        "bias_grad": gtext[1::2],
        "names": model.param_names,
    }


def _tile_scale(trainer: Trainer, layer: int, out: np.ndarray) -> np.ndarray:
    """A layer's outputs on the colour scale [−1, 1].

    Hidden units as they are (clipped, as TF Playground does), outputs as
    probabilities 2p − 1.
    """
    if layer == 0:  # the features, scaled so the plane spans the colour scale
        return out / np.maximum(np.abs(out).max(axis=0), 1e-12)
    if layer < len(trainer.model.layers):
        return out
    if trainer.loss == "bce":
        return 2 / (1 + np.exp(-out)) - 1
    if trainer.loss == "ce":
        p = out if trainer.model.output == "softmax" else _softmax(out)
        return 2 * p - 1
    return out


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def loss_curve(history: dict[str, list]) -> dict[str, Any]:
    """The loss curves with axis ticks and the text of every point.

    The curves are thinned (the last epoch always kept), for the sparkline and the loss
    tab.
    """
    n = len(history["epoch"])
    keep = sorted({*range(0, n, max(1, n // MAX_CURVE)), n - 1} - {-1})
    out: dict[str, Any] = {"epoch": [history["epoch"][i] for i in keep]}
    finite: list[float] = []
    for key in ("train_loss", "test_loss"):
        vals = [history[key][i] for i in keep]
        out[key] = [float(v) if math.isfinite(v) else None for v in vals]
        out[key + "_text"] = [loss_text(v) for v in vals]
        finite += [v for v in out[key] if v is not None]
    top = max(finite, default=0.0)
    out["y_ticks"] = _ticks(0.0, top) if top > 0 else []
    out["y_max"] = out["y_ticks"][-1][0] if out["y_ticks"] else 1.0
    if out["y_max"] < top:
        out["y_max"] = top
    pos = [v for v in finite if v > 0]
    if pos:
        lo, hi = math.floor(math.log10(min(pos))), math.ceil(math.log10(max(pos)))
        hi = max(hi, lo + 1)
        out["log_ticks"] = [[float(10.0**e), fmt(10.0**e)] for e in range(lo, hi + 1)]
    else:
        out["log_ticks"] = []
    out["x_ticks"] = _ticks(1, out["epoch"][-1]) if n else []
    return out
