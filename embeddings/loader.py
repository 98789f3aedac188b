"""The one function that chooses and builds an embedder for a model folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.errors import ModelError
from embeddings.base import Embedder
from embeddings.model_folder import read_model_folder, resolve_model_folder
from embeddings.session import create_session


def load_embedder(
    model: str | Path,
    models_dir: Path = Path("var/models"),
    *,
    providers: Sequence[str] = ("cpu",),
    threads: int = 0,
    spinning: bool = True,
    batch_size: int | None = None,
    max_tokens: int | None = None,
    verify: bool = True,
) -> Embedder:
    """Load a built-in model by name (from ``models_dir``) or any model folder by path."""
    folder = resolve_model_folder(model, models_dir)
    manifest, onnx_path = read_model_folder(folder, verify=verify)
    session = create_session(onnx_path, providers, threads, manifest.custom_ops, spinning=spinning)
    if manifest.kind == "string":
        from embeddings.string_embedder import StringEmbedder

        return StringEmbedder(session, manifest, batch_size=batch_size or 32)
    if not manifest.tokenizer_file:
        raise ModelError(f"{folder}: a token model needs a tokenizer file")
    from embeddings.token_embedder import TokenEmbedder
    from embeddings.tokenizer import TextTokenizer

    char_map = folder / manifest.char_map_file if manifest.char_map_file else None
    tokenizer = TextTokenizer(folder / manifest.tokenizer_file, char_map)
    return TokenEmbedder(session, tokenizer, manifest, batch_size=batch_size or 4, window=max_tokens)
