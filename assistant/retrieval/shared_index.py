"""One embedded index shared by several worker processes: an index process and its clients.

The embedded engine (``EdgeIndex``) is one directory that one process at a time may open. With
``govassist serve --workers N`` (and no Qdrant server configured) the serving process starts one
*index process* that opens it and answers the ``VectorIndex`` calls of every worker over a Unix
socket in the data dir (its owner only), each connection authenticated with a random key the
workers inherit (``qdrant.shared_index`` / ``qdrant.shared_index_key``). ``SharedIndex`` is the
workers' side: the same seam, so the searcher and the knowledge base do not know the difference,
and ingest, delete and reindex from any worker reach the one index.

What it does not do: it is for one machine. Several machines use a Qdrant server or cluster
(``qdrant.url``), which needs no index process.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from multiprocessing import AuthenticationError
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import BackendUnavailable
from assistant.retrieval.index import FilterSpec, IndexMatch, IndexPoint, IndexQuery, VectorIndex
from assistant.retrieval.lexical import SparseVector

logger = logging.getLogger(__name__)


PAYLOADS_PER_CONNECTION = 1024  # payloads a worker's connection keeps (a chunk's is about 1-2 KB)
_WRITES = ("ensure_collection", "upsert", "delete", "drop_collection")
Sent = list[list[tuple[str, float, dict[str, Any] | None]]]  # per query: id, score, payload unless held


class PayloadMirror:
    """The payloads one connection's worker holds: the same bounded LRU on both ends of the socket.

    Payloads are most of a search's bytes, and the same chunks come back search after search. The
    index process sends a payload only when the worker does not hold it; both ends touch the same
    ids in the same order, so they evict the same ones and always agree on what is held. Point ids
    name a chunk's version (``documents.chunk_point_id``), so a held payload stays true; the index
    process's write count (``revision``) still empties both mirrors after any write, so that
    nothing relies on it.
    """

    def __init__(self, capacity: int = PAYLOADS_PER_CONNECTION) -> None:
        self.revision = -1
        self._capacity = capacity
        self._held: OrderedDict[str, dict[str, Any] | None] = OrderedDict()

    def start(self, revision: int) -> None:
        if revision != self.revision:
            self._held.clear()
            self.revision = revision

    def holds(self, point_id: str) -> bool:
        return point_id in self._held

    def get(self, point_id: str) -> dict[str, Any] | None:
        return self._held[point_id]

    def touch(self, point_id: str, payload: dict[str, Any] | None) -> None:
        self._held[point_id] = payload
        self._held.move_to_end(point_id)
        while len(self._held) > self._capacity:
            self._held.popitem(last=False)


class IndexHost:
    """The index process's side: one index, its calls made whole (a generator cannot cross
    processes), searches answered with only the payloads the asking connection lacks."""

    def __init__(self, index: VectorIndex, payloads_per_connection: int = PAYLOADS_PER_CONNECTION) -> None:
        self._index = index
        self._capacity = payloads_per_connection
        self._writes = 0
        self._connection = threading.local()  # the index process serves each connection in a thread

    def call(self, method: str, *args: Any) -> Any:
        if method == "scroll":
            return list(self._index.scroll(*args))
        if method == "search_batch":
            return self._search_batch(*args)
        if method not in _CALLS:
            raise ValueError(f"not an index call: {method}")
        if method in _WRITES:
            self._writes += 1
        return getattr(self._index, method)(*args)

    def _search_batch(self, queries: Sequence[IndexQuery]) -> tuple[int, Sent]:
        mirror: PayloadMirror = getattr(self._connection, "mirror", None) or PayloadMirror(self._capacity)
        self._connection.mirror = mirror
        revision = self._writes
        mirror.start(revision)
        # Ids and scores first (turning payloads into Python objects is most of a query's cost),
        # then the payloads of the matches this connection will not hold when they arrive.
        found = self._index.search_batch([replace(query, with_payload=False) for query in queries])
        lacking: list[tuple[int, int, str]] = []  # query number, match number, point id
        for query_number, matches in enumerate(found):
            for match_number, match in enumerate(matches):
                if not mirror.holds(match.point_id):
                    lacking.append((query_number, match_number, match.point_id))
                mirror.touch(match.point_id, None)
        payloads = self._index.payloads(sorted({point_id for *_, point_id in lacking})) if lacking else {}
        sent: Sent = [[(match.point_id, match.score, None) for match in matches] for matches in found]
        for query_number, match_number, point_id in lacking:
            score = sent[query_number][match_number][1]
            sent[query_number][match_number] = (point_id, score, payloads.get(point_id, {}))
        return revision, sent


def received_batch(mirror: PayloadMirror, revision: int, sent: Sent) -> list[list[IndexMatch]]:
    """The worker's side of ``IndexHost._search_batch``: each payload sent, or the one held."""
    mirror.start(revision)
    results: list[list[IndexMatch]] = []
    for matches in sent:
        results.append([])
        for point_id, score, payload in matches:
            payload = mirror.get(point_id) if payload is None else payload
            mirror.touch(point_id, payload)
            results[-1].append(IndexMatch(point_id, score, payload or {}))
    return results


_CALLS = (
    "ensure_collection",
    "upsert",
    "delete",
    "search_dense",
    "search_sparse",
    "payloads",
    "count",
    "optimize",
    "drop_collection",
)


class _IndexManager(BaseManager):
    """The workers' side of the socket: ``host()`` is the index process's ``IndexHost``."""


_IndexManager.register("host")


def serve_index(index: VectorIndex, address: Path, key: bytes) -> None:
    """Answer index calls on ``address`` until the process is stopped (the index process's body)."""
    host = IndexHost(index)

    class _Serving(BaseManager):
        pass

    _Serving.register("host", callable=lambda: host)
    address.unlink(missing_ok=True)
    manager = _Serving(address=str(address), authkey=key)
    server = manager.get_server()
    address.chmod(0o600)
    logger.info("Index process serving %s", address)
    server.serve_forever()


class SharedIndex:
    """A worker's view of the index process: ``VectorIndex`` over its socket (one connection per thread)."""

    def __init__(self, address: Path, key: bytes) -> None:
        self._address = address
        self._key = key
        self._local = threading.local()

    def _host(self) -> Any:
        host = getattr(self._local, "host", None)
        if host is None:
            manager = _IndexManager(address=str(self._address), authkey=self._key)
            try:
                manager.connect()
            except (OSError, EOFError, AuthenticationError) as exc:
                raise BackendUnavailable(f"无法连接共享索引进程（{self._address}）：{exc}") from exc
            host = self._local.host = manager.host()  # type: ignore[attr-defined]
            self._local.mirror = PayloadMirror()  # a new connection holds nothing yet
        return host

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return self._host().call(method, *args)
        except (OSError, EOFError) as exc:
            self._local.host = None  # reconnect next time
            raise BackendUnavailable(f"共享索引进程不可用（{self._address}）：{exc}") from exc

    def ensure_collection(self, dense_dimension: int) -> None:
        self._call("ensure_collection", dense_dimension)

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        self._call("upsert", list(points))

    def delete(self, point_ids: Sequence[str]) -> None:
        self._call("delete", list(point_ids))

    def search_dense(self, vector: np.ndarray, limit: int, filters: FilterSpec) -> list[IndexMatch]:
        return self._call("search_dense", vector, limit, filters)  # type: ignore[no-any-return]

    def search_sparse(
        self, channel: str, vector: SparseVector, limit: int, filters: FilterSpec
    ) -> list[IndexMatch]:
        return self._call("search_sparse", channel, vector, limit, filters)  # type: ignore[no-any-return]

    def search_batch(self, queries: Sequence[IndexQuery]) -> list[list[IndexMatch]]:
        revision, sent = self._call("search_batch", list(queries))
        results = received_batch(self._local.mirror, revision, sent)
        for query, matches in zip(queries, results, strict=True):
            if not query.with_payload:  # sent or held all the same, so that both mirrors agree
                for match in matches:
                    match.payload = {}
        return results

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return self._call("payloads", list(point_ids))  # type: ignore[no-any-return]

    def scroll(self, batch_size: int = 512) -> Iterator[tuple[str, dict[str, Any]]]:
        yield from self._call("scroll", batch_size)

    def count(self) -> int:
        return int(self._call("count"))

    def optimize(self) -> None:
        self._call("optimize")

    def drop_collection(self) -> None:
        self._call("drop_collection")

    def close(self) -> None:
        self._local = threading.local()  # the index process owns the index; it closes it when stopped
