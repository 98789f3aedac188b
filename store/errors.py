"""Errors of the store; each says what was wrong and nothing is written when one is raised."""

from __future__ import annotations

from core.errors import VocError


class StoreError(VocError):
    """Base class of every error the store raises."""


class InvalidVectorError(StoreError, ValueError):
    """A vector of the wrong shape or dimension, with NaN or infinity, or of zero length."""


class InvalidIdError(StoreError, ValueError):
    """An id that is not a non-empty string."""


class InvalidPayloadError(StoreError, ValueError):
    """A field of the wrong type, or a payload that is not JSON-serialisable."""


class InvalidFilterError(StoreError, ValueError):
    """A filter on an unknown field, or with a value of the wrong type."""


class DimensionMismatchError(StoreError):
    """The store holds vectors of another dimension than the one it was opened with."""


class StoreLockedError(StoreError):
    """Another process (or another open store in this process) holds the embedded store."""


class StoreNotFoundError(StoreError):
    """A store opened with ``create=False`` that does not exist; nothing was created."""


class NotFoundError(StoreError, KeyError):
    """An update named ids that are not in the store (``missing``: those ids)."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SnapshotError(StoreError):
    """A snapshot folder that is missing, incomplete or made for another dimension."""


class BackendError(StoreError):
    """The engine or the server refused an operation."""
