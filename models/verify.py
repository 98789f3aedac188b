"""Checking a built model folder before it is used or shipped."""

from __future__ import annotations

from pathlib import Path

from core.model_manifest import ModelManifest, verify_folder


def verify_model(folder: Path) -> ModelManifest:
    """The folder's manifest, after checking that every file it names is there and that the
    weights' sha256 matches; raises :class:`core.errors.ModelError` naming the file otherwise."""
    return verify_folder(Path(folder), check_weights=True)
