"""The RNN of mlgraph.nn: the unrolled graph, scoped per step, and BPTT's numbers."""

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph.nn import RNN, one_hot_sequences, rnn_states, state_adjoints

# the lecture gallery's graph 12
W12 = np.array([[0.5, -0.3], [0.2, 0.4]])
U12 = np.array([1.0, -1.0])
XS12 = np.array([0.5, -0.2, 0.8])


def loss12(W, U):
    return mnp.sum(rnn_states(XS12, np.zeros(2), W, U)[-1])


def test_gallery_graph_12_numbers():
    assert float(loss12(W12, U12)) == pytest.approx(0.0730, abs=5e-5)
    gW, gU = mg.grad(loss12, argnums=(0, 1))(W12, U12)
    np.testing.assert_allclose(gU, [0.4226, 0.4456], atol=5e-5)
    # by hand: h_t = tanh(W h_{t-1} + U x_t)
    h, hs = np.zeros(2), [np.zeros(2)]
    for x in XS12:
        h = np.tanh(W12 @ h + U12 * x)
        hs.append(h)
    assert float(h.sum()) == pytest.approx(float(loss12(W12, U12)), abs=1e-15)
    # W's adjoint is the sum of one outer product per step: δ_t h_{t-1}ᵀ
    g = mg.trace(loss12, W=W12, U=U12)
    bars = state_adjoints(g)
    deltas = [bar * (1 - hs[t + 1] ** 2) for t, bar in enumerate(bars)]
    per_step = [np.outer(d, hs[t]) for t, d in enumerate(deltas)]
    np.testing.assert_allclose(sum(per_step), gW, atol=1e-12)
    np.testing.assert_allclose(sum(d * x for d, x in zip(deltas, XS12, strict=True)), gU,
                               atol=1e-12)


def test_unrolled_graph_is_scoped_and_named_per_step():
    g = mg.trace(loss12, W=W12, U=U12)
    names = {label: i for i, label in g.names.items()}
    assert sorted(names) == ["h1", "h2", "h3"]
    for t in (1, 2, 3):
        assert g.scopes[names[f"h{t}"]] == f"t{t}"
    assert set(g.scopes.values()) == {"t1", "t2", "t3"}
    # the one W input feeds every step: three edges out of it
    w = g.inputs[0]
    users = [i for i in range(len(g)) if w in g.args[i]]
    assert sorted(g.scopes[i] for i in users) == ["t1", "t2", "t3"]


def test_state_adjoints_are_the_reverse_sweep_and_match_differences():
    g = mg.trace(loss12, W=W12, U=U12)
    bars = state_adjoints(g)
    np.testing.assert_allclose(bars[-1], [1.0, 1.0])   # ∂ sum(h3)/∂h3
    # h̄_{t-1} = Wᵀ (h̄_t ⊙ (1 − h_t²))
    hs = [g.values[i] for i in sorted(g.names)]
    for t in (2, 1):
        expected = W12.T @ (bars[t] * (1 - hs[t] ** 2))
        np.testing.assert_allclose(bars[t - 1], expected, atol=1e-12)
    with pytest.raises(ValueError, match="named h1, h2"):
        state_adjoints(mg.trace(lambda x: x * x, x=2.0))


def test_batched_states_agree_with_one_example_at_a_time(rng):
    T, n, d, H = 4, 3, 2, 5
    xs, h0 = rng.standard_normal((T, n, d)), rng.standard_normal((n, H))
    W, U, b = rng.standard_normal((H, H)), rng.standard_normal((H, d)), rng.standard_normal(H)
    batch = rnn_states(xs, h0, W, U, b)
    for k in range(n):
        one = rnn_states(xs[:, k], h0[k], W, U, b)
        for t in range(T):
            np.testing.assert_allclose(batch[t][k], one[t], atol=1e-12)


def test_gradients_match_central_differences(rng):
    T, n, d, H = 5, 2, 3, 4
    xs = rng.standard_normal((T, n, d))

    def f(W, U, b):
        return mnp.sum(rnn_states(xs, np.zeros((n, H)), W, U, b)[-1] ** 2)

    args = (0.5 * rng.standard_normal((H, H)), rng.standard_normal((H, d)),
            rng.standard_normal(H))
    report = mg.gradcheck(f, *args)
    assert report.passed, str(report)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"W must be a square .H, H. matrix, got shape \(2, 3\)"):
        rnn_states(XS12, np.zeros(2), np.zeros((2, 3)), U12)
    with pytest.raises(ValueError, match="h0 must have 2 entries"):
        rnn_states(XS12, np.zeros(3), W12, U12)
    with pytest.raises(ValueError, match="U must have 2 rows"):
        rnn_states(XS12, np.zeros(2), W12, np.ones(3))
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        rnn_states(XS12, np.zeros(2), W12, U12, activation="swish")
    with pytest.raises(ValueError, match="positive widths"):
        RNN(0, 4)


def test_char_rnn_learns_a_repeating_sequence():
    text = "abcab" * 4
    alphabet = sorted(set(text))
    ids = np.array([alphabet.index(ch) for ch in text])
    xs = one_hot_sequences(ids[:-1], len(alphabet))[:, None, :]   # (T, 1, 3)
    ys = ids[1:][:, None]                                         # (T, 1)
    model = RNN(3, 8, seed=0)
    step = mg.value_and_grad(model.loss, argnums=tuple(range(5)))
    first = None
    for _ in range(150):
        loss, grads = step(*model.params, xs, ys)
        first = loss if first is None else first
        model.params = [p - 0.5 * g for p, g in zip(model.params, grads, strict=True)]
    assert first > 1.0 and loss < 0.1 * first
    guesses = [int(np.argmax(o)) for o in model(xs)]
    # after "c" and after "b" following "a"... every next symbol is predicted
    assert (np.array(guesses)[2:] == ys[2:, 0]).all()
    assert model.param_names == ["U", "W", "b", "V", "c"]


def test_orthogonal_recurrent_init_is_scaled():
    m = RNN(2, 6, w_scale=0.5, seed=3)
    W = m.params[1]
    np.testing.assert_allclose(W @ W.T, 0.25 * np.eye(6), atol=1e-12)
