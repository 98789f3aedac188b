"""What the evaluation sub-commands share: embedding a labelled file once, folds, the TF-IDF baseline."""

from __future__ import annotations

import hashlib
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from training.embedding import embed_in_chunks
from training.tabular import DataError

DEFAULT_FOLDS = 5


def embedding_model_name(model: str, models_dir: Path) -> str:
    """The name of a model (built-in name or folder) from its manifest, without loading it."""
    from embeddings.model_folder import read_model_folder, resolve_model_folder

    manifest, _ = read_model_folder(resolve_model_folder(model, models_dir), verify=False)
    return manifest.name


def embed_all(texts: Sequence[str], model: str, models_dir: Path, cache_dir: Path | None = None, *,
              progress: Callable[[int, int], None] | None = None,
              max_tokens: int | None = None) -> tuple[np.ndarray, float, str]:
    """Vectors for every text, the embedding rate (texts/s) and the model name.

    With ``cache_dir``, vectors are kept in ``<model>-<hash of the texts>.npz`` there and
    reused by later runs on the same texts (the stored rate is the one measured when the
    vectors were computed). ``progress(done, total)`` follows the embedding. ``max_tokens`` is
    the token window long texts are averaged over, as the service's VOC_MAX_TOKENS (None: the
    model's own).
    """
    from embeddings.loader import load_embedder

    if cache_dir is not None:
        cache_folder(cache_dir)
    embedder = load_embedder(model, models_dir, max_tokens=max_tokens)
    cached = None
    if cache_dir is not None:
        digest = hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:20]
        window = getattr(embedder, "window", None)
        cached = Path(cache_dir) / f"{embedder.name}{f'-w{window}' if window else ''}-{len(texts)}-{digest}.npz"
        saved = read_cached(cached, len(texts))
        if saved is not None:
            return saved[0], saved[1], embedder.name
    start = time.perf_counter()
    vectors = embed_in_chunks(embedder, texts, progress)
    rate = len(texts) / (time.perf_counter() - start)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cached, vectors=vectors, rate=np.float64(rate))
    return vectors, rate, embedder.name


def cache_folder(folder: Path) -> Path:
    """The ``--cache`` folder, created and checked writable before anything is embedded."""
    from training.output import OutputError, prepare_folder

    try:
        return prepare_folder(folder)
    except OutputError as error:
        raise OutputError(f"--cache: {error}") from error


def read_cached(path: Path, rows: int) -> tuple[np.ndarray, float] | None:
    """Vectors and rate kept by an earlier run; None when there are none or the file is unreadable
    (a run cut short, a copy gone wrong), so that they are computed again and the file replaced."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as saved:
            vectors, rate = saved["vectors"], float(saved["rate"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    return (vectors, rate) if vectors.ndim == 2 and len(vectors) == rows else None


def folds(labels: Sequence[str], *, split: tuple[np.ndarray, np.ndarray] | None, cv: int | None,
          seed: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays: the file's own split (see :func:`evaluation.checks.split_rows`),
    or stratified K folds (labels with fewer than K rows are stratified together)."""
    if split is not None:
        yield split
        return
    from sklearn.model_selection import StratifiedKFold

    k = cv or DEFAULT_FOLDS
    counts = Counter(labels)
    rare = [label for label, n in counts.items() if n < k]
    grouping = np.asarray(["__rare__" if label in rare else label for label in labels])
    yield from StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(labels)), grouping)


def drop_rare(indices: np.ndarray, labels: np.ndarray, minimum: int = 2) -> tuple[np.ndarray, list[str]]:
    counts = Counter(labels[indices])
    rare = sorted(label for label, n in counts.items() if n < minimum)
    return np.asarray([i for i in indices if labels[i] not in rare], dtype=int), rare


def tfidf_baseline(train_texts: list[str], train_labels: np.ndarray, test_texts: list[str], *,
                   with_confidence: bool = False):
    """TF-IDF word + character n-grams with logistic regression: its answers for ``test_texts``
    (with ``with_confidence``, also the probability it gives each answer)."""
    from sklearn.linear_model import LogisticRegression

    from topics.text_features import TextFeatures

    try:
        features = TextFeatures().fit(train_texts)
    except ValueError as error:
        raise DataError(f"cannot train the TF-IDF baseline on {len(train_texts)} training texts ({error}); "
                        f"the texts need words or characters in common, not only emoji or symbols") from error
    model = LogisticRegression(C=20.0, max_iter=3000).fit(features.transform(train_texts), train_labels)
    probabilities = model.predict_proba(features.transform(test_texts))
    answers = model.classes_[probabilities.argmax(axis=1)]
    return (answers, probabilities.max(axis=1)) if with_confidence else answers


def majority(train_labels: np.ndarray, count: int) -> np.ndarray:
    value = Counter(train_labels).most_common(1)[0][0]
    return np.asarray([value] * count, dtype=object)
