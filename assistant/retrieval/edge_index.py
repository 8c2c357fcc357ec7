"""``EdgeIndex``: the embedded default, Qdrant's own engine in-process (qdrant-edge).

Chosen by measurement over qdrant-client's local mode (../shared/MODELS.md and
``govassist bench retrieval``): the same data upserts ~25x faster and queries in milliseconds
instead of a Python brute-force scan. The shard lives in one directory under ``data_dir`` and
one process at a time opens it: an exclusive lock (``<dir>.lock``, released on close or when the
process ends) makes a second opener, e.g. ``govassist ingest`` beside a running service, fail with
a clear message instead of writing under the service's feet. Several service processes share
one opener (``shared_index``).
"""

from __future__ import annotations

import fcntl
import logging
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import qdrant_edge as qe

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


def _edge_filter(spec: FilterSpec) -> qe.Filter:
    must: list[Any] = [
        qe.FieldCondition(key=key, match=qe.MatchAny(any=values)) for key, values in spec.any_of.items()
    ]
    if spec.expiry_day_min is not None:
        must.append(qe.FieldCondition(key="expiry_day", range=qe.RangeFloat(gte=spec.expiry_day_min)))
    if spec.effective_day_max is not None:
        must.append(qe.FieldCondition(key="effective_day", range=qe.RangeFloat(lte=spec.effective_day_max)))
    if spec.point_ids:
        must.append(qe.HasIdCondition(point_ids=set(spec.point_ids)))
    if spec.unflagged:
        must.append(qe.IsEmptyCondition(key="flags"))
    must.append(_edge_readable(spec.readable))
    return qe.Filter(must=must)


def _edge_readable(readable: tuple[Readable, ...]) -> qe.Filter:
    """The caller's access as one condition: readable by at least one clause."""
    should: list[Any] = []
    for clause in readable:
        conditions: list[Any] = [
            qe.FieldCondition(key="sensitivity", match=qe.MatchAny(any=list(clause.levels)))
        ]
        if clause.owners:
            conditions.append(
                qe.FieldCondition(key="owner_department", match=qe.MatchAny(any=list(clause.owners)))
            )
        should.append(qe.Filter(must=conditions))
        if clause.legacy:
            should.append(qe.IsEmptyCondition(key="sensitivity"))
    return qe.Filter(should=should)


class EdgeIndex:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._shard: qe.EdgeShard | None = None
        self._lock: IO[str] | None = None

    def _take_lock(self) -> None:
        if self._lock is not None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        lock = (self._path.parent / f"{self._path.name}.lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise BackendUnavailable(
                f"知识库索引（{self._path}）正由另一个进程使用，例如正在运行的 govassist serve："
                "请通过服务导入（控制台“文档管理”或 POST /v1/admin/documents），或先停止服务再操作"
            ) from None
        self._lock = lock

    def _open(self) -> qe.EdgeShard | None:
        if self._shard is None and (self._path / "segments").is_dir():
            self._take_lock()
            try:
                self._shard = qe.EdgeShard.load(str(self._path))
            except Exception as exc:  # the Rust binding raises plain Exception subclasses
                raise BackendUnavailable(f"Cannot open the embedded index at {self._path}: {exc}") from exc
        return self._shard

    def ensure_collection(self, dense_dimension: int) -> None:
        if self._open() is not None:
            return
        self._take_lock()
        self._path.mkdir(parents=True, exist_ok=True)
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dense_dimension, distance=qe.Distance.Cosine)},
            sparse_vectors={
                name: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf) for name in SPARSE_VECTORS.values()
            },
        )
        self._shard = qe.EdgeShard.create(str(self._path), config)
        for key in INDEXED_KEYWORDS:
            self._shard.update(qe.UpdateOperation.create_field_index(key, qe.PayloadSchemaType.Keyword))
        for key in INDEXED_INTEGERS:
            self._shard.update(qe.UpdateOperation.create_field_index(key, qe.PayloadSchemaType.Integer))

    def _require(self) -> qe.EdgeShard:
        shard = self._open()
        if shard is None:
            raise BackendUnavailable(
                f"The knowledge base at {self._path} is empty: run `govassist ingest` first."
            )
        return shard

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        shard = self._require()
        for start in range(0, len(points), _UPSERT_BATCH):
            batch = [
                qe.Point(
                    id=point.point_id,
                    vector={
                        DENSE: point.dense.astype(np.float32).tolist(),
                        **{
                            SPARSE_VECTORS[channel]: qe.SparseVector(
                                indices=vector.indices, values=vector.values
                            )
                            for channel, vector in point.sparse.items()
                        },
                    },
                    payload=with_filter_fields(point.payload),
                )
                for point in points[start : start + _UPSERT_BATCH]
            ]
            shard.update(qe.UpdateOperation.upsert_points(batch))
        shard.flush()

    def delete(self, point_ids: Sequence[str]) -> None:
        if not point_ids:
            return
        shard = self._require()
        shard.update(qe.UpdateOperation.delete_points(list(point_ids)))
        shard.flush()

    def _query(self, query: IndexQuery, edge_filter: qe.Filter | None = None) -> list[IndexMatch]:
        shard = self._open()
        if isinstance(query.vector, np.ndarray):
            nearest = qe.Query.Nearest(query.vector.astype(np.float32).tolist(), using=DENSE)
        elif query.vector.indices:
            sparse = qe.SparseVector(indices=query.vector.indices, values=query.vector.values)
            nearest = qe.Query.Nearest(sparse, using=SPARSE_VECTORS[query.channel])
        else:
            return []  # an empty BM25 vector matches nothing
        if shard is None:
            return []
        request = qe.QueryRequest(
            limit=query.limit,
            query=nearest,
            filter=_edge_filter(query.filters) if edge_filter is None else edge_filter,
            with_payload=query.with_payload,
        )
        return [
            IndexMatch(str(hit.id), float(hit.score), dict(hit.payload or {})) for hit in shard.query(request)
        ]

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        shard = self._open()
        if shard is None or not point_ids:
            return {}
        records = shard.retrieve(list(point_ids), True, False)
        return {str(record.id): dict(record.payload or {}) for record in records}

    def search_dense(self, vector: np.ndarray, limit: int, filters: FilterSpec) -> list[IndexMatch]:
        return self._query(IndexQuery(DENSE, vector, limit, filters))

    def search_sparse(
        self, channel: str, vector: SparseVector, limit: int, filters: FilterSpec
    ) -> list[IndexMatch]:
        return self._query(IndexQuery(channel, vector, limit, filters))

    def search_batch(self, queries: Sequence[IndexQuery]) -> list[list[IndexMatch]]:
        """Each query in turn; the queries of one search share their filter, built once (building
        the engine's filter objects costs about as much as a query on a small collection)."""
        built: dict[int, qe.Filter] = {}
        for query in queries:
            if id(query.filters) not in built:
                built[id(query.filters)] = _edge_filter(query.filters)
        return [self._query(query, built[id(query.filters)]) for query in queries]

    def scroll(self, batch_size: int = 512) -> Iterator[tuple[str, dict[str, Any]]]:
        shard = self._open()
        if shard is None:
            return
        offset = None
        while True:
            records, offset = shard.scroll(
                qe.ScrollRequest(offset=offset, limit=batch_size, with_payload=True)
            )
            for record in records:
                yield str(record.id), dict(record.payload or {})
            if offset is None:
                return

    def count(self) -> int:
        shard = self._open()
        return 0 if shard is None else int(shard.count(qe.CountRequest(exact=True)))

    def optimize(self) -> None:
        shard = self._open()
        if shard is not None:
            shard.optimize()

    def drop_collection(self) -> None:
        self.close()
        shutil.rmtree(self._path, ignore_errors=True)

    def close(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None
