"""Erasing messages: a customer's request to have their data removed, retention, one message.

The messages go from the store, and their texts from the example messages the cluster
registry shows (a cluster's ``examples`` / ``example_ids``), so nothing of them is served
afterwards. Erasure waits for no nightly run: it takes the run's lock, so a run cannot
read a message before it is erased and show it as an example after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jobs.state import run_lock
from store import MessageFilter
from store.records import as_utc

ID_PAGE = 1024


@dataclass(frozen=True)
class Erasure:
    messages: int  # messages deleted
    examples: int  # example messages taken out of the cluster registry

    def as_dict(self) -> dict[str, int]:
        return {"deleted": self.messages, "examples_removed": self.examples}


def erase_where(store, state_dir: Path, *, customer_id: str | None = None, before: datetime | None = None) -> Erasure:
    """Erase every message of ``customer_id`` and/or every message created before ``before``
    (a moment without a zone is UTC). At least one must be given: nothing is erased wholesale."""
    if customer_id is None and before is None:
        raise ValueError("give a customer id or a time before which messages are erased")
    if customer_id is not None and not customer_id.strip():
        raise ValueError("customer_id is empty")
    if before is not None:
        before = retention_limit(before)
    message_filter = MessageFilter(customer_id=customer_id, created_to=before)
    with run_lock(state_dir):
        ids = [message_id for page in store.messages.iterate(message_filter, batch_size=ID_PAGE, with_vectors=False)
               for message_id in page.ids]
        deleted = store.messages.delete_where(message_filter) if ids else 0
        return Erasure(deleted, _drop_examples(store, set(ids)))


def retention_limit(before: datetime) -> datetime:
    """``before`` in UTC (a moment without a zone is UTC); ValueError when it lies in the future, which
    would erase everything up to now."""
    limit = as_utc(before)
    if limit > datetime.now(UTC):
        raise ValueError("lies in the future; retention erases what is older than a past moment")
    return limit


def erase_ids(store, state_dir: Path, ids: Sequence[str]) -> Erasure:
    """Erase the messages with these ids (those that exist)."""
    with run_lock(state_dir):
        deleted = store.messages.delete(list(ids))
        return Erasure(deleted, _drop_examples(store, set(ids)))


def _drop_examples(store, erased: set[str]) -> int:
    """Takes the erased messages out of every cluster's examples; returns how many were taken out."""
    if not erased:
        return 0
    changed, removed = [], 0
    for item in store.clusters.all(with_vectors=True):
        example_ids = list(item.payload.get("example_ids") or [])
        keep = [index for index, example_id in enumerate(example_ids) if example_id not in erased]
        if len(keep) == len(example_ids):
            continue
        examples = list(item.payload.get("examples") or [])
        removed += len(example_ids) - len(keep)
        payload = {**item.payload, "example_ids": [example_ids[i] for i in keep],
                   "examples": [examples[i] for i in keep if i < len(examples)]}
        changed.append((item.id, item.vector, payload))
    if changed:
        store.clusters.upsert([item_id for item_id, _, _ in changed], [vector for _, vector, _ in changed],
                              [payload for _, _, payload in changed])
    return removed
