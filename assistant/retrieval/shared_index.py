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
from collections.abc import Iterator, Sequence
from multiprocessing import AuthenticationError
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import BackendUnavailable
from assistant.retrieval.index import FilterSpec, IndexMatch, IndexPoint, IndexQuery, VectorIndex
from assistant.retrieval.lexical import SparseVector

logger = logging.getLogger(__name__)


class IndexHost:
    """The index process's side: one index, its calls made whole (a generator cannot cross processes)."""

    def __init__(self, index: VectorIndex) -> None:
        self._index = index

    def call(self, method: str, *args: Any) -> Any:
        if method == "scroll":
            return list(self._index.scroll(*args))
        if method == "search_batch":
            return _one_payload_each(self._index.search_batch(*args))
        if method not in _CALLS:
            raise ValueError(f"not an index call: {method}")
        return getattr(self._index, method)(*args)


def _one_payload_each(results: list[list[IndexMatch]]) -> list[list[IndexMatch]]:
    """The same point found by several queries carries one payload object, which pickling then
    sends once (a search's channels find mostly the same chunks; payloads are most of the bytes)."""
    payloads: dict[str, dict[str, Any]] = {}
    for matches in results:
        for match in matches:
            match.payload = payloads.setdefault(match.point_id, match.payload)
    return results


_CALLS = (
    "ensure_collection",
    "upsert",
    "delete",
    "search_dense",
    "search_sparse",
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
        return self._call("search_batch", list(queries))  # type: ignore[no-any-return]

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
