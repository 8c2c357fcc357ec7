"""The knowledge-base manifest: which document versions are live, and which embedder built them.

The manifest is the source of truth for what the knowledge base contains. Ingestion writes new
chunks first, then replaces the manifest atomically, then deletes the old chunks; search ignores
chunks whose document version is not in the manifest. So a run that is interrupted at any point
leaves the previous knowledge base searchable, and the next run removes the leftovers.

Where it is kept is a ``ManifestStore``: a file beside the embedded index (write + rename), or,
when several machines share a Qdrant server, a row of the shared database
(``manifest_table``), so that every machine sees the same knowledge base.

Document ids have changed once (scheme 1: the file's absolute path; scheme 2: an opaque digest, see
``documents.opaque_document_id``). ``aliases`` maps the ids an older scheme gave to today's, so
links, deletions and admin calls made with an old id keep working after ``govassist kb migrate``.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from assistant.errors import Conflict, IndexMismatch


@dataclass
class ManifestEntry:
    doc_id: str
    content_hash: str
    chunk_count: int
    token_count: int  # jieba words in all chunks
    bigram_count: int = 0  # character bigrams in all chunks
    title: str = ""
    kind: str = ""
    source: str = ""  # the file name shown to callers (see DocumentMetadata.source)
    ingested_at: str = ""
    sensitivity: str = ""  # "" in manifests written before levels existed: 公开
    owner_department: str = ""
    path: str = ""  # the server file it was read from: for pruning and uploads, never shown to the public


ID_SCHEME = 2  # the document-id scheme current ingestion writes
CONFLICT = "知识库刚被另一台服务器或进程修改，本次更改未生效，请重试"
UNREAD = "unread"


@dataclass
class Manifest:
    embedder: str = ""
    dimension: int = 0
    documents: dict[str, ManifestEntry] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # old document id → current id
    id_scheme: int = ID_SCHEME
    # The store's version this manifest was read at (kept by copies): a save of it is refused once
    # another process has replaced the manifest since. UNREAD: not read from a store.
    revision: Hashable = field(default=UNREAD, compare=False, repr=False)

    @property
    def needs_migration(self) -> bool:
        """Whether documents were keyed by an older id scheme (their ids show server paths)."""
        return self.id_scheme < ID_SCHEME and bool(self.documents)

    def resolve(self, doc_id: str) -> str:
        """Today's id of a document named by any id it has had."""
        return self.aliases.get(doc_id, doc_id)

    @property
    def chunk_count(self) -> int:
        return sum(entry.chunk_count for entry in self.documents.values())

    def average_chunk_length(self, channel: str) -> float:
        """Average tokens per chunk in a lexical channel (BM25's length normalisation); 0 when empty."""
        chunks = self.chunk_count
        field = "token_count" if channel == "words" else "bigram_count"
        return sum(getattr(e, field) for e in self.documents.values()) / chunks if chunks else 0.0

    def live_versions(self) -> dict[str, str]:
        return {doc_id: entry.content_hash for doc_id, entry in self.documents.items()}

    def check_embedder(self, name: str, dimension: int) -> None:
        """Refuse to mix embedders in one index."""
        if self.embedder and (self.embedder != name or self.dimension != dimension):
            raise IndexMismatch(
                f"知识库由嵌入模型 {self.embedder}（{self.dimension} 维）构建，当前配置为 {name}（{dimension} 维），"
                "不能混用。请运行 govassist kb reindex 用当前模型重建索引（文档内容保留），"
                "或改回原配置（GOVASSIST_EMBEDDING__BACKEND / GOVASSIST_EMBEDDING__MODEL）。"
            )

    def to_json(self) -> str:
        payload = {
            "embedder": self.embedder,
            "dimension": self.dimension,
            "documents": {doc_id: asdict(entry) for doc_id, entry in self.documents.items()},
            "aliases": self.aliases,
            "id_scheme": self.id_scheme,
        }
        return json.dumps(payload, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        documents = {doc_id: ManifestEntry(**entry) for doc_id, entry in raw.get("documents", {}).items()}
        return cls(
            embedder=raw.get("embedder", ""),
            dimension=raw.get("dimension", 0),
            documents=documents,
            aliases=dict(raw.get("aliases", {})),
            id_scheme=int(raw.get("id_scheme", 1)),  # manifests before the field existed used paths
        )


class ManifestStore(Protocol):
    """Where the manifest is kept: a file beside the embedded index (``ManifestFile``), or a table
    of the shared database when several machines share one index (``manifest_table.ManifestTable``)."""

    def version(self) -> Hashable:
        """Which manifest is in place (None: none yet); any change, by any process, changes it."""
        ...

    def load(self) -> Manifest:
        """The manifest in place (read again only when its version changed)."""
        ...

    def save(self, manifest: Manifest) -> None:
        """Replace the manifest atomically."""
        ...


class ManifestFile:
    """Reads and atomically replaces the manifest file; re-reads it when another process changed it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._cached: Manifest | None = None
        self._cached_version: tuple[int, int, int] | None = None

    @property
    def path(self) -> Path:
        return self._path

    def version(self) -> tuple[int, int, int] | None:
        """Which manifest file is in place (None: none yet). Every save replaces the file by a new
        one (another inode, a new modification time), so any change, by any process, changes this."""
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_ino, stat.st_size

    def load(self) -> Manifest:
        with self._lock:
            version = self.version()
            if self._cached is None or version != self._cached_version:
                self._cached = self._read() if version is not None else Manifest()
                self._cached.revision = self._cached_version = version
            return self._cached

    def _read(self) -> Manifest:
        return Manifest.from_json(self._path.read_text(encoding="utf-8"))

    def save(self, manifest: Manifest) -> None:
        """Replace the file, if it is still the one ``manifest`` was read from (another worker or
        the CLI may have replaced it since: ``Conflict``, rather than dropping that change).
        Processes take turns through a lock file, so the check and the replacement are one step."""
        with self._lock:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.with_suffix(".lock").open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if manifest.revision != UNREAD and self.version() != manifest.revision:
                    raise Conflict(CONFLICT)
                temporary = self._path.with_suffix(".tmp")
                temporary.write_text(manifest.to_json(), encoding="utf-8")
                os.replace(temporary, self._path)
                self._cached = manifest
                manifest.revision = self._cached_version = self.version()
