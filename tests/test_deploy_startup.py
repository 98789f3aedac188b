"""The image's start-up path, run here: its CMD with its environment, health and readiness, and its HEALTHCHECK."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fixtures.dockerfile import exec_form, final_stage, stage_env
from tests.fixtures.service_process import ServiceProcess, clean_env, free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration


def test_image_command_starts_and_becomes_ready(built_models_dir, tmp_path):
    runtime = final_stage(ROOT / "Dockerfile")
    env = stage_env(runtime)
    port = free_port()
    # the image's environment; only the paths that are the image's own folders and the port move
    env.update(VOC_MODELS_DIR=str(built_models_dir), VOC_DATA_DIR=str(tmp_path / "data"), VOC_PORT=str(port))
    env.pop("PATH")
    command = exec_form(runtime, "CMD")
    assert command == ["voc", "serve"]
    workdir = tmp_path / "app"  # like /app in the image: no .env, no var/ beside it
    workdir.mkdir()
    service = ServiceProcess(command, env, workdir, tmp_path / "serve.log")
    try:
        service.wait_ready(timeout_s=180)
        assert httpx.get(f"{service.url}/v1/health").json() == {"status": "ok"}
        ready = httpx.get(f"{service.url}/v1/ready").json()
        assert ready["model"] == "e5-small" and ready["dimension"] == 384
        # the image's HEALTHCHECK as is, with the container's environment: it follows VOC_PORT
        check = exec_form(runtime, "HEALTHCHECK")
        assert subprocess.run([sys.executable, *check[1:]], env=clean_env(env), timeout=30).returncode == 0
        answer = httpx.post(f"{service.url}/v1/messages", timeout=60,
                            json={"id": "boot-1", "text": "Курьер опоздал на два часа", "channel": "chat"})
        assert answer.status_code == 201, answer.text
        assert (tmp_path / "data" / "store").is_dir()
    finally:
        service.kill(signal.SIGTERM)
    # a graceful stop on SIGTERM (what `docker stop` and Kubernetes send); uvicorn re-raises the signal
    assert service.process.returncode in (0, -signal.SIGTERM), service.output()
    assert "Application shutdown complete." in service.output()
    assert "Uvicorn running on http://0.0.0.0:" in service.output()
