"""The analysts' workbench: review the run's clusters and turn them into topics with owners.

Actions (`WorkbenchActions`: promote, map_to_topic, merge, rename, mark_noise, undo) change
the taxonomy file — the single source of truth, versioned — and per-cluster decisions,
each recorded in an append-only audit log. `review`, `changes` and `message_map` are what
the notebook shows. `connect` gives the HTTP client or the local (embedded store) mode.
"""

from workbench.actions import WorkbenchActions
from workbench.connect import connect
from workbench.errors import ConcurrentEditError, StaleRunError, UnknownClusterError, WorkbenchError
from workbench.paths import WorkbenchPaths, active_taxonomy, editable_taxonomy

__all__ = ["ConcurrentEditError", "StaleRunError", "UnknownClusterError", "WorkbenchActions", "WorkbenchError",
           "WorkbenchPaths", "active_taxonomy", "connect", "editable_taxonomy"]
