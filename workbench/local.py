"""The workbench on the embedded store, in this process: for a notebook when no service runs.

The embedded store admits one process at a time (see docs/store.md): while `voc serve`
runs on the same data folder, use the HTTP client (`client.analyst.AnalystClient`)
instead; opening it here would raise `StoreLockedError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.actions import WorkbenchActions
from workbench.paths import WorkbenchPaths
from workbench.review import changes, message_map, review


class LocalWorkbench:
    """Same calls as `AnalystClient`: review, changes, message_map, actions, promote, map_to_topic,
    merge, rename, mark_noise, undo."""

    def __init__(self, data_dir: Path | str = "data", *, model: str = "e5-small",
                 models_dir: Path | str = "var/models", taxonomy: Path | None = None, store=None) -> None:
        self.paths = WorkbenchPaths.of(Path(data_dir), taxonomy)
        self._owns_store = store is None
        if store is None:
            from embeddings.model_folder import read_model_folder, resolve_model_folder
            from store import open_store

            manifest, _ = read_model_folder(resolve_model_folder(model, Path(models_dir)), verify=False)
            store = open_store("embedded", path=self.paths.data_dir / "store", dimension=manifest.dimension)
        self.store = store
        self._actions = WorkbenchActions(store, self.paths)

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> LocalWorkbench:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def review(self) -> dict[str, Any]:
        return review(self.store, self.paths)

    def changes(self) -> dict[str, Any]:
        return changes(self.paths)

    def message_map(self, limit: int = 3000) -> dict[str, Any]:
        return message_map(self.store, self.paths, limit=limit)

    def actions(self) -> list[dict[str, Any]]:
        return self._actions.actions()

    def promote(self, cluster_id: str, **fields: Any) -> dict[str, Any]:
        return self._actions.promote(cluster_id, **fields)

    def map_to_topic(self, cluster_id: str, topic_id: str, **fields: Any) -> dict[str, Any]:
        return self._actions.map_to_topic(cluster_id, topic_id, **fields)

    def merge(self, cluster_id: str, others: list[str], **fields: Any) -> dict[str, Any]:
        return self._actions.merge(cluster_id, others, **fields)

    def rename(self, cluster_id: str, name: str, **fields: Any) -> dict[str, Any]:
        return self._actions.rename(cluster_id, name, **fields)

    def mark_noise(self, cluster_id: str, noise: bool = True, **fields: Any) -> dict[str, Any]:
        return self._actions.mark_noise(cluster_id, noise, **fields)

    def undo(self, n: int, **fields: Any) -> dict[str, Any]:
        return self._actions.undo(n, **fields)
