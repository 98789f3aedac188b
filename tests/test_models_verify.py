"""verify_model: a built folder is accepted only when its manifest, files and weights agree."""

import json

import pytest

from core.errors import ModelError
from core.model_manifest import ModelManifest, sha256_file
from models.verify import verify_model


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"weights")
    (tmp_path / "tokenizer.json").write_text("{}")
    ModelManifest(name="m", kind="token", dimension=4, weights_sha256=sha256_file(tmp_path / "model.onnx")).write(
        tmp_path)
    return tmp_path


def test_a_consistent_folder_passes(folder):
    assert verify_model(folder).name == "m"


def test_missing_manifest_is_named(tmp_path):
    with pytest.raises(ModelError, match="manifest.json"):
        verify_model(tmp_path)


def test_invalid_manifest_is_named(folder):
    (folder / "manifest.json").write_text(json.dumps({"name": "m"}))
    with pytest.raises(ModelError, match="manifest.json is not a valid manifest"):
        verify_model(folder)


def test_missing_file_is_named(folder):
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="tokenizer.json is missing"):
        verify_model(folder)


def test_replaced_weights_are_refused(folder):
    (folder / "model.onnx").write_bytes(b"other weights")
    with pytest.raises(ModelError, match="model.onnx does not match its manifest"):
        verify_model(folder)
