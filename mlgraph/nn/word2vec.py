"""word2vec: skip-gram with negative sampling (SGNS) on the kernel.

Every word w has two vectors: v_w as a centre word (the rows of ``V``) and u_w as a
context word (the rows of ``U``). For a centre c, a context word o seen next to it and
k noise words n₁ … n_k drawn from count^¾, the loss is

    L = −log σ(u_o·v_c) − Σᵢ log σ(−u_nᵢ·v_c),

with the gradients ∂L/∂v_c = (σ(u_o·v_c) − 1)·u_o + Σᵢ σ(u_nᵢ·v_c)·u_nᵢ,
∂L/∂u_o = (σ(u_o·v_c) − 1)·v_c and ∂L/∂u_nᵢ = σ(u_nᵢ·v_c)·v_c. A step touches only
the rows of the words in its batch: the reverse sweep of the row lookup (``V[c]``)
scatters the cotangent into those rows and leaves every other row's gradient zero.
The data come from `mlgraph.corpus`. Layer 4: numpy, the kernel, `mlgraph.corpus`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import corpus as corpus_mod
from .. import numpy as mnp
from ..corpus import Corpus, Vocabulary
from ..tracer import name
from ..transforms import value_and_grad

__all__ = ["sgns_loss", "SkipGram", "SparseStep"]


def sgns_loss(v_c: Any, u_o: Any, u_n: Any) -> Any:
    """The skip-gram negative-sampling loss, averaged over a batch of pairs.

    L = −log σ(u_o·v_c) − Σᵢ log σ(−u_nᵢ·v_c), computed as softplus(−u_o·v_c) +
    Σᵢ softplus(u_nᵢ·v_c), which never overflows. On a traced graph the scores are
    named ``s_o`` (u_o·v_c) and ``s_n`` (the u_nᵢ·v_c), the loss ``L``.

    Args:
        v_c: the centre vectors, (d,) for one pair or (n, d) for a batch.
        u_o: the context vectors, the shape of v_c.
        u_n: the noise words' vectors u_nᵢ, (k, d) or (n, k, d).

    Returns:
        The loss of one pair, or the mean over the batch.

    Example:
        >>> import numpy as np
        >>> round(float(sgns_loss(np.zeros(3), np.ones(3), np.ones((2, 3)))), 4)
        2.0794
    """
    shape = mnp.shape(v_c)
    if mnp.shape(u_o) != shape or mnp.shape(u_n)[:-2] + mnp.shape(u_n)[-1:] != shape:
        raise ValueError(
            f"sgns_loss needs v_c and u_o of one shape, (d,) or (n, d), and u_n of "
            f"shape (k, d) or (n, k, d); got v_c {shape}, u_o {mnp.shape(u_o)}, "
            f"u_n {mnp.shape(u_n)}.")
    pos = name(mnp.sum(v_c * u_o, axis=-1), "s_o")            # u_o·v_c
    neg = name(mnp.sum(mnp.reshape(v_c, (*shape[:-1], 1, shape[-1])) * u_n, axis=-1),
               "s_n")                                          # u_nᵢ·v_c
    per_pair = mnp.softplus(-pos) + mnp.sum(mnp.softplus(neg), axis=-1)
    return name(mnp.mean(per_pair), "L")


@dataclass(frozen=True)
class SparseStep:
    """What one SGD step on a batch did.

    Attributes:
        loss: the batch's loss before the step.
        grads: ∂L/∂V and ∂L/∂U, full matrices, zero outside the batch's rows.
        rows: for ``"V"`` and ``"U"``, the row ids whose gradient is not zero.
        changed: for ``"V"`` and ``"U"``, the row ids the step changed.
    """

    loss: float
    grads: tuple[np.ndarray, np.ndarray]
    rows: dict[str, np.ndarray]
    changed: dict[str, np.ndarray]


class SkipGram:
    """Word vectors trained by skip-gram with negative sampling on a `Corpus`.

    Args:
        vocab: the words (a `mlgraph.corpus.Vocabulary`).
        dim: d, the vectors' length.
        seed: seeds the initialization (V uniform in ±0.5/d, U zero, as word2vec does).

    Example:
        >>> from mlgraph import corpus
        >>> model = SkipGram(corpus.load("genesis").vocab, dim=16)
        >>> model.params[0].shape, model.param_names
        ((741, 16), ['V', 'U'])
    """

    param_names = ["V", "U"]

    def __init__(self, vocab: Vocabulary, dim: int = 50, seed: int = 0) -> None:
        if dim < 1:
            raise ValueError(f"dim must be at least 1, got {dim}.")
        self.vocab, self.dim = vocab, dim
        rng = np.random.default_rng(seed)
        self.params = [rng.uniform(-0.5 / dim, 0.5 / dim, (len(vocab), dim)),
                       np.zeros((len(vocab), dim))]
        self._value_and_grad = value_and_grad(self.loss, argnums=(0, 1),
                                              reuse_graph=True)

    @staticmethod
    def loss(V: Any, U: Any, centres: Any, contexts: Any, negatives: Any) -> Any:
        """The batch's SGNS loss as a function of the whole matrices V and U.

        ``centres`` and ``contexts`` are (n,) word ids, ``negatives`` (n, k).
        """
        return sgns_loss(V[centres], U[contexts], U[negatives])

    def step(self, centres: np.ndarray, contexts: np.ndarray, negatives: np.ndarray,
             lr: float) -> SparseStep:
        """One SGD step θ ← θ − η·∇L on a batch; reports the rows it touched."""
        V, U = self.params
        loss, (gV, gU) = self._value_and_grad(V, U, centres, contexts, negatives)
        self.params = [V - lr * gV, U - lr * gU]
        rows = {"V": _nonzero_rows(gV), "U": _nonzero_rows(gU)}
        changed = {k: _nonzero_rows(new - old) for k, new, old in
                   zip(self.param_names, self.params, (V, U), strict=True)}
        return SparseStep(float(loss), (gV, gU), rows, changed)

    def fit(self, corpus: Corpus, epochs: int = 5, window: int = 2, k: int = 5,
            batch_size: int = 256, lr: float = 1.0, subsample: float | None = 1e-3,
            seed: int = 0) -> list[float]:
        """Train on a corpus; returns the mean loss of each epoch.

        Each epoch subsamples frequent words (word2vec's rule, threshold `subsample`),
        takes every (centre, context) pair within `window`, shuffles them and draws `k`
        noise words per pair. The learning rate falls linearly to a tenth of `lr`.
        """
        rng = np.random.default_rng(seed)
        losses = []
        for epoch in range(epochs):
            ids = corpus.ids if subsample is None else corpus_mod.subsample(
                corpus.ids, self.vocab, t=subsample, seed=seed + epoch)
            pairs = corpus_mod.skipgram_pairs(ids, window)
            pairs = pairs[rng.permutation(len(pairs))]
            neg = corpus_mod.negative_samples(self.vocab, len(pairs), k,
                                              seed=seed + 1000 + epoch)
            batch_losses = []
            for s in range(0, len(pairs), batch_size):
                eta = lr * (1.0 - 0.9 * (epoch + s / len(pairs)) / epochs)
                sl = slice(s, s + batch_size)
                out = self.step(pairs[sl, 0], pairs[sl, 1], neg[sl], eta)
                batch_losses.append(out.loss)
            losses.append(float(np.mean(batch_losses)))
        return losses

    def vectors(self) -> np.ndarray:
        """The centre vectors, each scaled to length 1 (rows of V / ‖row‖)."""
        V = self.params[0]
        return V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)

    def nearest(self, word: str | np.ndarray, n: int = 5,
                exclude: tuple[str, ...] = ()) -> list[tuple[str, float]]:
        """The `n` words whose vectors have the largest cosine similarity with `word`.

        `word` may also be a vector (as `analogy` passes). The word itself and
        `exclude` are left out.
        """
        E = self.vectors()
        if isinstance(word, str):
            query, exclude = E[self.vocab.index(word)], (*exclude, word)
        else:
            query = np.asarray(word, dtype=float)
            query = query / max(np.linalg.norm(query), 1e-12)
        sims = E @ query
        skip = {self.vocab.index(w) for w in exclude}
        order = [int(i) for i in np.argsort(-sims, kind="stable") if int(i) not in skip]
        return [(self.vocab.words[i], float(sims[i])) for i in order[:n]]

    def analogy(self, a: str, b: str, c: str, n: int = 5) -> list[tuple[str, float]]:
        """a is to b as c is to …? The words nearest to v_b − v_a + v_c (3CosAdd)."""
        E = self.vectors()
        idx = self.vocab.index
        return self.nearest(E[idx(b)] - E[idx(a)] + E[idx(c)], n, exclude=(a, b, c))

    def __repr__(self) -> str:
        return (f"SkipGram({len(self.vocab)} words × {self.dim}: V (centre), "
                "U (context))")


def _nonzero_rows(M: np.ndarray) -> np.ndarray:
    """The ids of M's rows with an entry that is not zero."""
    return np.flatnonzero(np.any(M != 0, axis=1))
