"""`voc recluster` takes its store, model and folders from the VOC_* settings the service uses."""

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def settings_read_afresh():
    get_settings.cache_clear()  # each test sets its own environment
    yield
    get_settings.cache_clear()


def test_the_data_folder_and_models_come_from_the_environment(built_models_dir, tmp_path, monkeypatch):
    from store import open_store

    data_dir = tmp_path / "voc-data"
    monkeypatch.setenv("VOC_DATA_DIR", str(data_dir))
    monkeypatch.setenv("VOC_MODELS_DIR", str(built_models_dir))
    result = CliRunner().invoke(app, ["recluster", "--since", "30d"])
    assert result.exit_code == 2 and f"no store at {data_dir / 'store'}" in result.output, result.output
    assert not data_dir.exists()  # looked for where VOC_DATA_DIR says, and created nothing there
    open_store("embedded", path=data_dir / "store", dimension=384).close()  # e5-small's dimension
    result = CliRunner().invoke(app, ["recluster", "--since", "30d"])
    assert result.exit_code == 2 and "0 messages" in result.output, result.output


def test_a_server_backend_without_a_reachable_server_is_a_clear_error(built_models_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("VOC_MODELS_DIR", str(built_models_dir))
    monkeypatch.setenv("VOC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VOC_STORE_BACKEND", "server")
    monkeypatch.setenv("VOC_QDRANT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("VOC_QDRANT_API_KEY", "k-123-secret")
    result = CliRunner().invoke(app, ["recluster"])
    assert result.exit_code == 2 and "error:" in result.output and "voc_messages" in result.output, result.output
    assert "k-123-secret" not in result.output


def test_the_api_key_is_not_a_flag():
    result = CliRunner().invoke(app, ["recluster", "--help"])
    assert "--qdrant-api-key" not in result.output and "VOC_QDRANT_API_KEY" in result.output
