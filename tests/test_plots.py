"""mlgraph.plots under Agg: every figure renders, is not blank, and labels its axes."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import mlgraph as mg  # noqa: E402
from mlgraph import datasets, nn, plots, surface  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def pixels(fig):
    """The figure rendered to PNG by Agg, as an RGB array."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    buf.seek(0)
    return plt.imread(buf)[..., :3]


def assert_drawn(ax, xlabel=None, ylabel=None):
    fig = ax.figure if hasattr(ax, "figure") else ax
    img = pixels(fig)
    assert img.std() > 0.05, "the figure is blank"
    # many distinct colours: a filled surface, not just axes on white
    assert len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50
    if xlabel is not None:
        assert ax.get_xlabel() == xlabel and ax.get_ylabel() == ylabel


@pytest.fixture(scope="module")
def mlp_case():
    data = datasets.moons(n=60, noise=0.2, seed=0)
    model = nn.MLP([2, 5, 1], seed=0)
    loss = nn.make_loss(model, "bce")
    X, y = data.X_train, data.y_train.astype(float)
    path = surface.descend(loss, model.params, X, y, steps=15,
                           optimizer=nn.SGD(lr=0.5, batch_size=None))
    return loss, model, X, y, path


def test_contour_plot_has_labels_colorbar_and_marks():
    s = surface.function("himmelblau", steps=41)
    ax = plots.plot_surface(s)
    assert_drawn(ax, "x", "y")
    assert ax.get_title() == "(x² + y − 11)² + (x + y² − 7)²"
    assert len(ax.figure.axes) == 2                       # the colorbar
    assert ax.figure.axes[1].get_ylabel() == "loss (log scale)"
    marks = [ln for ln in ax.get_lines() if ln.get_marker() in ("x", "+")]
    assert len(marks) == 8                                # 4 minima, 4 saddles


def test_grid_of_classics():
    fig = plots.plot_grid([surface.function(n, steps=21) for n in surface.CLASSICS])
    assert_drawn(fig)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [c.title for c in surface.CLASSICS.values()]


def test_linear_scale_for_a_saddle_and_clipping():
    s = surface.function("saddle", steps=21)
    ax = plots.plot_surface(s, vmax=2.0)
    assert_drawn(ax, "x", "y")
    assert ax.figure.axes[1].get_ylabel() == "loss"


def test_3d_surface():
    s = surface.function("rosenbrock", steps=31)
    ax = plots.plot_surface_3d(s)
    assert_drawn(ax, "x", "y")
    assert ax.get_zlabel() == "log₁₀ loss"


def test_paths_on_a_surface_with_legend():
    race = surface.optimizer_race(steps=40, grid=31)
    ax = plots.plot_paths(race.surface, race.paths)
    assert_drawn(ax, "x", "y")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == list(race.paths)
    first = next(iter(race.paths.values()))
    line = next(ln for ln in ax.get_lines() if ln.get_label() == first.label)
    np.testing.assert_allclose(np.c_[line.get_xdata(), line.get_ydata()], first.xy)


def test_gradient_arrows_are_the_kernels_gradients():
    s = surface.function("rosenbrock", steps=21)
    ax = plots.plot_surface(s)
    plots.plot_gradients(s, ax, n=5, normalize=False)
    q = ax.collections[-1]
    g = mg.grad(surface.CLASSICS["rosenbrock"].f, argnums=(0, 1))
    for (x, y), u, v in zip(q.get_offsets(), q.U, q.V, strict=True):
        gx, gy = g(float(x), float(y))
        assert (u, v) == pytest.approx((-float(gx), -float(gy)), rel=1e-12)
    plots.plot_gradients(s, ax, n=5)                      # unit arrows: the direction
    q = ax.collections[-1]
    np.testing.assert_allclose(np.hypot(q.U, q.V), 1.0)
    assert_drawn(ax)


def test_eigendirections_at_the_saddle():
    s = surface.function("two_minima", steps=21)
    ax = plots.plot_surface(s)
    plots.plot_eigendirections(s, (0.0, 0.0), ax)
    texts = sorted(t.get_text() for t in ax.texts if t.get_text())
    assert texts == ["λ = -4", "λ = 2"]
    assert_drawn(ax)


def test_model_surfaces_with_projected_training_path(mlp_case):
    loss, model, X, y, path = mlp_case
    s = surface.pca_plane(loss, path, X, y, steps=15)
    ax = plots.plot_surface(s)
    plots.plot_path(s.trajectory, ax, label="training")
    assert_drawn(ax, s.labels[0], s.labels[1])
    assert s.labels[0].startswith("PC1")
    r = surface.random_plane(loss, path.final, X, y, steps=11)
    ax = plots.plot_paths(r, [path])                      # projected onto the plane
    assert_drawn(ax, "α (direction 1)", "β (direction 2)")
    with pytest.raises(ValueError, match="pass the surface"):
        plots.plot_path(path)


def test_interpolation_and_loss_curves(mlp_case):
    loss, model, X, y, path = mlp_case
    line = surface.interpolate(loss, path.snapshots[0], path.final, X, y, steps=21,
                               labels=("initial", "trained"))
    ax = plots.plot_interpolation(line)
    assert_drawn(ax, "t   (θ = (1 − t)·θa + t·θb)", "loss")
    ax = plots.plot_losses([path])
    assert_drawn(ax, "step", "loss")


def test_comparison_and_landscapes_figures(mlp_case):
    fig = plots.plot_comparison(surface.saddle_escape(steps=20, grid=21))
    assert_drawn(fig)
    assert fig.axes[0].get_xlabel() == "x" and fig.axes[1].get_xlabel() == "step"
    loss, model, X, y, path = mlp_case
    s1 = surface.random_plane(loss, path.final, X, y, steps=9, seed=0)
    s2 = surface.random_plane(loss, path.final, X, y, steps=9, seed=1)
    fig = plots.plot_landscapes([s1, s2], vmax=2.0)
    assert_drawn(fig)
    assert [ax.get_xlabel() for ax in fig.axes[:2]] == ["α (direction 1)"] * 2
    assert fig.axes[-1].get_ylabel() == "loss (clipped at 2)"


def test_palette_mirrors_the_widget_css():
    import pathlib
    import re

    css = (pathlib.Path(mg.__file__).parents[1] / "js" / "widget.css").read_text()
    for name, hex_ in plots.ENGINE_COLORS.items():
        found = re.search(rf"--mlgraph-{name}:[^;]*?(#[0-9a-fA-F]{{6}})", css)
        assert found and found.group(1).lower() == hex_, name


def test_race_figure_for_the_gallery():
    """The README's picture: five optimizers on Rosenbrock, written to docs/gallery."""
    import pathlib

    race = surface.optimizer_race("rosenbrock", steps=500)
    fig = plots.plot_comparison(race)
    assert_drawn(fig)
    gallery = pathlib.Path(mg.__file__).parents[1] / "docs" / "gallery"
    gallery.mkdir(parents=True, exist_ok=True)
    fig.savefig(gallery / "surface_race.png", dpi=80)
    assert (gallery / "surface_race.png").stat().st_size > 20_000


def test_redrawing_a_path_never_recomputes_the_grid(mlp_case, monkeypatch):
    from mlgraph.surface import _batched

    loss, model, X, y, path = mlp_case
    s = surface.pca_plane(loss, path, X, y, steps=9)
    calls = []
    real = _batched.evaluate
    monkeypatch.setattr(_batched, "evaluate", lambda *a, **k: calls.append(1) or
                        real(*a, **k))
    for _ in range(3):                                 # redraw the path three times
        ax = plots.plot_surface(s)
        plots.plot_path(s.project(path), ax)
        assert surface.pca_plane(loss, path, X, y, steps=9) is s
    assert calls == []


def test_a_trainers_recorded_path_is_drawn_where_it_projects():
    from mlgraph.trainer import Trainer

    data = datasets.moons(n=60, seed=0)
    t = Trainer(nn.MLP([2, 4, 1], seed=0), data, progress=False, record="epoch",
                optimizer=nn.SGD(lr=0.5, batch_size=None))
    t.fit(5)
    s = surface.random_plane(t.objective, t.model, t.X_train, t.y_train, steps=9)
    ax = plots.plot_surface(s)
    plots.plot_path(t, ax, surface=s)
    line = ax.get_lines()[-3]                  # the path, then its start and end marks
    assert line.get_label() == "training (5 epochs)"
    np.testing.assert_allclose(np.c_[line.get_xdata(), line.get_ydata()],
                               s.project(t.trajectory).coords)
    with pytest.raises(ValueError, match="surface=..."):
        plots.plot_path(t, ax)
    assert_drawn(ax)
