"""Finding groups of similar messages and describing them.

Stages (each swappable, sklearn-style): the view the reducer sees (`SpellingBlend`: vectors
joined by the texts' character n-grams, or `VectorsOnly`), a reducer (`UmapReducer`, or
`NoReduction`), a clusterer (`HdbscanClusterer`, or `GivenLabels`), the centroid rule that
assigns noise and every message outside the fitted sample (`CentroidModel`), and c-TF-IDF
keywords (`ClassKeywords`). `ClusterPipeline` composes them. Around a run: `match_clusters` keeps
ids stable between runs, `trends` decides new / growing / stable / fading, and `debt`
ranks clusters by client debt.

umap and hdbscan are imported here only, and only when a stage is fitted.
"""

from clustering.centroids import CentroidModel, calibrate_threshold, centroids_of
from clustering.keywords import ClassKeywords, terms
from clustering.pipeline import ClusterPipeline
from clustering.spelling import SpellingBlend, VectorsOnly
from clustering.stages import GivenLabels, HdbscanClusterer, NoReduction, UmapReducer

__all__ = [
    "CentroidModel",
    "ClassKeywords",
    "ClusterPipeline",
    "GivenLabels",
    "HdbscanClusterer",
    "NoReduction",
    "SpellingBlend",
    "UmapReducer",
    "VectorsOnly",
    "calibrate_threshold",
    "centroids_of",
    "terms",
]
