"""Where the workbench keeps its files, derived from the data folder and the configured taxonomy.

    DATA_DIR/clusters/               run state of `voc recluster` (jobs.state)
    DATA_DIR/workbench/actions.jsonl the append-only audit log
    DATA_DIR/workbench/decisions.json names, noise marks, merges and topics decided per cluster
    DATA_DIR/taxonomy.yaml           the taxonomy edited by the workbench when VOC_TAXONOMY is unset
    <taxonomy>.history/0001.yaml …   every earlier version of the taxonomy file
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from topics.taxonomy import DEFAULT_TAXONOMY

DATA_TAXONOMY = "taxonomy.yaml"


def is_shipped_taxonomy(path: Path | None) -> bool:
    """Whether ``path`` names the shipped default taxonomy (also through a link or a relative path)."""
    return path is not None and Path(path).resolve() == DEFAULT_TAXONOMY.resolve()


def editable_taxonomy(configured: Path | None, data_dir: Path) -> Path:
    """The file the workbench writes: the configured one, else ``DATA_DIR/taxonomy.yaml``
    (seeded from the shipped default at the first change; the shipped file is never written,
    also when it is the one configured)."""
    if configured and not is_shipped_taxonomy(configured):
        return Path(configured)
    return Path(data_dir) / DATA_TAXONOMY


def active_taxonomy(configured: Path | None, data_dir: Path) -> Path:
    """The file routing reads: the editable one once it exists, the shipped default before."""
    path = editable_taxonomy(configured, data_dir)
    own_file = configured and not is_shipped_taxonomy(configured)
    return path if own_file or path.exists() else DEFAULT_TAXONOMY


@dataclass(frozen=True)
class WorkbenchPaths:
    data_dir: Path
    taxonomy: Path

    @classmethod
    def of(cls, data_dir: Path, configured_taxonomy: Path | None = None) -> WorkbenchPaths:
        return cls(Path(data_dir), editable_taxonomy(configured_taxonomy, Path(data_dir)))

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "clusters"

    @property
    def folder(self) -> Path:
        return self.data_dir / "workbench"

    @property
    def actions(self) -> Path:
        return self.folder / "actions.jsonl"

    @property
    def decisions(self) -> Path:
        return self.folder / "decisions.json"
