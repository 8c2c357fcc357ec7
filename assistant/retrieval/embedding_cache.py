"""Embed each distinct text once: a persistent cache of passage vectors in front of any embedder.

``CachedEmbedder`` wraps an ``Embedder`` and speaks the same seam. Passage vectors are kept in a
SQLite file keyed by (embedder name, SHA-256 of the text), so re-ingesting a knowledge base,
re-indexing it, or building a second one from the same documents (benchmarks, tests) embeds
nothing twice. Only passages are stored on disk; question vectors are kept in a small in-memory
LRU (popular questions repeat), so citizens' questions never reach the disk through here.

The file is safe for several processes at once (WAL, busy timeout); a vector of the wrong shape
is ignored and recomputed. What to embed and with which model is the wrapped embedder's business.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.retrieval.embedding import Embedder

logger = logging.getLogger(__name__)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS vectors (model TEXT, digest BLOB, vector BLOB, PRIMARY KEY (model, digest))"
)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class VectorStore:
    """Passage vectors on disk, by model name and text digest."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._connection:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(_SCHEMA)

    def get(self, model: str, digests: Sequence[bytes], dimension: int) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(digests), 500):
            batch = list(digests[start : start + 500])
            marks = ",".join("?" * len(batch))
            with self._lock:
                rows = self._connection.execute(
                    f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})",
                    [model, *batch],
                ).fetchall()
            for digest, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (dimension,):
                    found[bytes(digest)] = vector
        return found

    def put(self, model: str, digests: Sequence[bytes], vectors: np.ndarray) -> None:
        rows = [
            (model, digest, np.asarray(vector, dtype=np.float32).tobytes())
            for digest, vector in zip(digests, vectors, strict=True)
        ]
        with self._lock, self._connection:
            self._connection.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        with self._lock:
            self._connection.close()


class CachedEmbedder:
    """An embedder that computes each distinct passage once (on disk) and each recent question once (in memory)."""

    def __init__(self, embedder: Embedder, store: VectorStore, queries_kept: int = 2048) -> None:
        self.inner = embedder
        self._store = store
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_kept = queries_kept
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.inner.embed_documents(texts)
        digests = [_digest(text) for text in texts]
        known = self._store.get(self.name, list(dict.fromkeys(digests)), self.dimension)
        missing = list(
            dict.fromkeys(text for text, digest in zip(texts, digests, strict=True) if digest not in known)
        )
        if missing:
            computed = self.inner.embed_documents(missing)
            new_digests = [_digest(text) for text in missing]
            self._store.put(self.name, new_digests, computed)
            known.update(zip(new_digests, computed, strict=True))
        return np.vstack([known[digest] for digest in digests]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.embed_queries([text])[0]
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.inner.embed_queries(texts)
        with self._lock:
            known = {text: self._queries[text] for text in texts if text in self._queries}
            for text in known:
                self._queries.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            computed = self.inner.embed_queries(missing)
            with self._lock:
                for text, vector in zip(missing, computed, strict=True):
                    known[text] = self._queries[text] = vector
                while len(self._queries) > self._queries_kept:
                    self._queries.popitem(last=False)
        return np.vstack([known[text] for text in texts]).astype(np.float32)

    def close(self) -> None:
        self._store.close()
