"""ONNX Runtime sessions: the only module that imports ``onnxruntime`` for serving."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from embeddings.providers import select_providers


def available_providers() -> list[str]:
    import onnxruntime as ort

    return list(ort.get_available_providers())


def create_session(
    onnx_path: Path,
    providers: Sequence[str] = ("cpu",),
    threads: int = 0,
    custom_ops: Sequence[str] = (),
    spinning: bool = True,
) -> Any:
    """Create an inference session with the chosen providers, thread count and spin policy."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: shape-merge notices are not actionable
    # Spinning threads pick up the next operator without a wake-up; sleeping ones leave
    # the cores to the HTTP server and the store while no inference runs. Either way they
    # stop spinning when a run returns, so the stages after the embedding get the cores.
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    options.add_session_config_entry("session.force_spinning_stop", "1")
    for library in custom_ops:
        if library != "onnxruntime_extensions":
            raise ValueError(f"unknown custom-op library {library!r}")
        import onnxruntime_extensions

        options.register_custom_ops_library(onnxruntime_extensions.get_library_path())
    chosen = select_providers(providers, ort.get_available_providers())
    return ort.InferenceSession(str(onnx_path), sess_options=options, providers=chosen)
