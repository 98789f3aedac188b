"""The server backend: `qdrant-client` against a Qdrant server or cluster.

Collections are named `<prefix>_<name>`. Shards, replication factor and write
consistency are passed at creation; writes wait for the acknowledgement. The same
class runs against qdrant-client's in-process `:memory:` mode, which the contract tests use.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models

from store.backend import INT8_QUANTILE, RESCORE_OVERSAMPLING, Backend, Collection, IndexSpec, Page
from store.conditions import Conditions, ExcludeIds, Match
from store.errors import BackendError, DimensionMismatchError, StoreNotFoundError

# An upsert request holds at most this many points and about this many bytes of JSON, well below
# the server's default limit of 32 MiB a request (long texts fill it long before 1024 points do).
_REQUEST_POINTS = 1024
_REQUEST_BYTES = 16 * 1024 * 1024
_REQUEST_IDS = 20_000  # ids per delete / set-payload / retrieve request: 800k UUIDs would pass the server's 32 MiB
_FLOAT_BYTES = 24  # the longest JSON float with its comma: "-1.2345678901234567e-05,"
_SCHEMA = {"keyword": models.PayloadSchemaType.KEYWORD, "float": models.PayloadSchemaType.FLOAT}


def to_filter(conditions: Conditions) -> models.Filter | None:
    if not conditions:
        return None
    must: list[Any] = []
    must_not: list[Any] = []
    for condition in conditions:
        if isinstance(condition, Match):
            values = list(condition.values)
            match: Any = models.MatchValue(value=values[0]) if len(values) == 1 else models.MatchAny(any=values)
            field: Any = models.FieldCondition(key=condition.field, match=match)
            if condition.or_missing:
                empty = models.IsEmptyCondition(is_empty=models.PayloadField(key=condition.field))
                field = models.Filter(should=[field, empty])
            must.append(field)
        elif isinstance(condition, ExcludeIds):
            must_not.append(models.HasIdCondition(has_id=list(condition.point_ids)))
        else:
            must.append(
                models.FieldCondition(key=condition.field, range=models.Range(gte=condition.gte, lt=condition.lt))
            )
    return models.Filter(must=must or None, must_not=must_not or None)


def _id_slices(ids: Sequence[str]) -> list[list[str]]:
    """The ids in requests of at most ``_REQUEST_IDS`` (none for no ids)."""
    ids = list(ids)
    return [ids[start:start + _REQUEST_IDS] for start in range(0, len(ids), _REQUEST_IDS)]


def request_slices(payloads: Sequence[dict[str, Any]], dimension: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each upsert request, cut at _REQUEST_POINTS points or _REQUEST_BYTES bytes.

    A payload's size is taken as its ASCII-escaped JSON, never less than the UTF-8 JSON sent."""
    start = size = 0
    for index, payload in enumerate(payloads):
        point = _FLOAT_BYTES * dimension + 64 + len(json.dumps(payload))
        if index > start and (index - start >= _REQUEST_POINTS or size + point > _REQUEST_BYTES):
            yield start, index
            start, size = index, 0
        size += point
    if start < len(payloads):
        yield start, len(payloads)


def _page(records: Sequence[Any], with_vectors: bool, dimension: int, scored: bool = False) -> Page:
    vectors = None
    if with_vectors:
        flat = chain.from_iterable(r.vector for r in records)
        vectors = np.fromiter(flat, dtype=np.float32, count=len(records) * dimension).reshape(-1, dimension)
    return Page(
        [str(r.id) for r in records],
        [r.payload or {} for r in records],
        vectors,
        [r.score for r in records] if scored else None,
    )


class ServerCollection(Collection):
    def __init__(self, client: QdrantClient, name: str, dimension: int, ordering: Any = None,
                 search_ef: int | None = None) -> None:
        self._search_params = _search_params(search_ef)
        self._client = client
        self.name = name
        self.dimension = dimension
        self._ordering = ordering
        self.closed = False

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        if self.closed:  # the client's own message depends on its mode
            raise BackendError(f"{self.name}: the store is closed; open it again with open_store")
        try:
            return method(*args, **kwargs)
        except Exception as error:
            raise BackendError(f"{self.name}: {error}") from error

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, payloads: Sequence[dict[str, Any]]) -> None:
        for start, stop in request_slices(payloads, self.dimension):
            batch = models.Batch(
                ids=list(ids[start:stop]), vectors=vectors[start:stop].tolist(), payloads=list(payloads[start:stop])
            )
            self._call(self._client.upsert, self.name, points=batch, wait=True, ordering=self._ordering)

    def retrieve(self, ids: Sequence[str], with_vectors: bool) -> Page:
        records = [record for part in _id_slices(ids) for record in self._call(
            self._client.retrieve, self.name, ids=part, with_payload=True, with_vectors=with_vectors)]
        return _page(records, with_vectors, self.dimension)

    def search(self, vector: np.ndarray, conditions: Conditions, limit: int) -> Page:
        with warnings.catch_warnings():  # in-process mode searches exactly and says so
            warnings.filterwarnings("ignore", "Local mode performs exact", UserWarning)
            response = self._call(
                self._client.query_points,
                self.name,
                query=vector.tolist(),
                query_filter=to_filter(conditions),
                limit=limit,
                search_params=self._search_params,
                with_payload=True,
                with_vectors=False,
            )
        return _page(response.points, False, self.dimension, scored=True)

    def scroll(
        self, conditions: Conditions, page_size: int, with_vectors: bool, fields: Sequence[str] | None
    ) -> Iterator[Page]:
        offset = None
        flt = to_filter(conditions)
        payload: Any = True if fields is None else (list(fields) or False)
        while True:
            records, offset = self._call(
                self._client.scroll,
                self.name,
                scroll_filter=flt,
                limit=page_size,
                offset=offset,
                with_payload=payload,
                with_vectors=with_vectors,
            )
            if records:
                yield _page(records, with_vectors, self.dimension)
            if offset is None:
                return

    def set_payload(self, ids: Sequence[str], values: dict[str, Any]) -> None:
        for part in _id_slices(ids):
            self._call(
                self._client.set_payload, self.name, payload=values, points=part, wait=True, ordering=self._ordering
            )

    def count(self, conditions: Conditions) -> int:
        return int(self._call(self._client.count, self.name, count_filter=to_filter(conditions), exact=True).count)

    def facet(self, field: str, conditions: Conditions, limit: int) -> dict[Any, int]:
        response = self._call(
            self._client.facet, self.name, key=field, facet_filter=to_filter(conditions), limit=limit, exact=True
        )
        return {hit.value: hit.count for hit in response.hits}

    def delete(self, ids: Sequence[str]) -> None:
        for part in _id_slices(ids):
            self._call(
                self._client.delete,
                self.name,
                points_selector=models.PointIdsList(points=part),
                wait=True,
                ordering=self._ordering,
            )

    def delete_where(self, conditions: Conditions) -> None:
        flt = to_filter(conditions)
        if flt is None:
            raise ValueError("delete_where needs at least one condition")
        self._call(
            self._client.delete,
            self.name,
            points_selector=models.FilterSelector(filter=flt),
            wait=True,
            ordering=self._ordering,
        )

    def index_info(self) -> dict[str, Any]:
        info = self._call(self._client.get_collection, self.name)
        return {
            "points": info.points_count,
            "indexed_vectors": info.indexed_vectors_count,
            "segments": info.segments_count,
        }


class ServerBackend(Backend):
    """One client shared by the store's collections; settings apply when a collection is created."""

    kind = "server"

    def __init__(
        self,
        client: QdrantClient,
        *,
        shards: int = 1,
        replication_factor: int = 1,
        write_consistency: int = 1,
        ordering: str | None = None,
        quantization: str = "int8",
        search_ef: int | None = None,
    ) -> None:
        self._client = client
        self.quantization = quantization
        self.search_ef = search_ef
        self.shards = shards
        self.replication_factor = replication_factor
        self.write_consistency = write_consistency
        self._ordering = models.WriteOrdering(ordering) if ordering else None
        self._collections: list[ServerCollection] = []

    def open_collection(self, name: str, dimension: int, indexes: Sequence[IndexSpec],
                        create: bool = True) -> Collection:
        try:
            exists = self._client.collection_exists(name)
            if not exists and not create:
                raise StoreNotFoundError(f"no store on the Qdrant server: it has no collection {name}")
            if exists:
                params = self._client.get_collection(name).config.params.vectors
                size = params.size if isinstance(params, models.VectorParams) else None
                if size != dimension:
                    raise DimensionMismatchError(
                        f"collection {name} holds vectors of dimension {size}, not {dimension}"
                    )
            else:
                self._client.create_collection(
                    name,
                    vectors_config=models.VectorParams(
                        size=dimension, distance=models.Distance.COSINE, on_disk=self.quantization == "int8"
                    ),
                    quantization_config=_quantization_config(self.quantization),
                    shard_number=self.shards,
                    replication_factor=self.replication_factor,
                    write_consistency_factor=self.write_consistency,
                )
                with warnings.catch_warnings():  # in-process mode says its indexes do nothing
                    warnings.filterwarnings("ignore", "Payload indexes have no effect", UserWarning)
                    for spec in indexes:
                        self._client.create_payload_index(name, spec.field, _SCHEMA[spec.kind], wait=True)
        except (DimensionMismatchError, StoreNotFoundError):
            raise
        except Exception as error:
            raise BackendError(f"cannot open collection {name}: {error}") from error
        collection = ServerCollection(self._client, name, dimension, self._ordering, self.search_ef)
        self._collections.append(collection)
        return collection

    def close(self) -> None:
        for collection in self._collections:
            collection.closed = True
        self._client.close()


def _search_params(search_ef: int | None) -> Any:
    return models.SearchParams(
        hnsw_ef=search_ef,
        quantization=models.QuantizationSearchParams(rescore=True, oversampling=RESCORE_OVERSAMPLING),
    )


def _quantization_config(quantization: str) -> Any:
    """int8 copies in RAM for the index, float32 originals on disk (as the embedded backend)."""
    if quantization == "none":
        return None
    return models.ScalarQuantization(
        scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, quantile=INT8_QUANTILE, always_ram=True)
    )
