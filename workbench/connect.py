"""One entry point for notebooks: the running service when a URL is given, else the local store."""

from __future__ import annotations

from pathlib import Path


def connect(url: str | None = None, *, token: str | None = None, data_dir: Path | str = "data",
            model: str = "e5-small", models_dir: Path | str = "var/models", taxonomy: Path | None = None):
    """``AnalystClient(url)`` when ``url`` is set (the service owns the store), otherwise a
    `LocalWorkbench` that opens the embedded store under ``data_dir`` itself. Both offer the
    same calls."""
    if url:
        from client.analyst import AnalystClient

        return AnalystClient(url, token=token)
    from workbench.local import LocalWorkbench

    return LocalWorkbench(data_dir, model=model, models_dir=models_dir, taxonomy=taxonomy)
