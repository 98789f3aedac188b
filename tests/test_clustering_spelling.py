"""The spelling view: message vectors joined by the texts' character n-grams before the reduction."""

from __future__ import annotations

import numpy as np
import pytest

from clustering import ClusterPipeline, HdbscanClusterer, NoReduction, SpellingBlend, VectorsOnly

CARD = ["карта не пришла {}", "где моя карта {}", "карту так и не доставили {}", "карта потерялась {}"]
REFUND = ["верните деньги за заказ {}", "возврат денег не пришёл {}", "когда вернут деньги {}", "деньги не вернули {}"]


def _one_blob(count: int, seed: int = 0) -> np.ndarray:
    """Unit vectors scattered around one direction: the vectors alone show a single group."""
    rng = np.random.default_rng(seed)
    vectors = np.ones((count, 32), dtype=np.float32) + 0.05 * rng.standard_normal((count, 32)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _two_wordings(per_group: int) -> tuple[list[str], np.ndarray]:
    texts = [CARD[i % 4].format(i) for i in range(per_group)] + [REFUND[i % 4].format(i) for i in range(per_group)]
    return texts, np.repeat([0, 1], per_group)


def _mean_similarity(points: np.ndarray, left: np.ndarray, right: np.ndarray) -> float:
    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    return float((unit[left] @ unit[right].T).mean())


def test_the_blend_separates_texts_that_the_vectors_do_not():
    texts, group = _two_wordings(40)
    vectors = _one_blob(len(texts))
    blended = SpellingBlend(weight=2.0, components=16).fit_transform(vectors, texts)
    plain = VectorsOnly().fit_transform(vectors, texts)
    plain = plain - plain.mean(axis=0)  # compared without the common direction, as the blend sees them
    a, b = np.flatnonzero(group == 0), np.flatnonzero(group == 1)

    assert blended.shape == (len(texts), 32 + 16)
    assert np.allclose(np.linalg.norm(blended, axis=1), 1.0, atol=1e-5)
    assert _mean_similarity(blended, a, a) - _mean_similarity(blended, a, b) > 0.2
    assert abs(_mean_similarity(plain, a, a) - _mean_similarity(plain, a, b)) < 0.05


def test_rows_without_text_keep_their_centred_vector_alone():
    texts, _ = _two_wordings(20)
    texts[3], texts[25] = None, "   "
    vectors = _one_blob(len(texts), seed=1)
    blended = SpellingBlend(components=8).fit_transform(vectors, texts)
    centred = vectors - vectors.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)

    for row in (3, 25):
        assert np.allclose(blended[row, 32:], 0.0)
        assert np.allclose(blended[row, :32], centred[row], atol=1e-5)
    assert np.abs(blended[0, 32:]).sum() > 0


def test_too_few_texts_or_no_weight_pass_the_vectors_through():
    vectors = _one_blob(10, seed=2)
    few = SpellingBlend(min_texts=20)
    assert np.array_equal(few.fit_transform(vectors, [f"текст {i}" for i in range(10)]), vectors)
    assert few.blended_ is False
    unweighted = SpellingBlend(weight=0.0)
    texts, _ = _two_wordings(20)
    assert np.array_equal(unweighted.fit_transform(_one_blob(40), texts), _one_blob(40))


def test_texts_must_match_the_vectors():
    with pytest.raises(ValueError, match="expected 5 texts"):
        SpellingBlend().fit_transform(_one_blob(5), ["a", "b"])


def test_the_pipeline_finds_groups_by_wording_and_keeps_centroids_in_vector_space():
    texts, group = _two_wordings(60)
    vectors = _one_blob(len(texts), seed=3)
    blended = ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10),
                              view=SpellingBlend(weight=3.0, components=16), refine_steps=0).fit(vectors, texts)
    plain = ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10), view=VectorsOnly(),
                            refine_steps=0).fit(vectors, texts)

    assert blended.n_clusters_ >= 2
    for cluster in range(blended.n_clusters_):  # every cluster holds one wording only
        assert len(set(group[blended.labels_ == cluster])) == 1
    assert plain.n_clusters_ <= 1 or any(len(set(group[plain.labels_ == c])) > 1 for c in range(plain.n_clusters_))
    assert blended.centroids_.shape == (blended.n_clusters_, 32)
    assert np.array_equal(blended.predict(vectors[:5]).shape, (5,))


def test_the_default_pipeline_blends_the_spelling():
    pipeline = ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10))
    texts, _ = _two_wordings(30)
    pipeline.fit(_one_blob(len(texts), seed=4), texts)
    assert isinstance(pipeline.view_, SpellingBlend) and pipeline.view_.blended_


def test_evaluate_clusters_reports_the_view_and_takes_the_weight(tmp_path, tiny_model_dir):
    import json

    from cli.clusters import evaluate_clusters

    texts, group = _two_wordings(40)
    data = tmp_path / "labelled.csv"
    data.write_text("text,label\n" + "".join(f"{t},{g}\n" for t, g in zip(texts, group, strict=True)),
                    encoding="utf-8")
    blended = evaluate_clusters(data=data, text_col="text", label_col="label", out=tmp_path / "blended",
                                model=str(tiny_model_dir), models_dir=tiny_model_dir.parent)
    plain = evaluate_clusters(data=data, text_col="text", label_col="label", out=tmp_path / "plain",
                              model=str(tiny_model_dir), models_dir=tiny_model_dir.parent, spelling_weight=0.0)

    assert blended["details"]["pipeline"].startswith("vectors + 0.7 × character 3–5-gram TF-IDF")
    assert plain["details"]["pipeline"].startswith("vectors → UMAP")
    written = json.loads((tmp_path / "blended" / "report.json").read_text(encoding="utf-8"))
    assert written["details"]["pipeline"] == blended["details"]["pipeline"]
