"""Secrets come only from the environment and never come back out; CORS is off unless configured."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from core.settings import Settings
from service.app import create_app

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s3cret-token-value-4f9a"


def test_no_secret_has_a_default():
    defaults = Settings(_env_file=None)
    assert defaults.tokens == {} and defaults.qdrant_api_key is None and defaults.cors_origins == []


def test_secrets_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("VOC_TOKENS", f'{{"{SECRET}": ["ingest"]}}')
    monkeypatch.setenv("VOC_QDRANT_API_KEY", "qdrant-key")
    settings = Settings(_env_file=None)
    assert settings.tokens == {SECRET: ["ingest"]} and settings.qdrant_api_key == "qdrant-key"


@pytest.mark.parametrize("tokens, problem", [
    ('{"": ["admin"]}', "is blank"), ('{" \\u00a0": ["admin"]}', "is blank"),
    (f'{{"ok": ["ingest"], " {SECRET}": ["admin"]}}', "token 2 of 2 has spaces"),
    ('{"секрет-токен": ["admin"]}', "not printable ASCII")])
def test_a_blank_or_padded_token_is_refused_without_showing_it(monkeypatch, tokens, problem):
    from pydantic import ValidationError

    from core.settings import settings_error_message

    monkeypatch.setenv("VOC_TOKENS", tokens)
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None)
    message = settings_error_message(raised.value)
    assert message.startswith("VOC_TOKENS") and problem in message and SECRET not in message


def test_no_env_file_or_literal_secret_is_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:  # not a git checkout (e.g. an unpacked source archive): check the folder instead
        tracked = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if ".venv" not in p.parts]
    assert not [name for name in tracked if Path(name).name == ".env"]
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    for service in compose["services"].values():
        for name, value in service.get("environment", {}).items():
            if "TOKEN" in name or "KEY" in name:
                assert str(value).startswith("${"), name
    example = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "secret.example.yaml").read_text())
    assert all("replace-me" in value for value in example["stringData"].values())


def test_tokens_never_come_back_in_answers_or_logs(tiny_settings, caplog):
    with caplog.at_level(logging.DEBUG), TestClient(create_app(tiny_settings(tokens={SECRET: ["analyst"]}))) as client:
        wrong_scope = client.post("/v1/embed", json={"texts": ["x"]}, headers={"Authorization": f"Bearer {SECRET}"})
        assert wrong_scope.status_code == 403
        near_miss = client.get("/v1/topics", headers={"Authorization": f"Bearer {SECRET}x"})
        assert near_miss.status_code == 401
        bodies = [wrong_scope.text, near_miss.text, client.get("/metrics").text, client.get("/openapi.json").text,
                  client.get("/v1/ready").text]
    assert not [body for body in bodies if SECRET in body]
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert not [r for r in server_side if SECRET in r.getMessage()]


@pytest.mark.parametrize(("origins", "origin", "allowed"), [
    ([], "https://ops.example.com", False),
    (["https://ops.example.com"], "https://ops.example.com", True),
    (["https://ops.example.com"], "https://evil.example", False),
])
def test_cors_only_for_configured_origins(tiny_settings, origins, origin, allowed):
    with TestClient(create_app(tiny_settings(cors_origins=origins))) as client:
        response = client.options("/v1/embed", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        simple = client.get("/v1/health", headers={"Origin": origin})
    assert (response.headers.get("access-control-allow-origin") == origin) is allowed
    assert (simple.headers.get("access-control-allow-origin") == origin) is allowed
