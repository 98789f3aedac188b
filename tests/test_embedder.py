"""The token embedder on a tiny model built by the test: contract, invariance, long texts, refusal."""

import json
import shutil
import unicodedata

import numpy as np
import pytest

from core.errors import InvalidTextError, ModelError
from embeddings.loader import load_embedder


@pytest.fixture(scope="module")
def embedder(tiny_model_dir):
    return load_embedder(tiny_model_dir, batch_size=3)


def test_vectors_are_unit_length_with_the_manifest_dimension(embedder):
    vectors = embedder.embed(["курьер опоздал", "where is my refund"])
    assert vectors.shape == (2, 16)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) < 0.99


def test_same_text_alone_or_in_any_batch(embedder):
    texts = ["w1", "w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12", "заказ не пришёл", "w5 w5", "refund", "w9 w8 w7"]
    together = embedder.embed(texts)
    for index, text in enumerate(texts):
        alone = embedder.embed([text])[0]
        assert float(alone @ together[index]) >= 0.999999
    reordered = embedder.embed(texts[::-1])[::-1]
    np.testing.assert_allclose(reordered, together, atol=1e-6)


def test_long_text_uses_the_windowed_mean(embedder):
    words = [f"w{i % 60}" for i in range(30)]
    whole = embedder.embed([" ".join(words)])[0]
    # window of 8 tokens = 6 content tokens + <s> + </s>: five windows of six words
    parts = embedder.embed([" ".join(words[i : i + 6]) for i in range(0, 30, 6)])
    # each part's vector is normalised; rebuild from unnormalised means is not possible,
    # but the whole must lie in the span of the parts and be closest to their mean direction
    mean = parts.mean(axis=0)
    mean /= np.linalg.norm(mean)
    assert float(whole @ mean) > 0.95


def test_huge_text_is_handled_in_bounded_windows(embedder):
    vector = embedder.embed(["w1 " * 100_000])[0]
    assert np.isfinite(vector).all()
    np.testing.assert_allclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_composed_and_decomposed_letters_embed_alike(embedder):
    composed = "й ё"
    decomposed = unicodedata.normalize("NFD", composed)
    a, b = embedder.embed([composed, decomposed])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_invisible_characters_do_not_change_the_vector(embedder):
    a, b = embedder.embed(["заказ не пришёл", "за\u200cказ не\u200b пришёл"])
    np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_bad_input_is_a_clear_error_never_a_zero_vector(embedder, bad):
    with pytest.raises(InvalidTextError):
        embedder.embed(["ok", bad])


@pytest.mark.parametrize("odd", ["😀🙃 emoji", "mixed кириллица latin 中文", "\x01\x02ctrl", "bad \ud800 surrogate"])
def test_odd_input_gives_a_valid_vector(embedder, odd):
    vector = embedder.embed([odd])[0]
    assert np.isfinite(vector).all() and abs(np.linalg.norm(vector) - 1) < 1e-5


def test_weights_that_do_not_match_the_manifest_are_refused(tiny_model_dir, tmp_path):
    copy = shutil.copytree(tiny_model_dir, tmp_path / "tampered")
    data = bytearray((copy / "model.onnx").read_bytes())
    data[-5] ^= 0xFF
    (copy / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match its manifest"):
        load_embedder(copy)


def test_invalid_manifest_is_refused(tiny_model_dir, tmp_path):
    copy = shutil.copytree(tiny_model_dir, tmp_path / "broken")
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["dimension"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="not a valid manifest"):
        load_embedder(copy)


def test_missing_model_names_the_build_command(tmp_path):
    with pytest.raises(ModelError, match="voc models build"):
        load_embedder("no-such-model", tmp_path)
    missing = tmp_path / "gone"
    with pytest.raises(ModelError, match="voc models build") as raised:
        load_embedder(str(missing), tmp_path / "models")
    assert str(raised.value).count(str(missing)) == 2  # the name and the one place looked in, not twice the same


def test_a_file_given_as_the_model_is_named_as_a_file(tmp_path):
    weights = tmp_path / "model.onnx"
    weights.write_bytes(b"onnx")
    with pytest.raises(ModelError, match="is a file, not a model folder"):
        load_embedder(str(weights), tmp_path / "models")


def test_sentence_transformers_export_without_manifest_loads(tiny_model_dir, tmp_path):
    export = tmp_path / "st-export"
    (export / "onnx").mkdir(parents=True)
    (export / "1_Pooling").mkdir()
    shutil.copy(tiny_model_dir / "model.onnx", export / "onnx" / "model.onnx")
    shutil.copy(tiny_model_dir / "tokenizer.json", export / "tokenizer.json")
    (export / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": 16, "pooling_mode_mean_tokens": True})
    )
    (export / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 8}))
    exported = load_embedder(export).embed(["курьер опоздал"])
    ours = load_embedder(tiny_model_dir).embed(["курьер опоздал"])
    np.testing.assert_allclose(exported, ours, atol=1e-6)
