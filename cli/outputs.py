"""Files a command writes at its end, checked before it starts any work (a folder: see
`training.output.prepare_folder`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from training.output import OutputError


def check_output_file(path: Path, option: str) -> Path:
    """Refuse, before any work, a path that cannot be written as a file: a folder, a file in a
    folder that does not exist or takes no files, or a file that may not be overwritten."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option}: {path} is a folder; give the path of a file")
    if not path.parent.is_dir():
        raise OutputError(f"{option}: {path}: no folder {path.parent}")
    try:
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as error:
        raise OutputError(f"{option}: cannot write files in {path.parent} ({error.strerror or error})") from None
    if path.exists() and not (path.is_file() and os.access(path, os.W_OK)):
        raise OutputError(f"{option}: {path} cannot be overwritten")
    return path
