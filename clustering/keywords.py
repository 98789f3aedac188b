"""c-TF-IDF keywords per cluster over Russian lemmas (pymorphy3) and English stems.

A cluster's messages are joined into one document; a term scores by its frequency in
that document times log(1 + A / f), where A is the average number of terms per cluster
and f the term's frequency over all clusters. Terms are Russian lemmas and English
Snowball stems, stop-words removed; each stem is shown as its most frequent word form.
Adjacent term pairs (bigrams) compete with single terms, so "card arrival" can beat
"card".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from clustering.stopwords import STOP_WORDS

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
CYRILLIC = re.compile(r"[а-яё]")


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


# lemmas the dictionary gives for plural words that customers mean in the plural only (its singular
# "деньга" is an old coin); shown in cluster names, so they must read as the customer wrote them
PLURAL_LEMMAS = {"деньга": "деньги", "сливка": "сливки"}


@lru_cache(maxsize=200_000)
def normal_form(word: str) -> str:
    """Lemma of a Russian word, Snowball stem of any other (lower-case input)."""
    if CYRILLIC.search(word):
        return _russian_lemma(word).replace("ё", "е")
    return _stemmer().stemWord(word.replace("’", "'").split("'")[0])


def _russian_lemma(word: str) -> str:
    """The likeliest parse's lemma; a plural-only noun rather than a participle or adjective
    ("данные" is data, not a form of "дать")."""
    parses = _morph().parse(word)
    best = parses[0]
    if best.tag.POS != "NOUN":
        best = next((parse for parse in parses[:3] if "Pltm" in parse.tag), best)
    return PLURAL_LEMMAS.get(best.normal_form, best.normal_form)


def tokens(text: str) -> list[tuple[str, str]]:
    """(term, word as written) pairs of a text, stop-words and words under 3 letters dropped."""
    out = []
    for word in WORD.findall(text.lower()):
        if len(word) < 3 or word in STOP_WORDS:
            continue
        term = normal_form(word)
        if term not in STOP_WORDS and len(term) > 1:
            out.append((term, word if not CYRILLIC.search(word) else term))
    return out


def terms(text: str) -> list[str]:
    return [term for term, _ in tokens(text)]


class ClassKeywords:
    """Fit on texts and cluster labels (−1 ignored); ``keywords_[cluster]`` lists the top words."""

    def __init__(self, top: int = 10, bigrams: bool = True, max_texts_per_cluster: int = 2000,
                 random_state: int = 42) -> None:
        self.top = top
        self.bigrams = bigrams
        self.max_texts_per_cluster = max_texts_per_cluster
        self.random_state = random_state

    def fit(self, texts: Sequence[str | None], labels: np.ndarray) -> ClassKeywords:
        rng = np.random.default_rng(self.random_state)
        clusters = sorted(int(c) for c in np.unique(labels) if c >= 0)
        counts: list[Counter[str]] = []
        shown: dict[str, Counter[str]] = {}
        for cluster in clusters:
            rows = [i for i in np.where(labels == cluster)[0] if texts[i]]
            if len(rows) > self.max_texts_per_cluster:
                rows = sorted(rng.choice(rows, self.max_texts_per_cluster, replace=False).tolist())
            bag: Counter[str] = Counter()
            for row in rows:
                pairs = tokens(texts[row] or "")
                for term, word in pairs:
                    shown.setdefault(term, Counter())[word] += 1
                bag.update(term for term, _ in pairs)
                if self.bigrams:
                    bag.update(f"{a[0]} {b[0]}" for a, b in zip(pairs, pairs[1:], strict=False) if a[0] != b[0])
            counts.append(bag)
        self.keywords_ = self._score(clusters, counts, shown)
        return self

    def _score(self, clusters: list[int], counts: list[Counter[str]],
               shown: dict[str, Counter[str]]) -> dict[int, list[str]]:
        if not clusters:
            return {}
        vocabulary = sorted(set().union(*counts))
        if not vocabulary:
            return {cluster: [] for cluster in clusters}
        column = {term: j for j, term in enumerate(vocabulary)}
        matrix = np.zeros((len(clusters), len(vocabulary)), dtype=np.float64)
        for row, bag in enumerate(counts):
            for term, number in bag.items():
                # a bigram must recur to count: one message's chance pair is no keyword
                if " " not in term or number >= 3:
                    matrix[row, column[term]] = number
        tf = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        average = matrix.sum() / len(clusters)
        idf = np.log(1 + average / np.maximum(matrix.sum(axis=0), 1))
        scores = tf * idf
        self.scores_ = scores

        def display(term: str) -> str:
            return " ".join(shown[part].most_common(1)[0][0] if part in shown else part for part in term.split(" "))

        keywords: dict[int, list[str]] = {}
        for row, cluster in enumerate(clusters):
            chosen: list[str] = []
            for j in np.argsort(-scores[row], kind="stable"):
                if len(chosen) == self.top or scores[row, j] <= 0:
                    break
                if " " in vocabulary[j] and " ".join(reversed(vocabulary[j].split(" "))) in chosen:
                    continue  # "обмен валюта" after "валюта обмен": one pair of words, shown once
                chosen.append(vocabulary[j])
            keywords[cluster] = [display(term) for term in chosen]
        return keywords


def short_name(keywords: Sequence[str], words: int = 3) -> str:
    """A short name: the first phrase among the top keywords, then further words not yet named.

    ["long", "long take", "long transfer"] → "long take / transfer".
    """
    phrase = next((k for k in keywords[:words] if " " in k), None)
    chosen = [phrase] if phrase else []
    used = set(phrase.split(" ")) if phrase else set()
    for keyword in keywords:
        if len(used) >= words:
            break
        fresh = [part for part in keyword.split(" ") if part not in used]
        if fresh:
            chosen.append(" ".join(fresh))
            used.update(fresh)
    return " / ".join(chosen)
