from __future__ import annotations

from pathlib import Path

import pytest

from tests.tiny_model import build_tiny_model

ROOT = Path(__file__).resolve().parents[1]
BUILT_MODELS = ROOT / "var" / "models"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def built_models_dir() -> Path:
    """The built-in models that `make setup` builds; a clear failure when they are missing."""
    if not (BUILT_MODELS / "e5-small" / "manifest.json").is_file():
        pytest.fail(f"built-in models are missing under {BUILT_MODELS}: run 'make setup' first")
    return BUILT_MODELS
