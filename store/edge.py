"""The embedded backend: the Qdrant engine in-process (qdrant-edge), one shard per collection.

Layout of the store directory: `store.lock`, and one shard folder per collection
(`<prefix>_messages`, …) with its segments and write-ahead log. The engine leaves index
building to its caller: `optimize()` builds the HNSW graph; until then search scans.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import qdrant_edge as qe

from store.backend import INT8_QUANTILE, RESCORE_OVERSAMPLING, Backend, Collection, IndexSpec, Page
from store.conditions import Conditions, ExcludeIds, Match
from store.errors import BackendError, DimensionMismatchError, StoreNotFoundError
from store.lock import DirectoryLock

# Payload indexes serve filters and counts; they add no per-value graphs to the vector index,
# which would multiply its build time by the number of indexed values.
_SCHEMA: dict[str, qe.KeywordIndexParams | qe.FloatIndexParams] = {
    "keyword": qe.KeywordIndexParams(enable_hnsw=False),
    "float": qe.FloatIndexParams(enable_hnsw=False),
}
_PIPELINE_CHUNK = 512  # points converted for the engine while it writes the previous chunk
def _search_params(search_ef: int | None) -> Any:
    return qe.SearchParams(hnsw_ef=search_ef,
                           quantization=qe.QuantizationSearchParams(rescore=True, oversampling=RESCORE_OVERSAMPLING))
# The engine never flushes by itself, and only a flush lets it drop write-ahead log segments:
# without one the log (and the replay on the next open) would grow with every write.
_FLUSH_EVERY_POINTS = 50_000
_FLUSH_EVERY_S = 30.0


def to_filter(conditions: Conditions) -> qe.Filter | None:
    if not conditions:
        return None
    must: list[Any] = []
    must_not: list[Any] = []
    for condition in conditions:
        if isinstance(condition, Match):
            values = list(condition.values)
            match = qe.MatchValue(values[0]) if len(values) == 1 else qe.MatchAny(values)
            field: qe.FieldCondition | qe.Filter = qe.FieldCondition(condition.field, match=match)
            if condition.or_missing:
                field = qe.Filter(should=[field, qe.IsEmptyCondition(condition.field)])
            must.append(field)
        elif isinstance(condition, ExcludeIds):
            must_not.append(qe.HasIdCondition(set(condition.point_ids)))
        else:
            must.append(qe.FieldCondition(condition.field, range=qe.RangeFloat(gte=condition.gte, lt=condition.lt)))
    return qe.Filter(must=must or None, must_not=must_not or None)


class _PointIds(Sequence[str]):
    """The records' point ids as strings, formatted on first use: a scan that only needs the
    payloads (the caller's ids are there) does not pay for building a UUID per point."""

    def __init__(self, records: Sequence[Any]) -> None:
        self._records = records
        self._ids: list[str] | None = None

    def _all(self) -> list[str]:
        if self._ids is None:
            self._ids = [str(r.id) for r in self._records]
        return self._ids

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index):
        return self._all()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())


def _page(records: Sequence[Any], with_vectors: bool, dimension: int, scored: bool = False) -> Page:
    vectors = None
    if with_vectors:
        flat = chain.from_iterable(r.vector for r in records)
        vectors = np.fromiter(flat, dtype=np.float32, count=len(records) * dimension).reshape(-1, dimension)
    return Page(
        _PointIds(records),
        [r.payload or {} for r in records],
        vectors,
        [r.score for r in records] if scored else None,
    )


class EdgeCollection(Collection):
    def __init__(self, shard: qe.EdgeShard, name: str, dimension: int, search_ef: int | None = None) -> None:
        self._shard = shard
        self._search_params = _search_params(search_ef)
        self.name = name
        self.dimension = dimension
        self._writer = ThreadPoolExecutor(1, thread_name_prefix=f"edge-{name}")
        self._unflushed = 0
        self._flushed_at = time.monotonic()
        self.closed = False

    def _call(self, method: Any, *args: Any) -> Any:
        if self.closed:  # the engine would only say that its shard is not initialized
            raise BackendError(f"{self.name}: the store is closed; open it again with open_store")
        try:
            return method(*args)
        except Exception as error:  # the engine raises plain exceptions
            raise BackendError(f"{self.name}: {error}") from error

    def _update(self, operation: Any, points: int = 1) -> None:
        """Apply one operation (on the writer thread, or under the store's write lock)."""
        self._call(self._shard.update, operation)
        self._unflushed += points
        if self._unflushed >= _FLUSH_EVERY_POINTS or time.monotonic() - self._flushed_at >= _FLUSH_EVERY_S:
            self.flush()

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, payloads: Sequence[dict[str, Any]]) -> None:
        # The binding reads float32 rows as they are, which is cheaper than a list of floats.
        if len(ids) <= _PIPELINE_CHUNK:  # one chunk: nothing to overlap, skip the thread hand-off
            points = [qe.Point(i, row, p) for i, row, p in zip(ids, vectors, payloads, strict=True)]
            self._update(qe.UpdateOperation.upsert_points(points), len(points))
            return
        # The engine writes one chunk while the next one is converted; the binding keeps the GIL
        # for most of a write, so the overlap gains little (docs/store.md).
        pending: Future | None = None
        try:
            for start in range(0, len(ids), _PIPELINE_CHUNK):
                stop = start + _PIPELINE_CHUNK
                chunk = zip(ids[start:stop], vectors[start:stop], payloads[start:stop], strict=True)
                points = [qe.Point(i, row, p) for i, row, p in chunk]
                if pending is not None:
                    pending.result()
                operation = qe.UpdateOperation.upsert_points(points)
                pending = self._writer.submit(self._update, operation, len(points))
        finally:
            if pending is not None:
                pending.result()

    def retrieve(self, ids: Sequence[str], with_vectors: bool) -> Page:
        records = self._call(self._shard.retrieve, list(ids), True, with_vectors)
        return _page(records, with_vectors, self.dimension)

    def search(self, vector: np.ndarray, conditions: Conditions, limit: int) -> Page:
        request = qe.QueryRequest(
            query=qe.Query.Nearest(vector.tolist()),
            limit=limit,
            filter=to_filter(conditions),
            params=self._search_params,
            with_payload=True,
            with_vector=False,
        )
        return _page(self._call(self._shard.query, request), False, self.dimension, scored=True)

    def scroll(
        self, conditions: Conditions, page_size: int, with_vectors: bool, fields: Sequence[str] | None
    ) -> Iterator[Page]:
        offset = None
        flt = to_filter(conditions)
        payload: Any = True if fields is None else (list(fields) or False)
        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=page_size, filter=flt, with_payload=payload, with_vector=with_vectors
            )
            records, offset = self._call(self._shard.scroll, request)
            if records:
                yield _page(records, with_vectors, self.dimension)
            if offset is None:
                return

    def set_payload(self, ids: Sequence[str], values: dict[str, Any]) -> None:
        self._update(qe.UpdateOperation.set_payload(list(ids), values))

    def count(self, conditions: Conditions) -> int:
        return int(self._call(self._shard.count, qe.CountRequest(exact=True, filter=to_filter(conditions))))

    def facet(self, field: str, conditions: Conditions, limit: int) -> dict[Any, int]:
        request = qe.FacetRequest(field, limit=limit, exact=True, filter=to_filter(conditions))
        return {hit.value: hit.count for hit in self._call(self._shard.facet, request)}

    def delete(self, ids: Sequence[str]) -> None:
        self._update(qe.UpdateOperation.delete_points(list(ids)))

    def delete_where(self, conditions: Conditions) -> None:
        flt = to_filter(conditions)
        if flt is None:
            raise ValueError("delete_where needs at least one condition")
        self._update(qe.UpdateOperation.delete_points_by_filter(flt))

    def index_info(self) -> dict[str, Any]:
        info = self._call(self._shard.info)
        return {
            "points": info.points_count,
            "indexed_vectors": info.indexed_vectors_count,
            "segments": info.segments_count,
        }

    def optimize(self) -> bool:
        return bool(self._call(self._shard.optimize))

    def flush(self) -> None:
        self._call(self._shard.flush)
        self._unflushed = 0
        self._flushed_at = time.monotonic()

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self.flush()
        self._shard.close()
        self.closed = True


class EdgeBackend(Backend):
    """Holds the directory lock and the open shards."""

    kind = "embedded"

    def __init__(self, path: Path, *, quantization: str = "int8", search_ef: int | None = None,
                 create: bool = True) -> None:
        self.path = Path(path)
        self.quantization = quantization
        self.search_ef = search_ef
        if not create and not self.path.is_dir():
            raise StoreNotFoundError(f"no store at {self.path}")
        self._lock = DirectoryLock(self.path).acquire()
        self._collections: list[EdgeCollection] = []

    def open_collection(self, name: str, dimension: int, indexes: Sequence[IndexSpec],
                        create: bool = True) -> Collection:
        folder = self.path / name
        if not create and not (folder / "edge_config.json").is_file():
            raise StoreNotFoundError(f"no store at {self.path} (no {name} in it)")
        # Payloads are read into memory when the shard opens: a full scan (the nightly job) and
        # the service's reads then find them there instead of faulting them in page by page.
        config = qe.EdgeConfig(
            vectors=_vector_params(dimension, self.quantization), wal_enabled=True, payload_memory=qe.Memory.Cached
        )
        try:
            if (folder / "edge_config.json").is_file():
                shard = qe.EdgeShard.load(str(folder), config)
            else:
                shard = qe.EdgeShard.create(str(folder), config)
                for spec in indexes:
                    shard.update(qe.UpdateOperation.create_field_index(spec.field, _SCHEMA[spec.kind]))
        except Exception as error:
            text = str(error).lower()
            if "dim" in text or "incompatible" in text or "size" in text:
                raise DimensionMismatchError(
                    f"{folder} holds vectors of another dimension than {dimension}: {error}"
                ) from error
            raise BackendError(f"cannot open {folder}: {error}") from error
        collection = EdgeCollection(shard, name, dimension, self.search_ef)
        self._collections.append(collection)
        return collection

    def close(self) -> None:
        for collection in self._collections:
            collection.close()
        self._collections.clear()
        self._lock.release()


def _vector_params(dimension: int, quantization: str) -> Any:
    """int8: the index and the search walk int8 copies pinned in RAM, and the float32 originals
    stay on disk (read to rescore the best candidates); none: float32 vectors cached in RAM.
    An existing shard takes the placement it is opened with; its index follows at the next build."""
    if quantization == "none":
        return qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)
    return qe.EdgeVectorParams(
        size=dimension,
        distance=qe.Distance.Cosine,
        memory=qe.Memory.Cold,
        quantization_config=qe.ScalarQuantizationConfig(
            qe.ScalarType.Int8, quantile=INT8_QUANTILE, memory=qe.Memory.Pinned
        ),
    )
