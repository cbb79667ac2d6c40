"""A small public-domain text shipped with mlgraph, and the plumbing word2vec needs.

Tokens, a vocabulary, skip-gram (centre, context) pairs and negative samples. The text
is the Book of Genesis, King James Version (``mlgraph/data/genesis_kjv.txt``, 205 KB;
provenance and licence in ``mlgraph/data/CORPUS.md``). No downloads. Layer 0 (data,
beside `mlgraph.datasets`): numpy and the standard library only, nothing of mlgraph.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CORPORA",
    "Corpus",
    "Vocabulary",
    "load",
    "load_text",
    "negative_samples",
    "skipgram_pairs",
    "subsample",
    "tokenize",
]

DATA = Path(__file__).parent / "data"

#: The shipped texts: name -> file in ``mlgraph/data``.
CORPORA = {"genesis": "genesis_kjv.txt"}

# a word is a run of letters; "father's" is the word "father" (the possessive dropped)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def load_text(name: str = "genesis") -> str:
    """The raw text of a shipped corpus: a verse per line, ``"1:1 In the beginning…"``.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    if name not in CORPORA:
        raise ValueError(
            f"no corpus named {name!r}: the shipped corpora are "
            f"{', '.join(map(repr, CORPORA))}. Use e.g. load_text('genesis')."
        )
    return (DATA / CORPORA[name]).read_text(encoding="utf-8")


def tokenize(text: str) -> list[str]:
    """Lower-case words, in order.

    Numbers and punctuation are dropped, and so is a possessive ``'s``.

    Example:
        >>> tokenize("1:1 In the beginning God created the heaven; Abraham's tent.")
        ['in', 'the', 'beginning', 'god', 'created', 'the', 'heaven', 'abraham', 'tent']
    """
    words = _WORD.findall(text.lower())
    return [w[:-2] if w.endswith("'s") else w for w in words]


@dataclass(frozen=True)
class Vocabulary:
    """Words numbered by falling frequency (ties: first seen first), with their counts.

    Attributes:
        words: ``words[i]`` is the word with id ``i``.
        counts: ``counts[i]`` is how often it occurs in the tokens it was built from.
        min_count: words rarer than this were left out.
    """

    words: tuple[str, ...]
    counts: np.ndarray
    min_count: int = 1

    def __post_init__(self) -> None:
        if len(self.words) != len(self.counts):
            raise ValueError(
                f"a Vocabulary needs one count per word, got {len(self.words)} words "
                f"and {len(self.counts)} counts."
            )
        if len(set(self.words)) != len(self.words):
            dup = next(w for w, c in Counter(self.words).items() if c > 1)
            raise ValueError(f"the word {dup!r} is listed twice in the vocabulary.")
        object.__setattr__(self, "_ids", {w: i for i, w in enumerate(self.words)})

    @classmethod
    def build(
        cls, tokens: Iterable[str], min_count: int = 5, max_size: int | None = None
    ) -> Vocabulary:
        """The words occurring at least `min_count` times, the `max_size` most frequent.

        Raises:
            ValueError: if `min_count` < 1 or no word is left.
        """
        if min_count < 1:
            raise ValueError(f"min_count must be at least 1, got {min_count}.")
        counted = Counter(tokens)
        if not counted:
            raise ValueError("cannot build a vocabulary from no tokens.")
        # Counter.most_common keeps first-seen order among equal counts: deterministic
        kept = [(w, c) for w, c in counted.most_common(max_size) if c >= min_count]
        if not kept:
            raise ValueError(
                f"no word occurs {min_count} times or more (the most frequent, "
                f"{counted.most_common(1)[0][0]!r}, occurs "
                f"{counted.most_common(1)[0][1]} times). Lower min_count."
            )
        words, counts = zip(*kept, strict=True)
        return cls(tuple(words), np.array(counts, dtype=np.int64), min_count)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._ids  # type: ignore[attr-defined]

    def index(self, word: str) -> int:
        """The id of `word`.

        Raises:
            KeyError: naming the word and the vocabulary's size and `min_count`.
        """
        try:
            return self._ids[word]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(
                f"{word!r} is not in the vocabulary ({len(self)} words occurring at "
                f"least {self.min_count} times). Check the spelling (words are "
                "lower-case) or build the vocabulary with a smaller min_count."
            ) from None

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """The ids of `tokens`, skipping words not in the vocabulary (int64 array)."""
        ids = self._ids  # type: ignore[attr-defined]
        return np.array([ids[t] for t in tokens if t in ids], dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The words of `ids`."""
        return [self.words[int(i)] for i in ids]

    def noise_distribution(self, power: float = 0.75) -> np.ndarray:
        """P(w) ∝ count(w)^power, the distribution negative samples are drawn from."""
        p = self.counts.astype(np.float64) ** power
        return p / p.sum()


def subsample(
    ids: np.ndarray, vocab: Vocabulary, t: float = 1e-3, seed: int | None = 0
) -> np.ndarray:
    """Drop frequent words at random (word2vec's rule).

    Id w is kept with probability min(1, (√(f/t) + 1) · t/f), f its relative frequency.

    Returns the kept ids, in order.
    """
    f = vocab.counts / vocab.counts.sum()
    keep = np.minimum(1.0, (np.sqrt(f / t) + 1.0) * t / f)
    ids = np.asarray(ids, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return ids[rng.random(len(ids)) < keep[ids]]


def skipgram_pairs(ids: Sequence[int] | np.ndarray, window: int = 2) -> np.ndarray:
    """Every (centre, context) pair with the context at most `window` positions away.

    Returns an int64 array of shape (n_pairs, 2), ordered by centre position, then by
    offset -window … -1, 1 … window.

    Example:
        >>> skipgram_pairs([7, 8, 9], window=1).tolist()
        [[7, 8], [8, 7], [8, 9], [9, 8]]

    Raises:
        ValueError: if `window` < 1.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}.")
    ids = np.asarray(ids, dtype=np.int64)
    n = len(ids)
    pos = np.arange(n)[:, None]
    offsets = np.array([o for o in range(-window, window + 1) if o != 0])
    ctx = pos + offsets[None, :]
    valid = (ctx >= 0) & (ctx < n)
    centre = np.broadcast_to(ids[:, None], ctx.shape)[valid]
    context = ids[np.clip(ctx, 0, max(n - 1, 0))][valid]
    return np.stack([centre, context], axis=1).reshape(-1, 2)


def negative_samples(
    vocab: Vocabulary, n: int, k: int = 5, power: float = 0.75, seed: int | None = 0
) -> np.ndarray:
    """An (n, k) int64 array of ids drawn from the noise distribution count^power."""
    rng = np.random.default_rng(seed)
    return rng.choice(len(vocab), size=(n, k), p=vocab.noise_distribution(power))


@dataclass(frozen=True)
class Corpus:
    """A shipped text as word2vec reads it.

    Attributes:
        name: e.g. ``"genesis"``.
        tokens: every word of the text, in order (see `tokenize`).
        vocab: the words occurring at least ``min_count`` times.
        ids: ``tokens`` encoded with ``vocab`` (rarer words dropped).
    """

    name: str
    tokens: tuple[str, ...]
    vocab: Vocabulary
    ids: np.ndarray

    def __repr__(self) -> str:
        return (
            f"Corpus({self.name!r}: {len(self.tokens):,} tokens, {len(self.vocab):,} "
            f"words occurring at least {self.vocab.min_count} times, "
            f"{len(self.ids):,} tokens kept)"
        )


def load(
    name: str = "genesis", min_count: int = 5, max_size: int | None = None
) -> Corpus:
    """A shipped corpus, tokenized, with its vocabulary.

    Example:
        >>> from mlgraph import corpus
        >>> c = corpus.load("genesis")
        >>> len(c.tokens), len(c.vocab), c.vocab.words[:4]
        (38265, 741, ('and', 'the', 'of', 'his'))
    """
    tokens = tuple(tokenize(load_text(name)))
    vocab = Vocabulary.build(tokens, min_count=min_count, max_size=max_size)
    return Corpus(name, tokens, vocab, vocab.encode(tokens))
