"""What analysts decided per cluster id: a name, a noise mark, a merge target, a topic.

Cluster ids stay stable from run to run (`clustering.matching`), so a decision keeps
applying to the same cluster after the next nightly run. The file is one JSON object
``{cluster_id: {name?, noise?, merged_into?, topic?, decision?}}`` written atomically.
Topics themselves live only in the taxonomy file; here a cluster only points at one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench.atomic import write_atomically
from workbench.errors import WorkbenchError


def decisions_in(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The decisions kept in a data folder (``DATA_DIR/workbench/decisions.json``)."""
    from workbench.paths import WorkbenchPaths

    return Decisions(WorkbenchPaths.of(data_dir).decisions).read()


class Decisions:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise WorkbenchError(f"{self.path}: the cluster decisions cannot be read ({error})") from error
        if not isinstance(data, dict):
            raise WorkbenchError(f"{self.path}: expected a JSON object of cluster decisions")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        clean = {key: value for key, value in sorted(data.items()) if value}
        write_atomically(self.path, json.dumps(clean, ensure_ascii=False, indent=2) + "\n")
