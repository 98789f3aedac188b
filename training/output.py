"""Output folders of `voc train` and `voc evaluate`, checked and created before any long work.

A head is written only into a new or empty folder, or over a head of the same kind (a
retrained head replaces the old one); anything else in the folder is left alone.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from core.errors import VocError

HEAD_WEIGHTS = {"topic": "heads.npz", "sentiment": "weights.npz"}  # beside manifest.json
SHOWN_ENTRIES = 5


class OutputError(VocError):
    """An output folder that cannot be written, or that holds something a head would overwrite."""


def head_kind(folder: Path) -> str | None:
    """``"topic"`` or ``"sentiment"`` when the folder holds such a head, else None."""
    folder = Path(folder)
    if not (folder / "manifest.json").is_file():
        return None
    return next((kind for kind, weights in HEAD_WEIGHTS.items() if (folder / weights).is_file()), None)


def prepare_head_folder(out: Path, kind: str) -> Path:
    """Create the folder a ``kind`` head will be written to, refusing one that holds anything else."""
    out = Path(out)
    if out.is_dir() and any(out.iterdir()) and head_kind(out) != kind:
        raise OutputError(f"output folder {out} is not empty and holds no {kind} head ({describe(out)}); "
                          f"give a new or empty folder, or remove what is there first")
    return prepare_folder(out)


def prepare_folder(out: Path) -> Path:
    """Create ``out`` (and its parents) and make sure files can be written in it."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"output folder {out} is a file; give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise OutputError(f"cannot write to the output folder {out} ({error.strerror or error})") from error
    return out


def describe(folder: Path) -> str:
    """What a folder holds, in a few words: a head of another kind, a model, or its first entries."""
    names = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in folder.iterdir())
    shown = ", ".join(names[:SHOWN_ENTRIES]) + (f" and {len(names) - SHOWN_ENTRIES} more"
                                                if len(names) > SHOWN_ENTRIES else "")
    kind = head_kind(folder)
    if kind:
        return f"it holds a {kind} head: {shown}"
    if (folder / "manifest.json").is_file() and any(folder.glob("*.onnx")):
        return f"it holds an embedding model: {shown}"
    return f"it has {shown}"
