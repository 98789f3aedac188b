"""Word and character n-gram TF-IDF features, stored as plain arrays and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from core.errors import InvalidTextError
from core.text import clean_text


class TextFeatures:
    """TF-IDF over word 1–2-grams and character 2–5-grams (within word boundaries)."""

    def __init__(self, max_features: int = 200_000) -> None:
        self.max_features = max_features
        self.word_ = None
        self.char_ = None

    def fit(self, texts: Sequence[str]) -> TextFeatures:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.word_ = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True,
                                     max_features=self.max_features)
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                     lowercase=True, max_features=self.max_features)
        texts = _cleaned(texts)
        self.word_.fit(texts)
        self.char_.fit(texts)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        texts = _cleaned(texts)
        return sparse.hstack([self.word_.transform(texts), self.char_.transform(texts)]).tocsr()

    def save(self, folder: Path) -> None:
        for name, vectorizer in (("word", self.word_), ("char", self.char_)):
            vocabulary = {term: int(index) for term, index in vectorizer.vocabulary_.items()}
            (folder / f"tfidf_{name}.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
            np.save(folder / f"tfidf_{name}_idf.npy", vectorizer.idf_)

    @classmethod
    def load(cls, folder: Path) -> TextFeatures:
        from sklearn.feature_extraction.text import TfidfVectorizer

        features = cls()
        settings = (("word", dict(ngram_range=(1, 2))), ("char", dict(analyzer="char_wb", ngram_range=(2, 5))))
        for name, kwargs in settings:
            vocabulary = json.loads((folder / f"tfidf_{name}.json").read_text(encoding="utf-8"))
            vectorizer = TfidfVectorizer(sublinear_tf=True, lowercase=True, vocabulary=vocabulary, **kwargs)
            vectorizer.idf_ = np.load(folder / f"tfidf_{name}_idf.npy")
            setattr(features, f"{name}_", vectorizer)
        return features


def _cleaned(texts: Sequence[str]) -> list[str]:
    """Texts without invisible characters (runs of U+200C from chat UIs would otherwise form n-grams)."""
    result = []
    for text in texts:
        try:
            result.append(clean_text(text))
        except InvalidTextError:
            result.append(str(text))
    return result
