"""``manifest.json``: what a model folder holds, written by ``models`` and read by ``embeddings``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from core.errors import ModelError

MANIFEST_FILE = "manifest.json"


class SourceInfo(BaseModel):
    package: str | None = None
    version: str | None = None
    file: str | None = None
    sha256: str | None = None


class ModelManifest(BaseModel):
    """Describes one model folder.

    ``kind`` says how the graph is fed: ``token`` graphs take ``input_ids`` and
    ``attention_mask`` (and ``token_type_ids`` when declared) and return token states
    that are pooled outside the graph; ``string`` graphs take raw strings and return
    sentence vectors.
    """

    name: str
    kind: Literal["token", "string"]
    dimension: int = Field(gt=0)
    onnx_file: str = "model.onnx"
    weights_sha256: str
    tokenizer_file: str | None = "tokenizer.json"
    char_map_file: str | None = Field(None, description="JSON {code point: replacement} applied before tokenizing")
    pooling: Literal["mean", "cls", "none"] = "mean"
    normalize: bool = True
    prefix: str = ""
    max_tokens: int = Field(512, gt=0)
    long_text: Literal["window_mean", "truncate"] = "window_mean"
    custom_ops: list[str] = Field(default_factory=list, description="e.g. ['onnxruntime_extensions']")
    input_name: str | None = Field(None, description="string graphs: the input holding the texts")
    output_name: str | None = None
    license: str | None = None
    license_file: str | None = None
    source: SourceInfo = Field(default_factory=SourceInfo)
    variant: str | None = Field(None, description="fp32, int8-static, q4 ...")
    versions: dict[str, str] = Field(default_factory=dict, description="library versions that wrote it")
    notes: str | None = None

    def write(self, folder: Path) -> Path:
        path = folder / MANIFEST_FILE
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, folder: Path) -> ModelManifest:
        return cls.model_validate(json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8")))


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_folder(folder: Path, *, check_weights: bool = True) -> ModelManifest:
    """Read a folder's manifest and check its files, refusing weights that do not match it."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise ModelError(f"{folder} has no {MANIFEST_FILE}")
    try:
        manifest = ModelManifest.read(folder)
    except (ValidationError, json.JSONDecodeError) as error:
        raise ModelError(f"{path} is not a valid manifest: {error}") from error
    needed = [manifest.onnx_file]
    if manifest.kind == "token":
        needed += [name for name in (manifest.tokenizer_file, manifest.char_map_file) if name]
    for name in needed:
        if not (folder / name).is_file():
            raise ModelError(f"{folder / name} is missing (named by {path})")
    if check_weights:
        actual = sha256_file(folder / manifest.onnx_file)
        if actual != manifest.weights_sha256:
            raise ModelError(
                f"{folder / manifest.onnx_file} does not match its manifest: sha256 {actual[:16]}… != "
                f"{manifest.weights_sha256[:16]}…; the weights are corrupt or were replaced. "
                "Rebuild with 'voc models build --force'."
            )
    return manifest
