"""The view the reducer sees: message vectors, optionally joined by the spelling of the texts.

Sentence vectors place messages by meaning, but two requests that name the same product,
card or screen are often told apart by a few words the encoder weighs lightly. The
`SpellingBlend` stage appends a compact summary of each text's character n-grams to its
(centred) vector before the reduction, so that neighbours agree in both meaning and
wording. It only shapes where the clusters are found: centroids, the similarity threshold
and the assignment of new messages stay in the plain vector space, so the routing API
needs nothing but a message's vector to find its cluster.

`VectorsOnly` is the stand-in that passes the vectors through.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# chosen on banking77 and rutube_support (docs/clustering.md, "Spelling view")
DEFAULT_WEIGHT = 0.7


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class SpellingBlend:
    """Centred unit vectors joined by ``weight`` × the unit-length truncated SVD
    (``components`` dimensions) of sublinear TF-IDF over character ``ngram_range``-grams
    within word boundaries (terms in at least ``min_df`` texts; the SVD takes
    ``svd_iterations`` power iterations), each row scaled back to unit length. Rows without
    a text keep their vector alone. With fewer than ``min_texts`` texts, or too few n-grams
    for two components, the vectors pass through unchanged (``blended_`` tells which
    happened)."""

    def __init__(self, weight: float = DEFAULT_WEIGHT, components: int = 128, ngram_range: tuple[int, int] = (3, 5),
                 min_df: int = 2, svd_iterations: int = 2, min_texts: int = 20, random_state: int = 42) -> None:
        self.weight = weight
        self.components = components
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.svd_iterations = svd_iterations
        self.min_texts = min_texts
        self.random_state = random_state

    def describe(self) -> str:
        low, high = self.ngram_range
        return f"vectors + {self.weight:g} × character {low}–{high}-gram TF-IDF (SVD)"

    def fit_transform(self, vectors: np.ndarray, texts: Sequence[str | None]) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(texts) != len(vectors):
            raise ValueError(f"expected {len(vectors)} texts (one per vector), got {len(texts)}")
        with_text = np.asarray([i for i, text in enumerate(texts) if isinstance(text, str) and text.strip()],
                               dtype=np.int64)
        self.blended_ = False
        if self.weight <= 0 or len(with_text) < max(self.min_texts, 2):
            return vectors
        spelled = self._spelling([texts[i] for i in with_text])
        if spelled is None:
            return vectors
        centred = _unit_rows(vectors - vectors.mean(axis=0))
        out = np.zeros((len(vectors), vectors.shape[1] + spelled.shape[1]), dtype=np.float32)
        out[:, : vectors.shape[1]] = centred
        out[with_text, vectors.shape[1]:] = self.weight * spelled
        self.blended_ = True
        return _unit_rows(out).astype(np.float32)

    def _spelling(self, texts: list[str]) -> np.ndarray | None:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=self.ngram_range, sublinear_tf=True,
                                     min_df=min(self.min_df, len(texts)), dtype=np.float32)
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:  # no n-gram reaches min_df (e.g. texts of single characters)
            return None
        components = min(self.components, matrix.shape[1] - 1, len(texts) - 1)
        if components < 2:
            return None
        svd = TruncatedSVD(components, n_iter=self.svd_iterations, random_state=self.random_state)
        with np.errstate(divide="ignore", invalid="ignore"):  # identical texts leave no variance to explain
            reduced = svd.fit_transform(matrix)
        return _unit_rows(np.asarray(reduced, dtype=np.float32))


class VectorsOnly:
    """Passes the vectors through; the texts are not looked at."""

    def fit_transform(self, vectors: np.ndarray, texts: Sequence[str | None]) -> np.ndarray:
        return np.asarray(vectors, dtype=np.float32)
