"""Reading a model folder: our own built folders and sentence-transformers ONNX exports."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from core.errors import ModelError
from core.model_manifest import MANIFEST_FILE, ModelManifest, sha256_file, verify_folder

logger = logging.getLogger(__name__)


def resolve_model_folder(model: str | Path, models_dir: Path) -> Path:
    """A built-in name resolves under ``models_dir``; anything else is taken as a path."""
    candidate = Path(models_dir) / str(model)
    if candidate.is_dir():
        return candidate
    path = Path(model)
    if path.is_dir():
        return path
    if path.exists():
        raise ModelError(f"model {str(model)!r}: {path} is a file, not a model folder (a built-in name such as "
                         "'e5-small', or the folder that holds manifest.json or onnx/model.onnx)")
    places = f"no folder {candidate}" + (f" nor {path}" if path != candidate else "")
    raise ModelError(
        f"model {str(model)!r} not found: {places}. "
        "Build the built-in models with 'voc models build' (or 'make setup')."
    )


def read_model_folder(folder: Path, *, verify: bool = True) -> tuple[ModelManifest, Path]:
    """Return the folder's manifest and ONNX path, refusing weights that do not match it."""
    if not (folder / MANIFEST_FILE).is_file():
        return infer_sentence_transformers_manifest(folder)
    manifest = verify_folder(folder, check_weights=verify)
    return manifest, folder / manifest.onnx_file


def infer_sentence_transformers_manifest(folder: Path) -> tuple[ModelManifest, Path]:
    """Describe a sentence-transformers ONNX export (``onnx/model.onnx`` + ``tokenizer.json``)."""
    onnx_path = next((p for p in (folder / "onnx" / "model.onnx", folder / "model.onnx") if p.is_file()), None)
    if onnx_path is None or not (folder / "tokenizer.json").is_file():
        raise ModelError(
            f"{folder} is not a model folder: it needs {MANIFEST_FILE}, or an ONNX export "
            "(onnx/model.onnx and tokenizer.json, as sentence-transformers writes them)"
        )
    pooling_config = _read_json(folder / "1_Pooling" / "config.json")
    st_config = _read_json(folder / "sentence_bert_config.json")
    pooling = "cls" if pooling_config.get("pooling_mode_cls_token") else "mean"
    dimension = int(pooling_config.get("word_embedding_dimension") or _graph_dimension(onnx_path))
    logger.warning("%s has no %s; using a manifest inferred from the export", folder, MANIFEST_FILE)
    manifest = ModelManifest(
        name=folder.name,
        kind="token",
        dimension=dimension,
        onnx_file=str(onnx_path.relative_to(folder)),
        weights_sha256=sha256_file(onnx_path),
        tokenizer_file="tokenizer.json",
        pooling=pooling,
        max_tokens=int(st_config.get("max_seq_length", 512)),
        notes="inferred from a sentence-transformers export",
    )
    return manifest, onnx_path


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _graph_dimension(onnx_path: Path) -> int:
    import onnx

    output = onnx.load(str(onnx_path), load_external_data=False).graph.output[0]
    dim = output.type.tensor_type.shape.dim[-1]
    if not dim.dim_value:
        raise ModelError(f"cannot tell the embedding dimension of {onnx_path}; add a {MANIFEST_FILE}")
    return int(dim.dim_value)
