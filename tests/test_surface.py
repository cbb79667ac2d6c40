"""mlgraph.surface: grids against direct evaluations, directions, curvature."""

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph import datasets, nn, surface
from mlgraph.surface import _batched


@pytest.fixture(autouse=True)
def fresh_cache():
    surface.clear_cache()
    yield
    surface.clear_cache()


@pytest.fixture
def moons_mlp():
    data = datasets.moons(n=80, noise=0.2, seed=0)
    model = nn.MLP([2, 6, 5, 1], activation="tanh", seed=1)
    loss = nn.make_loss(model, "bce")
    return loss, model, data.X_train, data.y_train.astype(float)


def assert_grid_matches_direct(s, f, data, rng, n=8):
    """Sampled grid points (corners included) against a direct call of f there."""
    na, nb = s.values.shape
    picks = [(0, 0), (na - 1, nb - 1), (0, nb - 1)] + [
        (int(rng.integers(na)), int(rng.integers(nb))) for _ in range(n)]
    for i, j in picks:
        params = [c.copy() for c in s.center]
        for k, (d1, d2) in enumerate(zip(*s.directions, strict=True)):
            if d1 is not None:
                params[k] = params[k] + s.alphas[i] * d1
            if d2 is not None:
                params[k] = params[k] + s.betas[j] * d2
        want = float(f(*params, *data))
        np.testing.assert_allclose(s.values[i, j], want, rtol=1e-12, atol=1e-12,
                                   err_msg=f"grid point {(i, j)}")


# --- grids equal direct loss evaluations ---------------------------------------------


def test_random_plane_grid_equals_direct_evaluations(moons_mlp, rng):
    loss, model, X, y = moons_mlp
    s = surface.random_plane(loss, model.params, X, y, steps=(13, 11), span=0.8, seed=3)
    assert s.values.shape == (13, 11) and s.batched and s.notes == []
    assert s.alphas[0] == -0.8 and s.betas[-1] == 0.8
    assert_grid_matches_direct(s, loss, (X, y), rng)
    assert s.center_loss == pytest.approx(float(loss(*model.params, X, y)), rel=1e-14)


def test_params_plane_grid_equals_direct_evaluations(moons_mlp, rng):
    loss, model, X, y = moons_mlp
    s = surface.params_plane(loss, model.params, X, y, which=("W2[1, 3]", "b3[0]"),
                             span=1.5, steps=9)
    w, b = model.params[2][1, 3], model.params[5][0]
    assert s.origin == (w, b) and s.labels == ("W2[1,3]", "b3[0]")
    np.testing.assert_allclose(s.alphas, np.linspace(w - 1.5, w + 1.5, 9))
    assert_grid_matches_direct(s, loss, (X, y), rng)
    for i, j in [(0, 8), (4, 2)]:     # the axes are the entries' own values
        params = [p.copy() for p in model.params]
        params[2][1, 3], params[5][0] = s.alphas[i], s.betas[j]
        assert s.values[i, j] == pytest.approx(float(loss(*params, X, y)), rel=1e-12)
    assert s.center_loss == pytest.approx(float(loss(*model.params, X, y)), rel=1e-14)


def test_pca_plane_grid_equals_direct_evaluations(moons_mlp, rng):
    loss, model, X, y = moons_mlp
    path = surface.descend(loss, model.params, X, y, steps=25,
                           optimizer=nn.SGD(lr=0.5, batch_size=None))
    s = surface.pca_plane(loss, path, X, y, steps=9)
    assert_grid_matches_direct(s, loss, (X, y), rng)
    assert s.center_loss == pytest.approx(path.losses[-1], rel=1e-12)
    # the projected path, with its own losses and distances from the plane
    assert s.trajectory.coords.shape == (26, 2)
    np.testing.assert_allclose(s.trajectory.losses, path.losses, rtol=1e-12)
    assert s.trajectory.coords[0, 0] < 0 and s.trajectory.coords[0, 1] < 0
    assert np.all(s.trajectory.residuals >= 0)


def test_function_grid_equals_the_function(rng):
    s = surface.function("himmelblau", steps=(21, 17))
    f = surface.CLASSICS["himmelblau"].f
    for i, j in [(0, 0), (20, 16), (7, 3)]:
        assert s.values[i, j] == pytest.approx(f(s.alphas[i], s.betas[j]), rel=1e-14)
    own = surface.function(lambda u, v: mnp.exp(u) * mnp.sin(v), (-1, 1), (0, 3), 7)
    assert own.labels == ("u", "v")
    np.testing.assert_allclose(own.values, np.exp(own.alphas)[:, None]
                               * np.sin(own.betas)[None, :], rtol=1e-14)


def test_interpolation_values_and_ends(moons_mlp):
    loss, model, X, y = moons_mlp
    other = [p + 0.3 for p in model.params]
    line = surface.interpolate(loss, model.params, other, X, y, steps=9, t=(-0.5, 1.5))
    np.testing.assert_allclose(line.ts, np.linspace(-0.5, 1.5, 9))
    assert line.values[2] == pytest.approx(line.loss_a, rel=1e-12)     # t = 0
    assert line.values[6] == pytest.approx(line.loss_b, rel=1e-12)     # t = 1
    mid = [0.5 * (p + q) for p, q in zip(model.params, other, strict=True)]
    assert line.values[4] == pytest.approx(float(loss(*mid, X, y)), rel=1e-12)


# --- filter normalization ------------------------------------------------------------


def test_filter_normalization_holds_per_filter(moons_mlp):
    _, model, _, _ = moons_mlp
    model.params[2][:, 1] = 0.0           # a dead unit: its filter direction is zero
    d1, d2 = surface.random_directions(model.params, seed=7)
    for d in (d1, d2):
        for name, p, q in zip(model.param_names, model.params, d, strict=True):
            if p.ndim == 1:
                assert q is None, f"{name}: biases stay fixed by default"
                continue
            np.testing.assert_allclose(np.linalg.norm(q, axis=0),
                                       np.linalg.norm(p, axis=0), rtol=1e-12,
                                       err_msg=name)
    assert np.all(d1[2][:, 1] == 0.0)
    assert not np.allclose(d1[0], d2[0])                  # two different directions


def test_layer_normalization_and_biases_option(moons_mlp):
    _, model, _, _ = moons_mlp
    d1, _ = surface.random_directions(model.params, normalize="layer",
                                      biases="normalized")
    for p, q in zip(model.params, d1, strict=True):
        if np.linalg.norm(p) > 0:
            assert np.linalg.norm(q) == pytest.approx(np.linalg.norm(p), rel=1e-12)
        else:                                              # zero biases: zero direction
            assert np.all(q == 0)
    with pytest.raises(ValueError, match="normalize must be 'filter', 'layer' or None"):
        surface.random_directions(model.params, normalize="unit")


# --- projections and PCA -------------------------------------------------------------


def test_trajectory_in_a_plane_projects_exactly(moons_mlp, rng):
    loss, model, X, y = moons_mlp
    u = [rng.standard_normal(p.shape) for p in model.params]
    v = [rng.standard_normal(p.shape) for p in model.params]
    coefs = [(np.cos(t), 0.3 * np.sin(2 * t) + t) for t in np.linspace(0, 3, 12)]
    path = [[p + a * du + b * dv for p, du, dv in zip(model.params, u, v, strict=True)]
            for a, b in coefs]
    s = surface.pca_plane(loss, path, X, y, steps=5)
    assert s.explained_variance.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(s.trajectory.residuals, 0.0, atol=1e-12)
    again = s.project(path)                   # projecting again gives the same points
    np.testing.assert_allclose(again.coords, s.trajectory.coords, atol=1e-12)
    np.testing.assert_allclose(again.residuals, 0.0, atol=1e-12)
    # on a random plane the same path is mostly off the plane
    r = surface.random_plane(loss, path[-1], X, y, steps=5)
    assert r.project(path).residuals[0] > 1.0


def test_pca_explained_variance_of_a_noisy_path(moons_mlp, rng):
    loss, model, X, y = moons_mlp
    path = [[p + t * 0.1 + 0.01 * rng.standard_normal(p.shape) for p in model.params]
            for t in range(10)]
    s = surface.pca_plane(loss, path, X, y, steps=5)
    assert 0.95 < s.explained_variance[0] < 1.0 and s.explained_variance.sum() < 1.0
    assert s.labels[0].startswith("PC1 (")


# --- gradients and curvature of what is drawn ----------------------------------------


def test_gradient_arrows_equal_mlgraph_grad():
    s = surface.function("rosenbrock", steps=11)
    A, B, dA, dB = s.gradient_field(n=4)
    g = mg.grad(surface.CLASSICS["rosenbrock"].f, argnums=(0, 1))
    for a, b, ga, gb in zip(A.ravel(), B.ravel(), dA.ravel(), dB.ravel(), strict=True):
        want = g(float(a), float(b))
        assert (ga, gb) == pytest.approx((float(want[0]), float(want[1])), rel=1e-13)


def test_plane_gradient_is_the_directional_derivative(moons_mlp):
    loss, model, X, y = moons_mlp
    s = surface.random_plane(loss, model.params, X, y, steps=5)
    grads = mg.grad(loss, argnums=tuple(range(6)))(*s.point(0.2, -0.1), X, y)
    want = [sum(float(np.sum(g * d))
                for g, d in zip(grads, ds, strict=True) if d is not None)
            for ds in s.directions]
    np.testing.assert_allclose(s.gradient(0.2, -0.1), want, rtol=1e-10)


def test_bowl_minimum_is_where_it_is():
    s = surface.function("bowl", steps=41)
    i, j = np.unravel_index(np.argmin(s.values), s.values.shape)
    assert (s.alphas[i], s.betas[j]) == (0.0, 0.0) and s.values[i, j] == 0.0
    r = surface.function("rosenbrock", (-2, 2), (-1, 3), steps=41)
    i, j = np.unravel_index(np.argmin(r.values), r.values.shape)
    assert (r.alphas[i], r.betas[j]) == pytest.approx((1.0, 1.0))


def test_curvature_at_saddle_and_bowl():
    saddle = surface.curvature(surface.CLASSICS["saddle"].f, [0.0, 0.0], k=2)
    assert sorted(saddle.eigenvalues) == pytest.approx([-2.0, 2.0], abs=1e-12)
    assert saddle.converged
    bowl = surface.curvature(surface.CLASSICS["bowl"].f, [0.3, -0.2], k=2)
    assert np.all(bowl.eigenvalues > 0) and bowl.eigenvalues == pytest.approx([2, 2])
    two = surface.curvature(surface.CLASSICS["two_minima"].f, [0.0, 0.0],
                            which="extremes")
    assert two.eigenvalues == pytest.approx([2.0, -4.0], abs=1e-9)
    np.testing.assert_allclose(np.abs(two.vectors), [[0, 1], [1, 0]], atol=1e-6)


def test_curvature_matches_the_full_hessian(moons_mlp):
    loss, model, X, y = moons_mlp
    flat = np.concatenate([p.ravel() for p in model.params])
    sizes = np.cumsum([p.size for p in model.params])[:-1]

    def flat_loss(th):
        parts = np.split(np.arange(flat.size), sizes)
        return loss(*[mnp.reshape(th[idx[0]:idx[-1] + 1], p.shape)
                      for idx, p in zip(parts, model.params, strict=True)], X, y)

    H = np.asarray(mg.hessian(flat_loss)(flat))
    lam = np.linalg.eigvalsh(H)
    top = lam[np.argsort(-np.abs(lam))][:3]
    c = surface.curvature(loss, model.params, X, y, k=3, iters=500, tol=1e-9)
    np.testing.assert_allclose(c.eigenvalues, top, rtol=1e-6)
    Hv = surface.hvp(loss, model.params, X, y)(c.vectors[:, 0])
    np.testing.assert_allclose(Hv, H @ c.vectors[:, 0], rtol=1e-8, atol=1e-10)
    ext = surface.curvature(loss, model.params, X, y, which="extremes", iters=500,
                            tol=1e-8)
    np.testing.assert_allclose(ext.eigenvalues, [lam[-1], lam[0]], rtol=1e-5)


def test_curvature_warns_when_not_converged(moons_mlp):
    loss, model, X, y = moons_mlp
    with pytest.warns(RuntimeWarning, match="power iteration stopped after 2 rounds"):
        c = surface.curvature(loss, model.params, X, y, k=2, iters=2, tol=1e-12)
    assert not c.converged


def test_sharpness_along_a_path(moons_mlp):
    loss, model, X, y = moons_mlp
    path = surface.descend(loss, model.params, X, y, steps=4,
                           optimizer=nn.SGD(lr=0.3, batch_size=None))
    sharp = surface.sharpness(loss, path, X, y, iters=200, tol=1e-8)
    assert sharp.shape == (5,)
    for t in (0, 4):
        one = surface.curvature(loss, path.snapshots[t], X, y, k=1, iters=200, tol=1e-8)
        assert sharp[t] == pytest.approx(one.eigenvalues[0], rel=1e-5)


# --- the batched evaluator -----------------------------------------------------------


def _grid_vs_loop(f, center, seed=0, steps=4):
    rng = np.random.default_rng(seed)
    dirs = [[rng.standard_normal(np.shape(c)) for c in center] for _ in range(2)]
    a = np.linspace(-1, 1, steps)
    coeffs = np.array([(x, y) for x in a for y in a])
    res = _batched.evaluate(f, center, dirs, coeffs)
    want = [float(f(*_batched.point(center, dirs, c))) for c in coeffs]
    np.testing.assert_allclose(res.values, want, rtol=1e-12, atol=1e-12)
    return res


BATCHING_CASES = {
    "elementwise": lambda x, y: mnp.sum(mnp.sqrt(x * x + 1.0) / (1.0 + mnp.exp(y))
                                        - mnp.abs(x) ** 1.5 + mnp.sin(x) * mnp.cos(y)),
    "activations": lambda x, y: mnp.sum(mnp.tanh(x) + mnp.sigmoid(y) + mnp.relu(x)
                                        + mnp.softplus(y) - mnp.log(1.0 + x * x)),
    "broadcast": lambda x, y: mnp.sum(mnp.maximum(x, y) * np.ones((3, 1, 4))),
    "scalar_and_matrix": lambda x, y: mnp.sum(x[0, 0] * np.arange(6.0).reshape(2, 3)),
    "matmul_all_cases": lambda x, y: (mnp.sum(x @ y.T) + mnp.sum(x[0] @ y.T)
                                      + mnp.sum(x @ y[1]) + x[0] @ y[0]
                                      + mnp.sum(np.ones((2, 4)) @ x.T)),
    "reductions": lambda x, y: (mnp.sum(mnp.mean(x, axis=0)) * mnp.sum(mnp.max(y, 1))
                                + mnp.logsumexp(x) + mnp.sum(mnp.max(x, axis=-1,
                                                                     keepdims=True))),
    "softmax": lambda x, y: mnp.sum(mnp.softmax(x, axis=0) * mnp.log_softmax(y)),
    "shapes": lambda x, y: mnp.sum(mnp.transpose(mnp.reshape(x, (4, 3, 1)), (2, 0, 1))
                                   * mnp.broadcast_to(y[0, :3], (2, 4, 3)) * y.T[0]),
    "indexing": lambda x, y: (mnp.sum(x[np.array([0, 2, 2]), 1:] * y[1, 1:])
                              + mnp.sum(y[:, np.array([3, 0])] * x[::2, -1][0])),
    "joins": lambda x, y: mnp.sum(mnp.concatenate([x, y], axis=1)
                                  * mnp.stack([x[0], y[0]], axis=-1).T[0, 1]),
    "where": lambda x, y: mnp.sum(mnp.where(np.array([True, False, True, True]),
                                            x[0], y[1])),
}


@pytest.mark.parametrize("name", sorted(BATCHING_CASES))
def test_batched_evaluation_equals_one_call_per_point(name, rng):
    center = [rng.uniform(0.2, 1.0, (3, 4)), rng.uniform(0.2, 1.0, (3, 4))]
    res = _grid_vs_loop(BATCHING_CASES[name], center)
    assert res.batched and res.notes == []


def test_uncovered_case_runs_point_by_point_and_says_so(rng):
    # advanced indices that are not adjacent: numpy would move the grid axis
    f = lambda x, y: mnp.sum(x[np.array([0, 1]), :, np.array([1, 0])] * y[0, 0, 0])  # noqa: E731
    res = _grid_vs_loop(f, [rng.standard_normal((2, 3, 2)),
                            rng.standard_normal((2, 3, 2))])
    assert res.batched and any("'getitem'" in n and "once per grid point" in n
                               for n in res.notes)


def test_value_dependent_f_falls_back_to_direct_calls():
    def kinked(w, x):          # the mask is read while tracing: frozen in the graph
        mask = np.asarray(w.value if isinstance(w, mg.Tensor) else w) > 0
        return mnp.sum(mnp.where(mask, w, -w) * x)

    center = [np.array([0.1, -0.2, 0.3])]
    dirs = [[np.array([1.0, 1.0, -1.0])], [np.array([0.5, -1.0, 0.0])]]
    coeffs = np.array([(a, b) for a in np.linspace(-1, 1, 5) for b in (-1.0, 1.0)])
    res = _batched.evaluate(kinked, center, dirs, coeffs, (np.array([1.0, 2.0, 3.0]),))
    want = [np.sum(np.abs(w) * [1, 2, 3]) for w in
            (center[0] + a * dirs[0][0] + b * dirs[1][0] for a, b in coeffs)]
    np.testing.assert_allclose(res.values, want, rtol=1e-14)
    assert not res.batched and "branches on its values" in res.notes[0]


def test_batch_norm_and_skip_models_batch_exactly(rng):
    data = datasets.spiral(n=60, seed=0)
    X, y = data.X_train, data.y_train
    for skip, bn in [(True, True), (False, True), (True, False)]:
        model = nn.DeepMLP(2, 5, 3, depth=5, skip=skip, batch_norm=bn, seed=2)
        loss = nn.make_loss(model, "ce")          # integer labels: data, not traced
        s = surface.random_plane(loss, model, X, y, steps=5, biases="normalized")
        assert s.batched and s.notes == []
        assert_grid_matches_direct(s, loss, (X, y), rng, n=4)


def test_params_plane_over_batch_norm_scale(rng):
    data = datasets.moons(n=40, seed=0)
    model = nn.DeepMLP(2, 4, 1, depth=3, batch_norm=True, seed=0)
    loss = nn.make_loss(model, "bce")
    X, y = data.X_train, data.y_train.astype(float)
    s = surface.params_plane(loss, model, X, y, which=("γ2[1]", "W3[0,0]"), steps=5)
    assert s.labels == ("γ2[1]", "W3[0,0]") and s.origin[0] == 1.0
    assert_grid_matches_direct(s, loss, (X, y), rng, n=4)


# --- cache ---------------------------------------------------------------------------


def test_cache_returns_the_same_grid_and_notices_a_changed_model(moons_mlp):
    loss, model, X, y = moons_mlp
    a = surface.random_plane(loss, model.params, X, y, steps=7)
    assert surface.random_plane(loss, model.params, X, y, steps=7) is a
    assert surface.random_plane(loss, model.params, X, y, steps=7, seed=1) is not a
    model.activation = "relu"         # same f object, other function: recomputed
    b = surface.random_plane(loss, model.params, X, y, steps=7)
    assert b is not a and b.center_loss == pytest.approx(
        float(loss(*model.params, X, y)), rel=1e-14)
    shifted = [p + 1e-3 for p in model.params]        # other parameters: other key
    assert surface.random_plane(loss, shifted, X, y, steps=7) is not b


# --- bad input -----------------------------------------------------------------------


def test_bad_input_names_what_is_wrong(moons_mlp):
    loss, model, X, y = moons_mlp
    with pytest.raises(ValueError, match="no parameter named 'W9'; the parameters are "
                       "W1, b1, W2, b2, W3, b3"):
        surface.params_plane(loss, model.params, X, y, which=("W9[0,0]", "b1[0]"))
    with pytest.raises(ValueError, match=r"'W1\[5,0\]' is not an entry of W1, which "
                       r"has shape \(2, 6\)"):
        surface.params_plane(loss, model.params, X, y, which=("W1[5,0]", "b1[0]"))
    with pytest.raises(ValueError, match="same entry twice"):
        surface.params_plane(loss, model.params, X, y, which=("b1[0]", "b1[0]"))
    with pytest.raises(TypeError, match="list of parameter arrays"):
        surface.random_plane(loss, model.params[0], X, y)
    with pytest.raises(ValueError, match="at least 3 snapshots"):
        surface.pca_plane(loss, [model.params, model.params], X, y)
    with pytest.raises(ValueError, match="snapshot 1 of the trajectory has parameter "
                       "shapes"):
        surface.pca_plane(loss, [model.params, model.params[:2], model.params], X, y)
    with pytest.raises(ValueError, match="no classic function 'bowel'"):
        surface.function("bowel")
    with pytest.raises(ValueError, match="steps must be at least 2"):
        surface.random_plane(loss, model.params, X, y, steps=1)


def test_surface_json_is_plain_data(moons_mlp):
    import json

    loss, model, X, y = moons_mlp
    s = surface.random_plane(loss, model.params, X, y, steps=3)
    data = json.loads(json.dumps(s.to_json()))
    assert data["values"] == s.values.tolist() and data["center_loss"] == s.center_loss
    assert set(data) >= {"alphas", "betas", "values", "center_loss", "seconds"}


def test_surface_is_headless():
    """mlgraph.surface and the surface command load no UI library."""
    import subprocess
    import sys

    code = (
        "import sys, mlgraph.surface, mlgraph.cli_surface\n"
        "s = mlgraph.surface.function('bowl', steps=3)\n"
        "print(s.values.tolist())\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'anywidget', "
        "'ipywidgets', 'matplotlib', 'graphviz', 'traitlets', 'IPython'}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    grid = "[[8.0, 4.0, 8.0], [4.0, 0.0, 4.0], [8.0, 4.0, 8.0]]"
    assert out.stdout.splitlines() == [grid, "[]"]
