"""``manifest.json``: what a model folder holds, written by ``models`` and read by ``embeddings``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

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
