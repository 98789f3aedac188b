"""An operator's mistakes in the VOC_* settings: each stops `voc` at once with one line that names
the variable, instead of a traceback or a service that starts and fails later."""

from __future__ import annotations

import pytest

from cli.main import main
from core.settings import Settings, get_settings, settings_error_message


@pytest.fixture
def env(monkeypatch, tmp_path, tiny_model_dir, tiny_sentiment_head):
    """A fresh machine's environment on the tiny model; returns a setter for more VOC_* values."""
    monkeypatch.chdir(tmp_path)
    for name, value in {"VOC_MODELS_DIR": tiny_model_dir.parent, "VOC_MODEL": tiny_model_dir,
                        "VOC_SENTIMENT_HEAD": tiny_sentiment_head, "VOC_DATA_DIR": tmp_path / "data"}.items():
        monkeypatch.setenv(name, str(value))
    get_settings.cache_clear()
    yield lambda **values: [monkeypatch.setenv(f"VOC_{name.upper()}", value) for name, value in values.items()]
    get_settings.cache_clear()


def _run(capsys, *args: str) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    return stopped.value.code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("host", "", "is empty"),  # an unset template value: would bind every interface
    ("data_dir", "", "is empty"),  # would put the store in the current folder
    ("model", " ", "is empty"),
    ("qdrant_url", "", "is empty"),
    ("providers", '["gpu"]', "not execution providers"),
    ("shared_state_poll_s", "inf", "finite"),  # overflowed the watcher's timer once started
    ("shared_state_poll_s", "1e12", "less than or equal to 86400"),
    ("batch_wait_ms", "inf", "finite"),
    ("request_timeout_s", "nan", "finite"),
    ("keep_alive_s", "inf", "finite"),
    ("intra_op_threads", "100000", "less than or equal to 1024"),  # started 100000 threads
    ("blas_threads", "100000", "less than or equal to 1024"),
])
def test_a_bad_value_is_refused_naming_the_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv(f"VOC_{name.upper()}", value)
    with pytest.raises(Exception) as raised:
        Settings()
    message = settings_error_message(raised.value)
    assert message is not None and message.startswith(f"VOC_{name.upper()}=")
    assert expected in message


def test_a_validators_own_message_has_no_pydantic_prefix(monkeypatch):
    monkeypatch.setenv("VOC_TOKENS", '{" ": ["ingest"]}')
    with pytest.raises(Exception) as raised:
        Settings()
    assert settings_error_message(raised.value) == (
        "VOC_TOKENS: token 1 of 1 is blank; every token must be a secret string")


def test_full_provider_names_and_short_ones_still_pass(monkeypatch):
    monkeypatch.setenv("VOC_PROVIDERS", '["CUDA", "CPUExecutionProvider"]')
    assert Settings().providers == ["CUDA", "CPUExecutionProvider"]


def test_embed_with_an_unknown_provider_is_one_line(env, capsys):
    env(providers='["gpu"]')
    code, err = _run(capsys, "embed", "hello")
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: VOC_PROVIDERS=")


@pytest.mark.parametrize(("values", "named"), [
    ({"store_backend": "server"}, "VOC_QDRANT_URL"),
    ({"languages": '["xx", "en"]'}, "VOC_LANGUAGES"),
    ({"topic_head": "/nonexistent/head"}, "VOC_TOPIC_HEAD"),
    ({"priority_policy": "/nonexistent/policy.yaml"}, "VOC_PRIORITY_POLICY"),
])
def test_serve_names_a_setting_it_cannot_start_on_in_one_line(env, capsys, values, named):
    env(port="1", **values)  # never reached: the check comes before the server binds
    code, err = _run(capsys, "serve")
    assert code == 3
    assert len(err) == 1, err
    assert err[0].startswith("error: the service could not start: ") and named in err[0]
