"""Where every analysed message, cluster and topic prototype lives: Qdrant, embedded or served.

    from store import open_store, Message, MessageFilter
    with open_store("embedded", path=data_dir / "store", dimension=384) as store:
        store.messages.upsert(messages, vectors)
        hits = store.messages.search(vector, MessageFilter(channel="email"), limit=10)

Importing this package loads neither engine; `open_store` imports the one it needs.
"""

from store.conditions import MessageFilter
from store.errors import (
    BackendError,
    DimensionMismatchError,
    InvalidFilterError,
    InvalidIdError,
    InvalidPayloadError,
    InvalidVectorError,
    NotFoundError,
    SnapshotError,
    StoreError,
    StoreLockedError,
    StoreNotFoundError,
)
from store.factory import open_store
from store.lock import holding_store_lock
from store.records import Item, Message, MessageBatch, SearchHit
from store.snapshot import describe_snapshot
from store.store import Store

__all__ = [
    "BackendError",
    "DimensionMismatchError",
    "InvalidFilterError",
    "InvalidIdError",
    "InvalidPayloadError",
    "InvalidVectorError",
    "Item",
    "Message",
    "MessageBatch",
    "MessageFilter",
    "NotFoundError",
    "SearchHit",
    "SnapshotError",
    "Store",
    "StoreError",
    "StoreLockedError",
    "StoreNotFoundError",
    "describe_snapshot",
    "holding_store_lock",
    "open_store",
]
