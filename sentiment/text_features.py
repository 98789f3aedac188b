"""Word and character n-grams of a message, hashed into fixed columns, for the sentiment head.

Texts are normalised for social-media writing first (:func:`normalise_message`). Word
1–2-grams and character 2–5-grams (within word boundaries) are hashed into two blocks
of columns; each block is weighted by sublinear TF-IDF and scaled to unit length.
Only columns seen in at least ``min_df`` training messages are kept, so the stored
state is a list of kept columns and their IDF — plain arrays, no vocabulary, no pickles —
and the features are numbered by their position among the kept columns.
Scoring hashes the character n-grams word by word and keeps each word's kept n-grams for
the words seen recently (the counts are exactly the vectorizer's); the word n-grams' kept
positions are kept the same way, term by term.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_REPEATED = re.compile(r"(\w)\1{2,}")
_WORD_TOKEN = r"(?u)\b\w+\b|[!?]+|[()]+"
_TOKENS = re.compile(_WORD_TOKEN)
BLOCKS = ("word", "char")
WORD_CACHE_SIZE = 50_000  # words whose character n-grams are kept hashed (emptied when full)
TERM_CACHE_SIZE = 100_000  # word 1–2-grams whose column is kept (emptied when full)
_INT32_MIN = -(2**31)


def normalise_message(text: str) -> str:
    """Lower case, ``ё`` as ``е``, links and @mentions as placeholders, ``#tag`` as ``tag``,
    a letter repeated three or more times kept twice (``оооочень`` → ``оочень``)."""
    text = text.lower().replace("ё", "е")
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    text = _HASHTAG.sub(r" \1 ", text)
    return _REPEATED.sub(r"\1\1", text)


@dataclass
class HashedNgrams:
    word_columns: int = 2**18
    char_columns: int = 2**19
    min_df: int = 2
    kept: dict[str, np.ndarray] = field(default_factory=dict)  # block -> sorted kept columns
    idf: dict[str, np.ndarray] = field(default_factory=dict)  # block -> IDF of the kept columns
    _prepared: dict | None = field(default=None, init=False, repr=False, compare=False)
    _hasher: Any = field(default=None, init=False, repr=False, compare=False)
    _word_ngrams: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False)  # word -> its kept char n-grams and counts
    _term_positions: dict[str, int] = field(
        default_factory=dict, init=False, repr=False, compare=False)  # word 1–2-gram -> its kept position, or -1
    _cache_lock: Any = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @property
    def width(self) -> int:
        return self.word_columns + self.char_columns

    def _vectorizers(self):
        from sklearn.feature_extraction.text import HashingVectorizer

        common = dict(alternate_sign=False, norm=None, preprocessor=normalise_message, dtype=np.float32)
        return {
            "word": HashingVectorizer(ngram_range=(1, 2), token_pattern=_WORD_TOKEN, n_features=self.word_columns,
                                      **common),
            "char": HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=self.char_columns, **common),
        }

    def fit(self, texts: Sequence[str]) -> HashedNgrams:
        if not texts:
            raise ValueError("n-gram features need at least one training text")
        vectorizers = self._vectorizers()
        for block in BLOCKS:
            counts = vectorizers[block].transform(list(texts)).tocsc()
            df = np.diff(counts.indptr)
            kept = np.flatnonzero(df >= self.min_df)
            self.kept[block] = kept.astype(np.int64)
            self.idf[block] = (np.log((1 + len(texts)) / (1 + df[kept])) + 1).astype(np.float32)
        self._prepared = None
        self._word_ngrams.clear()
        self._term_positions.clear()
        return self

    @property
    def kept_count(self) -> int:
        return sum(len(self.kept[block]) for block in BLOCKS)

    def transform(self, texts: Sequence[str]):
        """A sparse [texts, kept columns] matrix (word block, then character block): each block
        weighted by sublinear TF-IDF and scaled to unit length. Columns not kept weigh nothing."""
        from scipy import sparse

        rows, columns, values = self._weighted(texts)
        return sparse.csr_matrix((values.astype(np.float32), (rows, columns)), shape=(len(texts), self.kept_count),
                                 dtype=np.float32)

    def project(self, texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
        """``transform(texts) @ weights`` for a dense [kept columns, k] matrix, computed from the
        non-zero entries alone: no sparse matrix is built, which is most of the cost for the few
        texts of a service call."""
        out = np.zeros((len(texts), weights.shape[1]), dtype=np.float64)
        rows, columns, values = self._weighted(texts)
        if len(texts) == 1:
            out[0] = values @ weights[columns]
        else:
            picked = weights[columns]
            for klass in range(weights.shape[1]):
                out[:, klass] = np.bincount(rows, weights=values * picked[:, klass], minlength=len(texts))
        return out

    def _weighted(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, kept column, weight) entries of ``transform(texts)``."""
        if not self.kept:
            raise ValueError("n-gram features are not fitted")
        normalised = [normalise_message(text) for text in texts]
        pieces, offset = [], 0
        for block in BLOCKS:
            rows, positions, counts = self._entries(block, normalised)
            values = (1 + np.log(counts)) * self._prepare()[block][positions]
            norms = np.sqrt(np.bincount(rows, weights=values**2, minlength=len(texts)))
            pieces.append((rows, positions + offset, values / norms[rows]))  # a row with entries has a norm
            offset += len(self.kept[block])
        return tuple(np.concatenate(parts) for parts in zip(*pieces))  # type: ignore[return-value]

    def _entries(self, block: str, normalised: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The block's raw counts of its kept columns, exactly as its vectorizer gives them, as
        (row, position among the kept columns, count) entries, one per row and column, for
        already normalised texts."""
        if block == "char":
            return self._char_entries(normalised)
        return self._word_entries(normalised)

    def _word_entries(self, normalised: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The vectorizer's tokens and their 2-grams are hashed as it hashes them (MurmurHash3 of
        the UTF-8 bytes, seed 0, the absolute value modulo the columns); the kept position of
        each term is kept for the terms seen most recently."""
        from sklearn.utils import murmurhash3_32

        positions_of: list[list[int]] = []
        kept_position = self._prepare()["word_positions"]
        with self._cache_lock:
            cache = self._term_positions
            for text in normalised:
                tokens = _TOKENS.findall(text)
                terms = tokens + [f"{first} {second}" for first, second in zip(tokens, tokens[1:])]
                if len(cache) + len(terms) > TERM_CACHE_SIZE:
                    cache.clear()
                row = []
                for term in terms:
                    position = cache.get(term)
                    if position is None:
                        hashed = murmurhash3_32(term, seed=0)
                        column = ((2**31 - 1 - (self.word_columns - 1)) if hashed == _INT32_MIN
                                  else abs(hashed)) % self.word_columns
                        position = cache[term] = kept_position.get(column, -1)
                    if position >= 0:
                        row.append(position)
                positions_of.append(row)
        positions = np.fromiter((p for row in positions_of for p in row), dtype=np.int64)
        return _summed([len(row) for row in positions_of], positions, np.ones(len(positions)),
                       len(self.kept["word"]))

    def _char_entries(self, normalised: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Built from each word's kept n-grams, which are kept for the words seen most recently.

        Character n-grams never cross a word boundary, so a text's counts are the sums of its
        words' counts; words repeat across messages, so most are hashed once.
        """
        words_of = [text.split() for text in normalised]
        with self._cache_lock:
            cache = self._word_ngrams
            new = list({word for words in words_of for word in words if word not in cache})
            if new:
                if len(cache) + len(new) > WORD_CACHE_SIZE:
                    cache.clear()
                cache.update(self._kept_ngrams_of(new))
            pieces = [[cache[word] for word in words] for words in words_of]
        flat = [piece for row in pieces for piece in row]
        if not flat:
            return _summed([0] * len(normalised), np.zeros(0, dtype=np.int64), np.zeros(0), len(self.kept["char"]))
        return _summed([sum(len(positions) for positions, _ in row) for row in pieces],
                       np.concatenate([p for p, _ in flat]), np.concatenate([c for _, c in flat]),
                       len(self.kept["char"]))

    def _kept_ngrams_of(self, words: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each word's character n-grams among the kept columns: their positions and counts."""
        if self._hasher is None:
            from sklearn.feature_extraction.text import HashingVectorizer

            self._hasher = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=self.char_columns,
                                             alternate_sign=False, norm=None, lowercase=False, dtype=np.float32)
        hashed = self._hasher.transform(words).tocsr()
        kept = self.kept["char"]
        positions = np.minimum(np.searchsorted(kept, hashed.indices), max(len(kept) - 1, 0))
        found = kept[positions] == hashed.indices if len(kept) else np.zeros(len(positions), dtype=bool)
        result = {}
        for row, word in enumerate(words):
            span = slice(hashed.indptr[row], hashed.indptr[row + 1])
            hit = found[span]
            result[word] = (positions[span][hit].astype(np.int64), hashed.data[span][hit].astype(np.float64))
        return result

    def _prepare(self) -> dict:
        """Each block's IDF as float64 and the word block's kept position of each column, built
        once (loading a head builds them, so the first message does not pay for it)."""
        if self._prepared is None:
            self._prepared = {block: self.idf[block].astype(np.float64) for block in BLOCKS}
            self._prepared["word_positions"] = {int(column): position
                                                for position, column in enumerate(self.kept["word"].tolist())}
        return self._prepared

    def to_json(self) -> dict[str, Any]:
        return {"normalisation": "lower, ё→е, url, @user, #tag→tag, repeats→2", "word_ngrams": [1, 2],
                "char_ngrams": [2, 5], "word_columns": self.word_columns, "char_columns": self.char_columns,
                "min_df": self.min_df, "hash": "murmurhash3 (scikit-learn HashingVectorizer)",
                "weighting": "sublinear tf-idf, unit length per block"}

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"{block}_{name}": getattr(self, name)[block] for block in BLOCKS for name in ("kept", "idf")}

    @classmethod
    def from_saved(cls, settings: dict[str, Any], arrays) -> HashedNgrams:
        features = cls(word_columns=int(settings["word_columns"]), char_columns=int(settings["char_columns"]),
                       min_df=int(settings["min_df"]))
        for block in BLOCKS:
            kept, idf = np.asarray(arrays[f"{block}_kept"]), np.asarray(arrays[f"{block}_idf"], dtype=np.float32)
            limit = features.word_columns if block == "word" else features.char_columns
            if kept.shape != idf.shape or (len(kept) and (kept.min() < 0 or kept.max() >= limit)):
                raise ValueError(f"{block} n-gram columns do not match their IDF or the column count")
            if len(kept) > 1 and (np.diff(kept) <= 0).any():
                raise ValueError(f"{block} n-gram columns are not in ascending order")
            features.kept[block], features.idf[block] = kept.astype(np.int64), idf
        features._prepare()
        return features


def _summed(lengths: Sequence[int], columns: np.ndarray, values: np.ndarray, width: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, sum) entries, one per row and column, rows ascending, from each row's
    ``lengths[row]`` consecutive (column, value) pieces."""
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    width = max(width, 1)
    unique, inverse = np.unique(rows * width + columns, return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=len(unique)).astype(np.float32)
    return unique // width, unique % width, sums
