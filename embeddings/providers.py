"""Choosing ONNX Runtime execution providers from settings, with a CPU fallback."""

from __future__ import annotations

import logging
from collections.abc import Sequence

logger = logging.getLogger(__name__)

PROVIDER_NAMES = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
}


def select_providers(requested: Sequence[str], available: Sequence[str]) -> list[str]:
    """Map short names (``cpu``, ``cuda``) to the providers this runtime has, in order.

    A requested provider that the installed runtime lacks is skipped with a warning;
    the CPU provider always closes the list so a session can always be created.
    """
    chosen: list[str] = []
    for name in requested:
        provider = PROVIDER_NAMES.get(name.lower(), name)
        if provider not in PROVIDER_NAMES.values() and provider not in available:
            raise ValueError(f"unknown execution provider {name!r}; use one of {sorted(PROVIDER_NAMES)}")
        if provider in available:
            if provider not in chosen:
                chosen.append(provider)
        else:
            logger.warning(
                "execution provider %s is not available in this ONNX Runtime (has %s); falling back to CPU. "
                "Install the 'gpu' extra for CUDA.",
                provider,
                ", ".join(available),
            )
    if "CPUExecutionProvider" not in chosen:
        chosen.append("CPUExecutionProvider")
    return chosen
