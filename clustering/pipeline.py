"""The clustering pipeline: reduce → cluster → centroid rule → keywords, representatives, names.

Fitting runs on at most ``max_fit`` messages (a random sample above that, or the rows the
caller picks). HDBSCAN's clusters are then refined in the reduced space: a few k-means
steps started from them move every fitted point, noise included, to the nearest cluster
mean there (`clustering.refine`). Every other message, and every fitted one that ended
up below the similarity threshold of its cluster, joins the nearest centroid when it is
similar enough (see `clustering.centroids`). New messages between runs go through
`predict`, the same rule. The defaults here are the production defaults (the job and
`voc evaluate clusters` take theirs from `ClusterPipeline.DEFAULTS`); how they were
chosen is in benchmarks/cluster_quality.py and docs/clustering.md.

    pipeline = ClusterPipeline(min_cluster_size=10).fit(vectors, texts)
    pipeline.labels_, pipeline.names_[0], pipeline.predict(new_vectors)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from clustering.centroids import CentroidModel, calibrate_threshold, centroids_of
from clustering.keywords import ClassKeywords, short_name
from clustering.refine import kmeans_in_reduced_space, refine_in_reduced_space, seeded_start
from clustering.spelling import DEFAULT_WEIGHT as SPELLING_WEIGHT
from clustering.spelling import SpellingBlend
from clustering.stages import HdbscanClusterer, UmapReducer
from clustering.tight import contiguous, copies_together, tight_groups


class ClusterPipeline:
    """Stages are passed in (any object with fit/transform, fit/labels_, fit/keywords_); None
    means the default: the vectors joined by ``spelling_weight`` × the texts' character
    n-grams (``view``, `SpellingBlend`; weight 0 or `VectorsOnly` leaves them alone) → UMAP (5-d, cosine, centred) →
    HDBSCAN (``min_cluster_size``) →
    ``refine_steps`` k-means steps in the reduced space from HDBSCAN's clusters → c-TF-IDF.

    ``refine_steps`` = 0 turns the refinement off; ``refine_restarts`` > 0 runs k-means with
    HDBSCAN's number of clusters from that many k-means++ starts instead; a fit given
    ``seeds`` takes ``refine_steps`` steps from the previous clusters."""

    DEFAULTS = {"min_cluster_size": 10, "min_samples": 5, "max_fit": 25_000, "outlier_quantile": 0.02,
                "refine_steps": 5, "refine_restarts": 0, "spelling_weight": SPELLING_WEIGHT, "random_state": 42}

    def __init__(self, reducer=None, clusterer=None, keywords=None, *, view=None,
                 min_cluster_size: int = DEFAULTS["min_cluster_size"],
                 min_samples: int | None = DEFAULTS["min_samples"], max_fit: int = DEFAULTS["max_fit"],
                 outlier_quantile: float = DEFAULTS["outlier_quantile"],
                 refine_steps: int = DEFAULTS["refine_steps"],
                 refine_restarts: int = DEFAULTS["refine_restarts"],
                 spelling_weight: float = DEFAULTS["spelling_weight"], representatives: int = 5,
                 random_state: int = DEFAULTS["random_state"]) -> None:
        self.reducer = reducer
        self.clusterer = clusterer
        self.keywords = keywords
        self.view = view
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.max_fit = max_fit
        self.outlier_quantile = outlier_quantile
        self.refine_steps = refine_steps
        self.refine_restarts = refine_restarts
        self.spelling_weight = spelling_weight
        self.representatives = representatives
        self.random_state = random_state

    def fit(self, vectors: np.ndarray, texts: Sequence[str | None] | None = None,
            sample: np.ndarray | None = None, seeds: np.ndarray | None = None,
            stage: Callable[[str], None] | None = None) -> ClusterPipeline:
        """Cluster ``vectors`` (unit rows). ``texts`` (None where unknown) feed keywords and
        representatives; ``sample`` chooses the rows to fit on instead of a random sample.
        ``seeds`` (per row: its cluster in a previous run, −1 = none) starts the refinement
        from the previous clusters, so that only new groups and moved borders change them
        (`clustering.refine.seeded_start`; without refinement they are ignored). ``stage`` hears
        one line as each step starts."""
        say = stage or (lambda line: None)
        vectors = np.asarray(vectors, dtype=np.float32)
        count = len(vectors)
        texts = texts if texts is not None else [None] * count
        if len(texts) != count:
            raise ValueError(f"expected {count} texts (one per vector), got {len(texts)}")
        rows = self._fit_rows(count, sample)
        self.reducer_ = self.reducer if self.reducer is not None else UmapReducer(random_state=self.random_state)
        self.clusterer_ = self.clusterer if self.clusterer is not None else HdbscanClusterer(
            self.min_cluster_size, self.min_samples)
        self.view_ = self.view if self.view is not None else SpellingBlend(self.spelling_weight,
                                                                           random_state=self.random_state)
        say(f"reducing {len(rows)} vectors (UMAP)")
        reduced = self.reducer_.fit_transform(self.view_.fit_transform(vectors[rows], [texts[i] for i in rows]))
        say("finding dense groups (HDBSCAN)")
        copies = [texts[i] if texts[i] is not None else ("vector", hash(vectors[i].tobytes())) for i in rows]
        fitted = copies_together(copies, contiguous(self.clusterer_.fit(reduced).labels_))
        if not (fitted >= 0).any():  # one dense group among diffuse messages is HDBSCAN's root, no cluster
            smallest = getattr(self.clusterer_, "min_cluster_size", self.min_cluster_size)
            fitted = tight_groups(vectors[rows], smallest)
        self.fit_rows_ = rows
        self.noise_before_assignment_ = float((fitted < 0).mean()) if len(fitted) else 0.0
        labels = np.full(count, -1, dtype=np.int64)
        labels[rows] = fitted
        found = int(fitted.max()) + 1 if len(fitted) else 0
        self.threshold_ = calibrate_threshold(vectors, labels, centroids_of(vectors, labels, found),
                                              self.outlier_quantile)
        refine = self.refine_steps > 0 and found > 0
        say(f"{found} groups found; {'refining their borders and ' if refine else ''}assigning every message")
        if refine and seeds is not None:
            start = seeded_start(fitted, np.asarray(seeds, dtype=np.int64)[rows])
            labels[rows] = refine_in_reduced_space(reduced, start, self.refine_steps)
        elif refine and self.refine_restarts > 0:
            labels[rows] = kmeans_in_reduced_space(reduced, found, self.refine_restarts, self.random_state)
        elif refine:
            labels[rows] = refine_in_reduced_space(reduced, fitted, self.refine_steps)
        if refine:  # the copies of a text lie apart in the layout: the refinement may part them again
            labels[rows] = copies_together(copies, labels[rows])
        self.n_clusters_ = int(labels.max()) + 1 if found else 0
        centroids = centroids_of(vectors, labels, self.n_clusters_)
        if refine:  # a noise point the refinement took, but too far from that centroid, is noise again
            taken = rows[(fitted < 0) & (labels[rows] >= 0)]
            own = np.einsum("ij,ij->i", vectors[taken], centroids[labels[taken]])
            labels[taken[own < self.threshold_]] = -1
        unassigned = np.where(labels < 0)[0]
        labels[unassigned] = CentroidModel(centroids, self.threshold_).nearest(vectors[unassigned])[0]
        self.labels_ = labels
        self.centroid_model_ = CentroidModel(centroids_of(vectors, labels, self.n_clusters_), self.threshold_)
        self.sizes_ = np.bincount(labels[labels >= 0], minlength=self.n_clusters_)
        self.noise_share_ = float((labels < 0).mean()) if count else 0.0
        say("naming the clusters: keywords and representative messages")
        self._describe(vectors, texts)
        return self

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        """Cluster index of each vector by the centroid rule (−1 = none close enough)."""
        return self.centroid_model_.nearest(np.asarray(vectors, dtype=np.float32))[0]

    @property
    def centroids_(self) -> np.ndarray:
        return self.centroid_model_.centroids

    def _fit_rows(self, count: int, sample: np.ndarray | None) -> np.ndarray:
        if sample is not None:
            return np.unique(np.asarray(sample, dtype=np.int64))
        if count <= self.max_fit:
            return np.arange(count)
        rng = np.random.default_rng(self.random_state)
        return np.sort(rng.choice(count, self.max_fit, replace=False))

    def _describe(self, vectors: np.ndarray, texts: Sequence[str | None]) -> None:
        keywords = self.keywords if self.keywords is not None else ClassKeywords(random_state=self.random_state)
        self.keywords_ = keywords.fit(texts, self.labels_).keywords_
        has_text = np.asarray([bool(t) for t in texts])
        self.representatives_: dict[int, list[int]] = {}
        self.names_: dict[int, str] = {}
        for cluster in range(self.n_clusters_):
            members = np.where((self.labels_ == cluster) & has_text)[0]
            closeness = vectors[members] @ self.centroids_[cluster]
            nearest = np.argsort(-closeness, kind="stable")[: self.representatives]
            self.representatives_[cluster] = members[nearest].tolist()
            words = self.keywords_.get(cluster, [])
            self.names_[cluster] = short_name(words) if words else f"cluster {cluster}"

