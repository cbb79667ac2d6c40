"""word2vec's skip-gram with negative sampling on the shipped corpus."""

import numpy as np
import pytest

import mlgraph as mg
from mlgraph import corpus
from mlgraph.nn import SkipGram, sgns_loss


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture(scope="module")
def genesis():
    return corpus.load("genesis")


@pytest.fixture(scope="module")
def trained(genesis):
    model = SkipGram(genesis.vocab, dim=50, seed=0)
    history = model.fit(genesis, epochs=10, lr=20.0, batch_size=256, seed=0)
    return model, history


def test_loss_and_its_three_gradients_match_the_formulas(rng):
    v, u_o, u_neg = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal((3, 4))
    loss = sgns_loss(v, u_o, u_neg)
    expected = -np.log(sigmoid(u_o @ v)) - np.log(sigmoid(-u_neg @ v)).sum()
    assert float(loss) == pytest.approx(expected, rel=1e-12)
    gv, go, gn = mg.grad(sgns_loss, argnums=(0, 1, 2))(v, u_o, u_neg)
    s_o, s_n = sigmoid(u_o @ v), sigmoid(u_neg @ v)
    np.testing.assert_allclose(gv, (s_o - 1) * u_o + s_n @ u_neg, atol=1e-12)
    np.testing.assert_allclose(go, (s_o - 1) * v, atol=1e-12)
    np.testing.assert_allclose(gn, s_n[:, None] * v, atol=1e-12)


def test_batch_loss_is_the_mean_of_the_pairs(rng):
    v, u, n = (rng.standard_normal((5, 3)), rng.standard_normal((5, 3)),
               rng.standard_normal((5, 2, 3)))
    each = [float(sgns_loss(v[i], u[i], n[i])) for i in range(5)]
    assert float(sgns_loss(v, u, n)) == pytest.approx(np.mean(each), rel=1e-12)
    # stable far out: no overflow, no NaN
    big = float(sgns_loss(np.full(3, 100.0), np.full(3, -100.0), np.full((2, 3), 100.0)))
    assert big == pytest.approx(3 * 30000.0, rel=1e-9)
    with pytest.raises(ValueError, match=r"u_n of shape \(k, d\).*u_n \(2, 4\)"):
        sgns_loss(np.zeros(3), np.zeros(3), np.zeros((2, 4)))


def test_a_step_touches_only_the_windows_rows(trained, genesis):
    model = SkipGram(genesis.vocab, dim=50)
    model.params = [p.copy() for p in trained[0].params]
    ids = genesis.ids[:7]                        # "in the beginning god created ..."
    pairs = corpus.skipgram_pairs(ids, window=2)
    neg = corpus.negative_samples(genesis.vocab, len(pairs), k=3, seed=5)
    before = [p.copy() for p in model.params]
    out = model.step(pairs[:, 0], pairs[:, 1], neg, lr=0.5)
    assert set(out.rows["V"]) == set(pairs[:, 0])
    assert set(out.rows["U"]) == set(pairs[:, 1]) | set(neg.ravel())
    assert out.changed["V"].tolist() == out.rows["V"].tolist()
    untouched = np.setdiff1d(np.arange(len(genesis.vocab)), out.rows["V"])
    assert np.array_equal(model.params[0][untouched], before[0][untouched])
    gV, gU = out.grads
    assert not gV[untouched].any() and gV[out.rows["V"]].any(axis=1).all()
    assert out.loss == pytest.approx(
        float(SkipGram.loss(*before, pairs[:, 0], pairs[:, 1], neg)), rel=1e-12)


def test_training_lowers_the_loss_and_finds_neighbours(trained):
    model, history = trained
    assert len(history) == 10
    assert history[-1] < 0.8 * history[0]
    assert all(b < a for a, b in zip(history, history[1:], strict=False))
    expected = {"camels": "oxen", "ten": "twenty", "jacob": "laban",
                "egypt": "goshen", "pharaoh": "joseph"}
    for word, neighbour in expected.items():
        assert neighbour in [w for w, _ in model.nearest(word, 5)], word
    assert model.analogy("sheep", "flocks", "cattle", 1)[0][0] == "herds"


def test_untrained_vectors_have_no_such_neighbours(genesis):
    model = SkipGram(genesis.vocab, dim=50, seed=0)
    hits = sum(n in [w for w, _ in model.nearest(w0, 5)]
               for w0, n in {"camels": "oxen", "ten": "twenty", "jacob": "laban"}.items())
    assert hits == 0


def test_nearest_excludes_the_word_and_sorts_by_cosine(trained):
    model, _ = trained
    near = model.nearest("god", 8)
    assert "god" not in [w for w, _ in near]
    sims = [s for _, s in near]
    assert sims == sorted(sims, reverse=True) and all(-1 <= s <= 1 for s in sims)
    with pytest.raises(KeyError, match="'zeus' is not in the vocabulary"):
        model.nearest("zeus")
    with pytest.raises(ValueError, match="dim must be at least 1"):
        SkipGram(model.vocab, dim=0)
