"""Examples outside the taxonomy: a message that reads like one of them is answered "unknown".

A taxonomy may list example messages known to be about matters no topic covers (its
``outside`` list). A message is flagged when its nearest outside example is more similar
than its nearest reference vector of a known topic, plus a margin:

    nearest outside similarity > nearest reference similarity + margin

The margin is fitted on the references themselves, leave-one-out: each reference is scored
against the *other* references and against the outside examples, and the margin is the most
permissive one (the lowest) under which at most ``max_flag_rate`` of the references would be
flagged. The references used for fitting are capped at ``max_fit_references`` (a sample of a
fixed seed), each still compared with all the others, so that a big head fits fast. With no
outside examples (or fewer than two references) the rule flags nothing (its margin is
infinite, ``None`` in :meth:`OutsideRule.to_json`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from topics.novelty import nearest_similarity


class OutsideRule:
    def __init__(self, *, max_flag_rate: float = 0.02, max_fit_references: int = 3000,
                 random_state: int = 0) -> None:
        self.max_flag_rate = max_flag_rate
        self.max_fit_references = max_fit_references
        self.random_state = random_state

    def fit(self, outside: np.ndarray, references: np.ndarray) -> OutsideRule:
        """``outside``: the outside examples' vectors; ``references``: vectors of known topics (all
        L2-normalised)."""
        self.outside_ = np.asarray(outside, dtype=np.float32)
        self.references_ = np.asarray(references, dtype=np.float32)
        self.fitted_on_ = 0
        self.margin_ = np.inf  # flags nothing
        if len(self.outside_) == 0 or len(self.references_) < 2:
            return self
        rows = np.arange(len(self.references_))
        if len(rows) > self.max_fit_references:
            rows = np.sort(np.random.default_rng(self.random_state).choice(rows, self.max_fit_references,
                                                                          replace=False))
        gaps = self._gaps(rows)
        self.fitted_on_ = len(rows)
        allowed = int(np.floor(self.max_flag_rate * len(gaps) + 1e-9))  # references it may flag
        # only gaps above the margin are flagged; cosine gaps are above -2 (a rate of 1 flags everything)
        self.margin_ = float(np.sort(gaps)[::-1][allowed]) if allowed < len(gaps) else -2.0
        return self

    def _gaps(self, rows: np.ndarray, chunk: int = 256) -> np.ndarray:
        """Leave-one-out for the references ``rows``: nearest outside similarity minus the nearest
        *other* reference's similarity."""
        gaps = np.empty(len(rows), dtype=np.float32)
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            similarity = self.references_[part] @ self.references_.T
            similarity[np.arange(len(part)), part] = -np.inf
            gaps[start:start + chunk] = (nearest_similarity(self.references_[part], self.outside_)
                                         - similarity.max(axis=1))
        return gaps

    def flags(self, vectors: np.ndarray) -> np.ndarray:
        """True where a message reads more like an outside example than like the known topics."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if self.margin_ == np.inf or len(vectors) == 0:
            return np.zeros(len(vectors), dtype=bool)
        return (nearest_similarity(vectors, self.outside_)
                > nearest_similarity(vectors, self.references_) + self.margin_)

    def to_json(self) -> dict:
        return {"margin": round(self.margin_, 6) if np.isfinite(self.margin_) else None,
                "outside_examples": len(self.outside_), "references": len(self.references_),
                "fitted_on": self.fitted_on_, "max_flag_rate": self.max_flag_rate}


def outside_vectors(examples: Sequence[str], embedder: Any, taxonomy_label: str = "") -> np.ndarray:
    """The outside examples' vectors, by the embedder that embeds the messages (none without examples)."""
    if not examples:
        return np.zeros((0, 0), dtype=np.float32)
    if embedder is None:
        raise ValueError(f"the taxonomy {taxonomy_label} lists examples outside it; pass the embedder that "
                         "embeds them")
    return embedder.embed(list(examples))
