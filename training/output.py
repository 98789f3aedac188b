"""Output folders of `voc train` and `voc evaluate`, checked and created before any long work.

A head is written only into a new or empty folder, or over a head of the same kind (a
retrained head replaces the old one); anything else in the folder is left alone. A run that
fails leaves no trace: a folder it created is removed again, and a head is saved beside the
folder first and moved in only once it is whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import VocError

HEAD_WEIGHTS = {"topic": "heads.npz", "sentiment": "weights.npz"}  # beside manifest.json
SHOWN_ENTRIES = 5
STAGING_PREFIX = ".partial-"  # a head being saved, inside the output folder


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
    if out.is_dir() and any(_entries(out)) and head_kind(out) != kind:
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


def _entries(folder: Path) -> Iterator[Path]:
    """What a folder holds, less the staging folders of saves that were killed before they could clean up."""
    return (entry for entry in folder.iterdir() if not entry.name.startswith(STAGING_PREFIX))


def describe(folder: Path) -> str:
    """What a folder holds, in a few words: a head of another kind, a model, or its first entries."""
    names = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in _entries(folder))
    shown = ", ".join(names[:SHOWN_ENTRIES]) + (f" and {len(names) - SHOWN_ENTRIES} more"
                                                if len(names) > SHOWN_ENTRIES else "")
    kind = head_kind(folder)
    if kind:
        return f"it holds a {kind} head: {shown}"
    if (folder / "manifest.json").is_file() and any(folder.glob("*.onnx")):
        return f"it holds an embedding model: {shown}"
    return f"it has {shown}"


@contextmanager
def removed_on_failure(out: Path) -> Iterator[Path]:
    """``out``, and the folders above it, that this run creates are removed again when the block fails
    (an error, Ctrl-C): a refused or broken run leaves no new, empty or half-written folder behind.
    Folders that existed before are left as they are."""
    out = Path(out)
    created = [folder for folder in (out, *out.parents) if not folder.exists()]  # deepest first
    try:
        yield out
    except BaseException:
        if created and created[0].is_dir() and not created[0].is_symlink():
            shutil.rmtree(created[0], ignore_errors=True)  # everything in it is this run's
        for folder in created[1:]:
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def write_head(out: Path, save: Callable[[Path], object]) -> Path:
    """``save(folder)`` into a staging folder inside ``out``, then its files moved into ``out`` (the
    manifest last): a save that fails leaves ``out`` as it was, an old head included."""
    out = Path(out)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        save(staging)
        entries = sorted(staging.iterdir(), key=lambda entry: entry.name == "manifest.json")
        for entry in entries:
            target = out / entry.name
            if entry.is_dir() and target.is_dir():
                shutil.rmtree(target)
            os.replace(entry, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out
