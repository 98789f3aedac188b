"""Errors shared across packages; each carries a message fit for an API client."""

from __future__ import annotations


class VocError(Exception):
    """Base class of the product's own errors."""


class InvalidTextError(VocError, ValueError):
    """A text that cannot be analysed: not a string, empty, or only whitespace."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message if index is None else f"texts[{index}]: {message}")
        self.index = index


class ModelError(VocError):
    """A model folder that is missing, incomplete, or whose weights do not match its manifest."""
