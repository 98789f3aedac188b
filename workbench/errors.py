"""The workbench's errors: each names what was wrong, so an analyst can fix the call."""

from __future__ import annotations

from core.errors import VocError
from topics.taxonomy import TaxonomyError


class WorkbenchError(VocError):
    """An analyst action that cannot be carried out; nothing was changed."""

    status = 422


class UnknownClusterError(WorkbenchError):
    status = 404


class NoRunError(WorkbenchError):
    """No clustering run is in force yet."""

    status = 404


class StaleRunError(WorkbenchError):
    """The cluster id belongs to a run that a newer run has replaced."""

    status = 409


class ConcurrentEditError(WorkbenchError):
    """The taxonomy changed (or is being changed) since the caller read it."""

    status = 409


class UnknownActionError(WorkbenchError):
    status = 404


class BrokenTaxonomyError(WorkbenchError, TaxonomyError):
    """The taxonomy file on disk cannot be used (edited by hand into an invalid state)."""

    status = 409
