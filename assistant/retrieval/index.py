"""The vector-index seam: what the knowledge base needs from Qdrant, in our own types.

Two implementations speak it: ``EdgeIndex`` (qdrant-edge, the embedded default: Qdrant's engine
in-process) and ``QdrantServerIndex`` (qdrant-client against a server or cluster, or its
in-process stand-in). Both store, per chunk, one dense vector (cosine), one BM25 sparse vector
per lexical channel (jieba words, character bigrams; IDF applied by Qdrant) and the chunk payload. Fusion happens above this seam, in
``assistant.retrieval.search``, so both backends rank identically and every channel's score is
visible to the retrieval inspector.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

import numpy as np

from assistant.access import PUBLIC_LEVEL, RESTRICTED_LEVEL, Access
from assistant.documents import SearchFilters
from assistant.retrieval.lexical import SparseVector

DENSE = "dense"
SPARSE_VECTORS = {"words": "bm25", "bigrams": "bm25_bigrams"}  # lexical channel -> vector name
# Dates are also stored as yyyymmdd integers so range filters work the same on every backend.
NO_EXPIRY = 99991231
INDEXED_KEYWORDS = ("doc_id", "kind", "region", "category", "content_hash", "sensitivity", "owner_department")
INDEXED_INTEGERS = ("expiry_day", "effective_day")


@dataclass
class IndexPoint:
    point_id: str
    dense: np.ndarray
    sparse: dict[str, SparseVector]  # lexical channel -> BM25 vector
    payload: dict[str, Any]


@dataclass
class IndexMatch:
    point_id: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class IndexQuery:
    """One query of a batch (``VectorIndex.search_batch``): the dense vector (channel ``DENSE``) or
    a lexical channel's BM25 vector (``words``, ``bigrams``); ``with_payload=False``: ids and
    scores only (the matches' payloads are then empty; ``VectorIndex.payloads`` has them)."""

    channel: str
    vector: np.ndarray | SparseVector
    limit: int
    filters: FilterSpec
    with_payload: bool = True


def day_number(value: date | str | None, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.year * 10000 + value.month * 100 + value.day


@dataclass(frozen=True)
class Readable:
    """One way a point may be readable: its ``sensitivity`` is one of ``levels`` and, when
    ``owners`` is set, its ``owner_department`` is one of them. ``legacy`` also admits points
    without a ``sensitivity`` field (indexed before levels existed, when every document was public)."""

    levels: tuple[str, ...]
    owners: tuple[str, ...] = ()
    legacy: bool = False


@dataclass(frozen=True)
class FilterSpec:
    """Backend-neutral filter: each backend translates it to its own Filter type. A point must
    match every condition and at least one of ``readable`` (the caller's access; public by default)."""

    any_of: dict[str, list[str]]
    expiry_day_min: int | None  # keep points whose expiry_day >= this
    effective_day_max: int | None  # keep points whose effective_day <= this
    point_ids: tuple[str, ...] = ()  # if set, only these points
    readable: tuple[Readable, ...] = (Readable((PUBLIC_LEVEL,), legacy=True),)
    unflagged: bool = True  # only passages no safety flag was set on at ingest (answering.safety)

    def restricted_to(self, point_ids: list[str]) -> FilterSpec:
        return replace(self, point_ids=tuple(point_ids))

    @staticmethod
    def readable_by(access: Access) -> tuple[Readable, ...]:
        clauses = [Readable(access.levels, legacy=PUBLIC_LEVEL in access.levels)]
        if access.departments and RESTRICTED_LEVEL not in access.levels:
            clauses.append(Readable((RESTRICTED_LEVEL,), access.departments))
        return tuple(clauses)

    @classmethod
    def from_filters(
        cls, filters: SearchFilters | None, access: Access | None = None, today: date | None = None
    ) -> FilterSpec:
        filters = filters or SearchFilters()
        readable = cls.readable_by(access or Access.public())
        any_of = {
            key: values
            for key, values in (
                ("kind", filters.kinds),
                ("region", filters.regions),
                ("category", filters.categories),
            )
            if values
        }
        unflagged = not filters.include_flagged
        if filters.include_expired:
            return cls(any_of, None, None, readable=readable, unflagged=unflagged)
        on = filters.valid_on or today or date.today()
        # Not-yet-effective documents are hidden only when a date is asked for explicitly.
        effective_max = day_number(on, 0) if filters.valid_on else None
        return cls(any_of, day_number(on, 0), effective_max, readable=readable, unflagged=unflagged)


class VectorIndex(Protocol):
    def ensure_collection(self, dense_dimension: int) -> None:
        """Create the collection (dense + sparse vectors, payload indexes) if it is missing."""
        ...

    def upsert(self, points: Sequence[IndexPoint]) -> None: ...

    def delete(self, point_ids: Sequence[str]) -> None: ...

    def search_dense(self, vector: np.ndarray, limit: int, filters: FilterSpec) -> list[IndexMatch]: ...

    def search_sparse(
        self, channel: str, vector: SparseVector, limit: int, filters: FilterSpec
    ) -> list[IndexMatch]: ...

    def search_batch(self, queries: Sequence[IndexQuery]) -> list[list[IndexMatch]]:
        """Several queries at once, each one's matches as ``search_dense``/``search_sparse`` give
        them (one round trip where the index is in another process or on a server)."""
        ...

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The payloads of these points (those that exist), by id."""
        ...

    def scroll(self, batch_size: int = 512) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every point id with its payload."""
        ...

    def count(self) -> int: ...

    def optimize(self) -> None:
        """Build search structures after a large ingest (a no-op where the server does it)."""
        ...

    def drop_collection(self) -> None:
        """Remove the collection and every point in it (re-indexing with another embedder)."""
        ...

    def close(self) -> None: ...


def with_filter_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """Add the integer date fields that ``FilterSpec`` ranges run on. A chunk without a level (one
    indexed before levels existed, re-stored by a migration or a reindex) is stored without the
    field, which ``Readable.legacy`` reads as public, as it was."""
    unlevelled = not payload.get("sensitivity")
    return {
        **{key: value for key, value in payload.items() if not (key == "sensitivity" and unlevelled)},
        "expiry_day": day_number(payload.get("expiry_date"), NO_EXPIRY),
        "effective_day": day_number(payload.get("effective_date"), 0),
    }
