"""Word and character n-grams of a message, hashed into fixed columns, for the sentiment head.

Texts are normalised for social-media writing first (:func:`normalise_message`). Word
1–2-grams and character 2–5-grams (within word boundaries) are hashed into two blocks
of columns; each block is weighted by sublinear TF-IDF and scaled to unit length.
Only columns seen in at least ``min_df`` training messages are kept, so the stored
state is a list of kept columns and their IDF — plain arrays, no vocabulary, no pickles.
Scoring hashes the character n-grams word by word and keeps them for the words seen
recently (the counts are exactly the vectorizer's, about 3.5× faster per message); the word
n-grams' columns are kept the same way, term by term.
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
    _word_columns: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False)  # word -> its char n-gram columns and counts
    _term_columns: dict[str, int] = field(
        default_factory=dict, init=False, repr=False, compare=False)  # word 1–2-gram -> its column
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
            self.kept[block] = kept.astype(np.int32)
            self.idf[block] = (np.log((1 + len(texts)) / (1 + df[kept])) + 1).astype(np.float32)
        self._prepared = None
        return self

    def transform(self, texts: Sequence[str]):
        """A sparse [texts, word_columns + char_columns] matrix."""
        from scipy import sparse

        if not self.kept:
            raise ValueError("n-gram features are not fitted")
        blocks = []
        for block, (vectorizer, weights) in self._prepare().items():
            counts = self._char_counts(texts) if block == "char" else vectorizer.transform(list(texts)).tocsr()
            counts.data = (1 + np.log(counts.data)) * weights[counts.indices]
            counts.eliminate_zeros()
            rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
            norms = np.sqrt(np.bincount(rows, weights=counts.data.astype(np.float64) ** 2, minlength=counts.shape[0]))
            counts.data = (counts.data / norms[rows]).astype(np.float32)
            blocks.append(counts)
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    def project(self, texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
        """``transform(texts) @ weights`` for a dense [word_columns + char_columns, k] matrix,
        computed from the non-zero entries alone: no sparse matrices are built, which is most
        of the cost for the few texts of a service call."""
        if not self.kept:
            raise ValueError("n-gram features are not fitted")
        count = len(texts)
        out = np.zeros((count, weights.shape[1]), dtype=np.float64)
        offsets = {"word": 0, "char": self.word_columns}
        normalised = [normalise_message(text) for text in texts]
        for block, (_, column_weights) in self._prepare().items():
            if block == "char":
                rows, columns, values = self._char_entries(normalised)
            else:
                rows, columns, values = self._word_entries(normalised)
            values = (1 + np.log(values)) * column_weights[columns]
            norms = np.sqrt(np.bincount(rows, weights=values.astype(np.float64) ** 2, minlength=count))
            scaled = values / np.where(norms > 0, norms, 1.0)[rows]
            block_weights = weights[offsets[block] + columns]
            for klass in range(weights.shape[1]):
                out[:, klass] += np.bincount(rows, weights=scaled * block_weights[:, klass], minlength=count)
        return out

    def _char_counts(self, texts: Sequence[str]):
        """The character block's raw counts as a sparse matrix (see :meth:`_char_entries`)."""
        from scipy import sparse

        rows, columns, values = self._char_entries([normalise_message(text) for text in texts])
        return sparse.csr_matrix((values, (rows, columns)), shape=(len(texts), self.char_columns), dtype=np.float32)

    def _word_entries(self, normalised: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The word block's raw counts, exactly as its vectorizer gives them, as (row, column,
        count) entries with one entry per row and column, for already normalised texts.

        The vectorizer's tokens and their 2-grams are hashed as it hashes them (MurmurHash3 of
        the UTF-8 bytes, seed 0, the absolute value modulo the columns); the column of each
        term is kept for the terms seen most recently.
        """
        from sklearn.utils import murmurhash3_32

        columns_of: list[list[int]] = []
        with self._cache_lock:
            cache = self._term_columns
            for text in normalised:
                tokens = _TOKENS.findall(text)
                terms = tokens + [f"{first} {second}" for first, second in zip(tokens, tokens[1:])]
                if len(cache) + len(terms) > TERM_CACHE_SIZE:
                    cache.clear()
                row = []
                for term in terms:
                    column = cache.get(term)
                    if column is None:
                        hashed = murmurhash3_32(term, seed=0)
                        column = ((2**31 - 1 - (self.word_columns - 1)) if hashed == _INT32_MIN
                                  else abs(hashed)) % self.word_columns
                        cache[term] = column
                    row.append(column)
                columns_of.append(row)
        columns = np.fromiter((c for row in columns_of for c in row), dtype=np.int64)
        return _summed([len(row) for row in columns_of], columns, np.ones(len(columns)), self.word_columns)

    def _char_entries(self, normalised: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The character block's raw counts, exactly as its vectorizer gives them, as (row,
        column, count) entries with one entry per row and column, for already normalised
        texts; built from each word's hashed n-grams, which are kept for the words seen most
        recently.

        Character n-grams never cross a word boundary, so a text's counts are the sums of its
        words' counts; words repeat across messages, so most are hashed once.
        """
        words_of = [text.split() for text in normalised]
        with self._cache_lock:
            cache = self._word_columns
            new = list({word for words in words_of for word in words if word not in cache})
            if new:
                if len(cache) + len(new) > WORD_CACHE_SIZE:
                    cache.clear()
                hashed = self._word_hasher().transform(new).tocsr()
                for row, word in enumerate(new):
                    start, stop = hashed.indptr[row], hashed.indptr[row + 1]
                    cache[word] = (hashed.indices[start:stop], hashed.data[start:stop])
            pieces = [[cache[word] for word in words] for words in words_of]
        flat = [piece for row in pieces for piece in row]
        if not flat:
            return _summed([0] * len(normalised), np.zeros(0, dtype=np.int64), np.zeros(0), self.char_columns)
        return _summed([sum(len(columns) for columns, _ in row) for row in pieces],
                       np.concatenate([c for c, _ in flat]).astype(np.int64), np.concatenate([v for _, v in flat]),
                       self.char_columns)

    def _word_hasher(self):
        """The character vectorizer for single, already normalised words."""
        if self._hasher is None:
            from sklearn.feature_extraction.text import HashingVectorizer

            self._hasher = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=self.char_columns,
                                             alternate_sign=False, norm=None, lowercase=False, dtype=np.float32)
        return self._hasher

    def _prepare(self) -> dict:
        """Vectorizers and per-column weights, built once (loading a head builds them, so the
        first message does not pay for it)."""
        if self._prepared is None:
            self._prepared = {block: (vectorizer, self._column_weights(block, vectorizer.n_features))
                              for block, vectorizer in self._vectorizers().items()}
        return self._prepared

    def _column_weights(self, block: str, columns: int) -> np.ndarray:
        weights = np.zeros(columns, dtype=np.float32)
        weights[self.kept[block]] = self.idf[block]
        return weights

    def kept_columns(self) -> np.ndarray:
        """Kept columns in the joined [word | char] numbering."""
        return np.concatenate([self.kept["word"], self.kept["char"] + self.word_columns])

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
            features.kept[block], features.idf[block] = kept.astype(np.int64), idf
        features._prepare()
        return features


def _summed(lengths: Sequence[int], columns: np.ndarray, values: np.ndarray, width: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, sum) entries, one per row and column, rows ascending, from each row's
    ``lengths[row]`` consecutive (column, value) pieces."""
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    unique, inverse = np.unique(rows * width + columns, return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=len(unique)).astype(np.float32)
    return unique // width, unique % width, sums
