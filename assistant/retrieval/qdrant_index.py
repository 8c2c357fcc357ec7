"""``QdrantServerIndex``: the same index on a Qdrant server or cluster, through qdrant-client.

Used when ``GOVASSIST_QDRANT__URL`` is set. ``location=":memory:"`` or ``path=...`` gives
qdrant-client's in-process mode, which speaks the same API and stands in for a server in the
contract tests (no Qdrant server binary is available from our package registries).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from assistant.errors import BackendUnavailable
from assistant.retrieval.index import (
    DENSE,
    INDEXED_INTEGERS,
    INDEXED_KEYWORDS,
    SPARSE_VECTORS,
    FilterSpec,
    IndexMatch,
    IndexPoint,
    IndexQuery,
    Readable,
    with_filter_fields,
)
from assistant.retrieval.lexical import SparseVector

logger = logging.getLogger(__name__)
_UPSERT_BATCH = 256
_CLIENT_ERRORS = (UnexpectedResponse, ResponseHandlingException, ConnectionError, TimeoutError)


def _client_filter(spec: FilterSpec) -> models.Filter:
    must: list[Any] = [
        models.FieldCondition(key=key, match=models.MatchAny(any=values))
        for key, values in spec.any_of.items()
    ]
    if spec.expiry_day_min is not None:
        must.append(models.FieldCondition(key="expiry_day", range=models.Range(gte=spec.expiry_day_min)))
    if spec.effective_day_max is not None:
        must.append(
            models.FieldCondition(key="effective_day", range=models.Range(lte=spec.effective_day_max))
        )
    if spec.point_ids:
        must.append(models.HasIdCondition(has_id=list(spec.point_ids)))
    if spec.unflagged:
        must.append(models.IsEmptyCondition(is_empty=models.PayloadField(key="flags")))
    must.append(_client_readable(spec.readable))
    return models.Filter(must=must)


def _client_readable(readable: tuple[Readable, ...]) -> models.Filter:
    """The caller's access as one condition: readable by at least one clause."""
    should: list[Any] = []
    for clause in readable:
        conditions: list[Any] = [
            models.FieldCondition(key="sensitivity", match=models.MatchAny(any=list(clause.levels)))
        ]
        if clause.owners:
            conditions.append(
                models.FieldCondition(key="owner_department", match=models.MatchAny(any=list(clause.owners)))
            )
        should.append(models.Filter(must=conditions))
        if clause.legacy:
            should.append(models.IsEmptyCondition(is_empty=models.PayloadField(key="sensitivity")))
    return models.Filter(should=should)


def _client_query(query: IndexQuery) -> models.QueryRequest | None:
    """The REST query of one batch entry; None for an empty sparse vector (nothing can match)."""
    if isinstance(query.vector, np.ndarray):
        vector: Any = query.vector.astype(np.float32).tolist()
        using = DENSE
    elif query.vector.indices:
        vector = models.SparseVector(indices=query.vector.indices, values=query.vector.values)
        using = SPARSE_VECTORS[query.channel]
    else:
        return None
    return models.QueryRequest(
        query=vector,
        using=using,
        limit=query.limit,
        filter=_client_filter(query.filters),
        with_payload=query.with_payload,
    )


def _matches(response: models.QueryResponse) -> list[IndexMatch]:
    return [IndexMatch(str(hit.id), float(hit.score), dict(hit.payload or {})) for hit in response.points]


class QdrantServerIndex:
    def __init__(self, client: QdrantClient, collection: str) -> None:
        self._client = client
        self._collection = collection

    @classmethod
    def connect(
        cls, url: str, collection: str, api_key: str | None = None, timeout_s: float = 10.0
    ) -> QdrantServerIndex:
        if url == ":memory:":
            return cls(QdrantClient(location=":memory:"), collection)
        return cls(QdrantClient(url=url, api_key=api_key, timeout=int(timeout_s)), collection)

    def _call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except _CLIENT_ERRORS as exc:
            raise BackendUnavailable(
                f"Qdrant at GOVASSIST_QDRANT__URL could not {what}: {exc}. Check the URL and that the server is up."
            ) from exc

    def _exists(self) -> bool:
        return bool(self._call("be reached", self._client.collection_exists, self._collection))

    def ensure_collection(self, dense_dimension: int) -> None:
        if self._exists():
            return
        self._call(
            "create the collection",
            self._client.create_collection,
            self._collection,
            vectors_config={
                DENSE: models.VectorParams(size=dense_dimension, distance=models.Distance.COSINE)
            },
            sparse_vectors_config={
                name: models.SparseVectorParams(modifier=models.Modifier.IDF)
                for name in SPARSE_VECTORS.values()
            },
        )
        for key in INDEXED_KEYWORDS:
            self._client.create_payload_index(self._collection, key, models.PayloadSchemaType.KEYWORD)
        for key in INDEXED_INTEGERS:
            self._client.create_payload_index(self._collection, key, models.PayloadSchemaType.INTEGER)

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        for start in range(0, len(points), _UPSERT_BATCH):
            batch = [
                models.PointStruct(
                    id=point.point_id,
                    vector={
                        DENSE: point.dense.astype(np.float32).tolist(),
                        **{
                            SPARSE_VECTORS[channel]: models.SparseVector(
                                indices=vector.indices, values=vector.values
                            )
                            for channel, vector in point.sparse.items()
                        },
                    },
                    payload=with_filter_fields(point.payload),
                )
                for point in points[start : start + _UPSERT_BATCH]
            ]
            self._call("store points", self._client.upsert, self._collection, points=batch, wait=True)

    def delete(self, point_ids: Sequence[str]) -> None:
        if point_ids:
            selector = models.PointIdsList(points=list(point_ids))
            self._call(
                "delete points", self._client.delete, self._collection, points_selector=selector, wait=True
            )

    def search_batch(self, queries: Sequence[IndexQuery]) -> list[list[IndexMatch]]:
        """One request for every query (``query_batch_points``)."""
        asked = [(number, _client_query(query)) for number, query in enumerate(queries)]
        asked = [(number, request) for number, request in asked if request is not None]
        found: list[list[IndexMatch]] = [[] for _ in queries]
        if not asked or not self._exists():
            return found
        responses = self._call(
            "search",
            self._client.query_batch_points,
            self._collection,
            requests=[request for _, request in asked],
        )
        for (number, _), response in zip(asked, responses, strict=True):
            found[number] = _matches(response)
        return found

    def _query(self, query: Any, using: str, limit: int, filters: FilterSpec) -> list[IndexMatch]:
        if not self._exists():
            return []
        response = self._call(
            "search",
            self._client.query_points,
            self._collection,
            query=query,
            using=using,
            limit=limit,
            query_filter=_client_filter(filters),
            with_payload=True,
        )
        return _matches(response)

    def search_dense(self, vector: np.ndarray, limit: int, filters: FilterSpec) -> list[IndexMatch]:
        return self._query(vector.astype(np.float32).tolist(), DENSE, limit, filters)

    def search_sparse(
        self, channel: str, vector: SparseVector, limit: int, filters: FilterSpec
    ) -> list[IndexMatch]:
        if not vector.indices:
            return []
        query = models.SparseVector(indices=vector.indices, values=vector.values)
        return self._query(query, SPARSE_VECTORS[channel], limit, filters)

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not point_ids or not self._exists():
            return {}
        records = self._call(
            "read points", self._client.retrieve, self._collection, ids=list(point_ids), with_payload=True
        )
        return {str(record.id): dict(record.payload or {}) for record in records}

    def scroll(self, batch_size: int = 512) -> Iterator[tuple[str, dict[str, Any]]]:
        if not self._exists():
            return
        offset = None
        while True:
            records, offset = self._call(
                "list points",
                self._client.scroll,
                self._collection,
                limit=batch_size,
                offset=offset,
                with_payload=True,
            )
            for record in records:
                yield str(record.id), dict(record.payload or {})
            if offset is None:
                return

    def count(self) -> int:
        if not self._exists():
            return 0
        return int(self._call("count points", self._client.count, self._collection, exact=True).count)

    def optimize(self) -> None:
        """A server optimises in the background."""

    def drop_collection(self) -> None:
        if self._exists():
            self._call("drop the collection", self._client.delete_collection, self._collection)

    def close(self) -> None:
        self._client.close()
