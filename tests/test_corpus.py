"""The shipped corpus (Genesis, KJV) and the word2vec plumbing in mlgraph.corpus."""

from __future__ import annotations

import numpy as np
import pytest

from mlgraph import corpus
from mlgraph.corpus import Vocabulary

DATA = corpus.DATA


def test_corpus_is_small_public_domain_and_documented():
    text_file = DATA / corpus.CORPORA["genesis"]
    assert text_file.stat().st_size < 1_000_000
    card = (DATA / "CORPUS.md").read_text(encoding="utf-8")
    assert "genesis_kjv.txt" in card and "public domain" in card.lower()
    assert "bible-kjv-text" in card  # where it came from
    lines = corpus.load_text().splitlines()
    assert len(lines) == 1533  # every verse of Genesis, one per line
    assert lines[0] == "1:1 In the beginning God created the heaven and the earth."
    assert lines[-1].startswith("50:26 So Joseph died, being an hundred and ten years")


def test_unknown_corpus_names_the_known_ones():
    with pytest.raises(ValueError, match="no corpus named 'shakespeare'.*'genesis'"):
        corpus.load_text("shakespeare")


def test_tokenize_lowercases_drops_numbers_punctuation_and_possessives():
    text = "12:3 And I will bless them; Abraham's SEED, thy father's house!"
    assert corpus.tokenize(text) == [
        "and", "i", "will", "bless", "them", "abraham", "seed", "thy", "father", "house"
    ]
    assert corpus.tokenize("") == []


def test_vocabulary_orders_by_count_then_first_seen():
    v = Vocabulary.build("b a c a b a d".split(), min_count=1)
    assert v.words == ("a", "b", "c", "d")
    assert v.counts.tolist() == [3, 2, 1, 1]
    v2 = Vocabulary.build("b a c a b a d".split(), min_count=2)
    assert v2.words == ("a", "b") and len(v2) == 2
    assert v2.encode("a x b c".split()).tolist() == [0, 1]
    assert v2.decode([1, 0]) == ["b", "a"]
    assert "a" in v2 and "c" not in v2
    assert Vocabulary.build("a b c a".split(), min_count=1, max_size=1).words == ("a",)


def test_vocabulary_errors_say_what_and_how():
    v = Vocabulary.build("a a b".split(), min_count=2)
    with pytest.raises(KeyError, match="'b' is not in the vocabulary .1 words occurring"
                       " at least 2 times.*smaller min_count"):
        v.index("b")
    with pytest.raises(ValueError, match="no word occurs 3 times.*'a', occurs 2"):
        Vocabulary.build("a a b".split(), min_count=3)
    with pytest.raises(ValueError, match="min_count must be at least 1"):
        Vocabulary.build(["a"], min_count=0)
    with pytest.raises(ValueError, match="no tokens"):
        Vocabulary.build([])
    with pytest.raises(ValueError, match="listed twice"):
        Vocabulary(("a", "a"), np.array([1, 1]))


def test_noise_distribution_is_count_to_the_three_quarters():
    v = Vocabulary.build(["a"] * 16 + ["b"], min_count=1)
    p = v.noise_distribution()
    assert p == pytest.approx(np.array([8.0, 1.0]) / 9.0)
    draws = corpus.negative_samples(v, 9000, k=2, seed=1)
    assert draws.shape == (9000, 2) and draws.dtype == np.int64
    assert (draws == 1).mean() == pytest.approx(1 / 9, abs=0.01)
    assert np.array_equal(draws, corpus.negative_samples(v, 9000, k=2, seed=1))


@pytest.mark.parametrize("window", [1, 2, 3])
def test_skipgram_pairs_match_a_plain_double_loop(window):
    ids = np.array([5, 3, 9, 3, 1, 0])
    expected = [
        [ids[i], ids[j]]
        for i in range(len(ids))
        for j in range(i - window, i + window + 1)
        if j != i and 0 <= j < len(ids)
    ]
    pairs = corpus.skipgram_pairs(ids, window)
    assert pairs.dtype == np.int64 and pairs.tolist() == expected


def test_skipgram_pairs_edge_cases():
    assert corpus.skipgram_pairs([], 2).shape == (0, 2)
    assert corpus.skipgram_pairs([4], 2).shape == (0, 2)
    with pytest.raises(ValueError, match="window must be at least 1, got 0"):
        corpus.skipgram_pairs([1, 2], 0)


def test_subsample_keeps_rare_words_and_thins_frequent_ones():
    c = corpus.load()
    kept = corpus.subsample(c.ids, c.vocab, t=1e-3, seed=0)
    the = c.vocab.index("the")
    rare = c.vocab.counts < 20
    kept_counts = np.bincount(kept, minlength=len(c.vocab))
    assert np.array_equal(kept_counts[rare], c.vocab.counts[rare])  # all kept
    assert kept_counts[the] < 0.2 * c.vocab.counts[the]
    assert np.array_equal(kept, corpus.subsample(c.ids, c.vocab, seed=0))


def test_load_genesis():
    c = corpus.load("genesis")
    assert len(c.tokens) == 38265 and len(c.vocab) == 741
    assert c.vocab.counts.min() >= 5 and c.vocab.words[0] == "and"
    assert len(c.ids) == int(c.vocab.counts.sum())
    assert c.vocab.decode(c.ids[:4]) == ["in", "the", "beginning", "god"]
    assert "741 words occurring at least 5 times" in repr(c)


# -- is the text fit for a small skip-gram model? ----------------------------------

NUMBERS = set(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty "
    "thirty forty fifty sixty seventy eighty ninety hundred thousand threescore "
    "score".split()
)


def _train_sgns(c, dim=32, window=2, k=5, epochs=3, lr=0.05, seed=0):
    """Skip-gram with negative sampling in plain numpy (a reference, not the
    lecture's mlgraph version): returns the centre vectors and the mean loss per epoch."""
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 0.1, (len(c.vocab), dim))
    C = np.zeros_like(W)
    losses = []
    for epoch in range(epochs):
        kept = corpus.subsample(c.ids, c.vocab, seed=seed + epoch)
        pairs = corpus.skipgram_pairs(kept, window)
        pairs = pairs[rng.permutation(len(pairs))]
        negs = corpus.negative_samples(c.vocab, len(pairs), k, seed=seed + epoch)
        total = 0.0
        for b in range(0, len(pairs), 256):
            centre, ctx, neg = pairs[b:b + 256, 0], pairs[b:b + 256, 1], negs[b:b + 256]
            w, u_pos, u_neg = W[centre], C[ctx], C[neg]
            s_pos = 1 / (1 + np.exp(-(w * u_pos).sum(1)))
            s_neg = 1 / (1 + np.exp(np.einsum("bd,bkd->bk", w, u_neg)))
            total -= np.log(s_pos).sum() + np.log(s_neg).sum()
            g_pos, g_neg = (s_pos - 1)[:, None], (1 - s_neg)[:, :, None]
            w_bar = g_pos * u_pos + (g_neg * u_neg).sum(1)
            np.add.at(C, ctx, -lr * g_pos * w)
            np.add.at(C, neg, -lr * g_neg * w[:, None, :])
            np.add.at(W, centre, -lr * w_bar)
        losses.append(total / len(pairs))
    return W, losses


def test_a_small_skipgram_model_finds_the_texts_clusters():
    c = corpus.load()
    W, losses = _train_sgns(c)
    assert losses[0] > losses[1] > losses[2]
    unit = W / np.linalg.norm(W, axis=1, keepdims=True)

    def nearest(word, n=5):
        sims = unit @ unit[c.vocab.index(word)]
        return [c.vocab.words[i] for i in np.argsort(-sims)[1:n + 1]]

    assert len(NUMBERS & set(nearest("hundred"))) >= 3  # the genealogies' numbers
    assert "isaac" in nearest("abraham")  # father and son
    assert "goshen" in nearest("egypt")  # places
    assert {"asses", "oxen"} & set(nearest("camels"))  # livestock


def test_corpus_module_is_headless():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'anywidget', 'ipywidgets', 'matplotlib',"
        " 'graphviz', 'traitlets', 'IPython'}:\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from mlgraph import corpus\n"
        "print(len(corpus.load().vocab))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "741"
