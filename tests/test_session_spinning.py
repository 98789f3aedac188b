"""The inference threads' spin policy comes from settings and reaches the runtime session."""

from core.settings import Settings
from embeddings.loader import load_embedder

KEY = "session.intra_op.allow_spinning"


def _spin_entry(embedder) -> str:
    return embedder.session.get_session_options().get_session_config_entry(KEY)


def test_spinning_is_on_by_default(tiny_model_dir, monkeypatch):
    monkeypatch.delenv("VOC_INTRA_OP_SPINNING", raising=False)
    settings = Settings()
    assert settings.intra_op_spinning is True
    embedder = load_embedder(tiny_model_dir, spinning=settings.intra_op_spinning)
    assert _spin_entry(embedder) == "1"
    # spinning lasts while a run does: the threads stop when it returns
    assert embedder.session.get_session_options().get_session_config_entry("session.force_spinning_stop") == "1"


def test_the_setting_turns_spinning_off(tiny_model_dir, monkeypatch):
    monkeypatch.setenv("VOC_INTRA_OP_SPINNING", "false")
    settings = Settings()
    embedder = load_embedder(tiny_model_dir, spinning=settings.intra_op_spinning)
    assert _spin_entry(embedder) == "0"
    vectors = embedder.embed(["курьер опоздал", "the courier was late"])
    assert vectors.shape[0] == 2


def test_the_service_session_follows_the_setting(tiny_settings):
    from fastapi.testclient import TestClient

    from service.app import create_app

    app = create_app(tiny_settings(intra_op_spinning=False))
    with TestClient(app) as client:
        assert client.get("/v1/ready").status_code == 200
        assert _spin_entry(app.state.voc.embedder.inner) == "0"
