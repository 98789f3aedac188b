from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.tiny_model import build_tiny_model

ROOT = Path(__file__).resolve().parents[1]
BUILT_MODELS = ROOT / "var" / "models"

# A service started by a test does not start the daily re-clustering run (were the suite to run at
# that time of day, a run would change the clusters under a test); tests of the schedule set it.
os.environ.setdefault("VOC_RECLUSTER_DAILY_AT", "off")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def built_models_dir() -> Path:
    """The built-in models that `make setup` builds; a clear failure when they are missing."""
    if not (BUILT_MODELS / "e5-small" / "manifest.json").is_file():
        pytest.fail(f"built-in models are missing under {BUILT_MODELS}: run 'make setup' first")
    return BUILT_MODELS


@pytest.fixture(scope="session")
def tiny_sentiment_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentiment head for the tiny model: 'negative' along one axis, 'positive' along another."""
    import numpy as np

    from sentiment.head import LABELS, SentimentHead

    coef = np.zeros((3, 16), dtype=np.float32)
    coef[0, 0], coef[2, 1] = 8.0, 8.0
    folder = tmp_path_factory.mktemp("heads") / "tiny"
    return SentimentHead(coef, np.zeros(3), LABELS, "tiny").save(folder, {"name": "tiny"})


@pytest.fixture
def tiny_settings(tiny_model_dir, tiny_sentiment_head, tmp_path):
    from core.settings import Settings

    def make(**overrides):
        values = dict(model=str(tiny_model_dir), models_dir=tiny_model_dir.parent, data_dir=tmp_path / "data",
                      sentiment_head=tiny_sentiment_head)
        return Settings(**{**values, **overrides})

    return make


@pytest.fixture
def memory_store(request):
    """A store on the server backend over qdrant-client's in-process mode, with the test module's DIM."""
    from store import open_store

    with open_store("server", url=":memory:", dimension=request.module.DIM) as opened:
        yield opened


@pytest.fixture
def voc(tiny_model_dir, monkeypatch):
    """Run `voc ARGS --model <tiny>` and return the result; settings read afresh."""
    from typer.testing import CliRunner

    from cli.main import app
    from core.settings import get_settings

    monkeypatch.setenv("VOC_MODELS_DIR", str(tiny_model_dir.parent))
    get_settings.cache_clear()

    def run(*args):
        return CliRunner().invoke(app, [*map(str, args), "--model", str(tiny_model_dir)])

    yield run
    get_settings.cache_clear()
