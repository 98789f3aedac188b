"""Jobs over the store: the nightly re-clustering (`run_recluster`) and the run state it keeps."""

from jobs.recluster import ReclusterError, ReclusterSettings, run_recluster
from jobs.state import RunState, current_clusters, read_current

__all__ = ["ReclusterError", "ReclusterSettings", "RunState", "current_clusters", "read_current", "run_recluster"]
