"""``AnalystClient``: the workbench calls against a running service (notebooks, scripts).

Use it whenever the service runs: it owns the embedded store, and actions through it
reach routing at once. Without a service, `workbench.local.LocalWorkbench` offers the
same calls on the store itself (``workbench.connect`` picks one of the two).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from client.http import VocClient


class AnalystClient(VocClient):
    # --- what to review -------------------------------------------------------------
    def review(self) -> dict[str, Any]:
        """The run's clusters ranked by client debt, emerging first, with analysts' decisions."""
        return self._call("GET", "/v1/workbench/review")

    def changes(self) -> dict[str, Any]:
        """New, gone, merged, split and grown clusters since the previous run."""
        return self._call("GET", "/v1/workbench/changes")

    def message_map(self, limit: int = 3000) -> dict[str, Any]:
        """Messages in 2-D (UMAP) with text and cluster, for a scatter plot."""
        return self._call("GET", "/v1/workbench/map", params={"limit": limit})

    def actions(self) -> list[dict[str, Any]]:
        """The audit log (each entry with ``undone``)."""
        return self._call("GET", "/v1/workbench/actions")["actions"]

    # --- actions --------------------------------------------------------------------
    def promote(self, cluster_id: str, *, owner: str, **fields: Any) -> dict[str, Any]:
        """New topic: name_ru, name_en, group, severity, topic_id, description, who, run_id, expected_version."""
        return self._action(cluster_id, "promote", {"owner": owner, **fields})

    def map_to_topic(self, cluster_id: str, topic_id: str, **fields: Any) -> dict[str, Any]:
        return self._action(cluster_id, "map", {"topic_id": topic_id, **fields})

    def merge(self, cluster_id: str, others: list[str], **fields: Any) -> dict[str, Any]:
        return self._action(cluster_id, "merge", {"others": list(others), **fields})

    def rename(self, cluster_id: str, name: str, **fields: Any) -> dict[str, Any]:
        return self._action(cluster_id, "rename", {"name": name, **fields})

    def mark_noise(self, cluster_id: str, noise: bool = True, **fields: Any) -> dict[str, Any]:
        return self._action(cluster_id, "noise", {"noise": noise, **fields})

    def undo(self, n: int, *, who: str | None = None) -> dict[str, Any]:
        return self._call("POST", f"/v1/workbench/actions/{int(n)}:undo", json={"who": who} if who else None)

    def _action(self, cluster_id: str, verb: str, body: dict[str, Any]) -> dict[str, Any]:
        if "expected_version" in body:  # the local API's name for the optimistic check
            body["taxonomy_version"] = body.pop("expected_version")
        return self._call("POST", f"/v1/clusters/{quote(cluster_id, safe='')}:{verb}", json=body)
