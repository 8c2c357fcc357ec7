"""``KnowledgeBase``: chunks in, consistent index out; the one writer of index and manifest.

It owns the write protocol that keeps the knowledge base whole (see ``retrieval.manifest``):
embed and upsert the new chunks → atomically replace the manifest → delete superseded chunks.
Reading files and chunking them is ``ingest``'s job; ranking is ``retrieval.search``'s.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.access import Sensitivity
from assistant.documents import Chunk, chunk_point_id
from assistant.retrieval import lexical
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.index import IndexPoint, VectorIndex
from assistant.retrieval.manifest import ID_SCHEME, Manifest, ManifestEntry, ManifestStore

logger = logging.getLogger(__name__)
ProgressCallback = Callable[[int], None]


@dataclass
class DocumentVersion:
    """All chunks of one document version, ready to store."""

    doc_id: str
    content_hash: str
    chunks: list[Chunk]
    path: str = ""  # the server file it comes from (kept in the manifest only)


@dataclass
class KnowledgeBaseStats:
    documents: int
    chunks: int
    points: int
    embedder: str
    by_kind: dict[str, int]


class KnowledgeBase:
    def __init__(self, index: VectorIndex, embedder: Embedder, manifests: ManifestStore) -> None:
        self.index = index
        self.embedder = embedder
        self.manifests = manifests

    def manifest(self) -> Manifest:
        return self.manifests.load()

    def is_current(self, doc_id: str, content_hash: str) -> bool:
        entry = self.manifest().documents.get(doc_id)
        return entry is not None and entry.content_hash == content_hash

    def store(
        self,
        versions: Sequence[DocumentVersion],
        on_chunks: ProgressCallback | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        """Make these document versions live, replacing any older versions of the same documents.
        ``aliases`` (old id → new id, from ``govassist kb migrate``) also replaces the documents
        under their old ids, in the same atomic step, and keeps the old ids resolvable."""
        if not versions:
            return
        manifest = copy.deepcopy(self.manifest())
        manifest.check_embedder(self.embedder.name, self.embedder.dimension)
        self.index.ensure_collection(self.embedder.dimension)
        chunks = [chunk for version in versions for chunk in version.chunks]
        tokens = [lexical.analyse(chunk.search_text) for chunk in chunks]
        points = self._points(chunks, tokens, _averages(manifest, tokens), on_chunks)
        self.index.upsert(points)
        superseded = self._commit(manifest, versions, tokens, aliases)
        self.index.delete(sorted(set(superseded) - {point.point_id for point in points}))

    def _points(
        self,
        chunks: list[Chunk],
        tokens: list[dict[str, list[str]]],
        averages: dict[str, float],
        on_chunks: ProgressCallback | None,
    ) -> list[IndexPoint]:
        points: list[IndexPoint] = []
        for start in range(0, len(chunks), 64):
            batch = chunks[start : start + 64]
            vectors = self.embedder.embed_documents([chunk.search_text for chunk in batch])
            for chunk, vector, analysed in zip(batch, vectors, tokens[start : start + 64], strict=True):
                sparse = {
                    channel: lexical.encode_document(
                        analysed[channel], averages[channel], chunk.metadata.kind
                    )
                    for channel in lexical.CHANNELS
                }
                points.append(IndexPoint(chunk.point_id, vector, sparse, chunk.to_payload()))
            if on_chunks:
                on_chunks(len(batch))
        return points

    def _commit(
        self,
        manifest: Manifest,
        versions: Sequence[DocumentVersion],
        tokens: list[dict[str, list[str]]],
        aliases: Mapping[str, str] | None,
    ) -> list[str]:
        """Write the new manifest; return the point ids of the versions it replaced."""
        superseded: list[str] = []
        if aliases is not None or not manifest.needs_migration:
            manifest.id_scheme = ID_SCHEME  # a migration, or nothing keyed the old way
        for old_id, new_id in (aliases or {}).items():
            if old_id != new_id and old_id in manifest.documents:
                superseded += _point_ids(manifest.documents.pop(old_id))
            manifest.aliases[old_id] = new_id
        now = datetime.now(UTC).isoformat(timespec="seconds")
        analysed = iter(tokens)
        for version in versions:
            old = manifest.documents.get(version.doc_id)
            if old and old.content_hash != version.content_hash:
                superseded += _point_ids(old)
            counted = [next(analysed) for _ in version.chunks]
            first = version.chunks[0]
            manifest.documents[version.doc_id] = ManifestEntry(
                doc_id=version.doc_id,
                content_hash=version.content_hash,
                chunk_count=len(version.chunks),
                token_count=sum(len(chunk_tokens["words"]) for chunk_tokens in counted),
                bigram_count=sum(len(chunk_tokens["bigrams"]) for chunk_tokens in counted),
                title=first.metadata.title,
                kind=first.metadata.kind,
                source=first.metadata.source,
                ingested_at=now,
                sensitivity=first.metadata.sensitivity,
                owner_department=first.metadata.owner_department,
                path=version.path,
            )
        manifest.embedder, manifest.dimension = self.embedder.name, self.embedder.dimension
        self.manifests.save(manifest)
        return superseded

    def reindex(self, snapshot: Path, on_chunks: ProgressCallback | None = None) -> int:
        """Rebuild the index with the current embedder (after an embedder change), from the chunks
        it holds. The live chunks are first written to ``snapshot``; an interrupted run resumes
        from it, and until it completes the manifest keeps naming the old embedder, so search
        refuses rather than mixing vectors. Returns the number of chunks re-embedded."""
        manifest = copy.deepcopy(self.manifest())
        if not snapshot.exists():
            rows = (json.dumps(payload, ensure_ascii=False) for payload in self._live_payloads(manifest))
            partial = snapshot.with_suffix(".partial")
            partial.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
            os.replace(partial, snapshot)
        chunks = [
            Chunk.from_payload(json.loads(line))
            for line in snapshot.read_text(encoding="utf-8").splitlines()
            if line
        ]
        self.index.drop_collection()
        self.index.ensure_collection(self.embedder.dimension)
        tokens = [lexical.analyse(chunk.search_text) for chunk in chunks]
        averages = {channel: manifest.average_chunk_length(channel) for channel in lexical.CHANNELS}
        self.index.upsert(self._points(chunks, tokens, averages, on_chunks))
        manifest.embedder, manifest.dimension = self.embedder.name, self.embedder.dimension
        self.manifests.save(manifest)
        snapshot.unlink()
        return len(chunks)

    def reclassify(self, doc_id: str, sensitivity: Sensitivity, owner_department: str | None = None) -> bool:
        """Give a live document another level (and owner department, when given), as a new version
        of it stored by the usual write protocol: its chunks carry the level in their payload, which
        every index query filters on. False when the document is not live."""
        entry = self.manifest().documents.get(doc_id)
        chunks = self.live_chunks({doc_id}).get(doc_id, [])
        if entry is None or not chunks:
            return False
        owner = entry.owner_department if owner_department is None else owner_department
        if (entry.sensitivity, entry.owner_department) == (sensitivity, owner):
            return True
        version = hashlib.sha256(f"{entry.content_hash}|{sensitivity}|{owner}".encode()).hexdigest()[:16]
        for chunk in chunks:
            chunk.metadata = replace(chunk.metadata, sensitivity=sensitivity, owner_department=owner)
            chunk.content_hash = version
        self.store([DocumentVersion(doc_id, version, chunks, entry.path)])
        return True

    def _live_payloads(self, manifest: Manifest) -> Iterator[dict[str, Any]]:
        live = manifest.live_versions()
        for _, payload in self.index.scroll():
            if live.get(str(payload.get("doc_id"))) == payload.get("content_hash"):
                yield payload

    def live_chunks(self, doc_ids: set[str]) -> dict[str, list[Chunk]]:
        """The live chunks of these documents, in order (what a migration re-keys)."""
        found: dict[str, list[Chunk]] = {}
        for payload in self._live_payloads(self.manifest()):
            if payload.get("doc_id") in doc_ids:
                found.setdefault(str(payload["doc_id"]), []).append(Chunk.from_payload(payload))
        return {doc_id: sorted(chunks, key=lambda chunk: chunk.chunk_no) for doc_id, chunks in found.items()}

    def delete(self, doc_ids: Sequence[str]) -> list[str]:
        """Remove documents, named by their current or any former id (aliases); returns the ids,
        as given, of the documents that were present."""
        manifest = copy.deepcopy(self.manifest())
        current = {doc_id: manifest.resolve(doc_id) for doc_id in doc_ids}
        removed = [doc_id for doc_id in doc_ids if current[doc_id] in manifest.documents]
        gone = {current[doc_id] for doc_id in removed}
        stale = [pid for doc_id in gone for pid in _point_ids(manifest.documents.pop(doc_id))]
        manifest.aliases = {old: new for old, new in manifest.aliases.items() if new not in gone}
        if removed:
            self.manifests.save(manifest)
            self.index.delete(stale)
        return removed

    def collect_garbage(self) -> int:
        """Delete points no live document version owns (left by an interrupted run)."""
        manifest = self.manifest()
        if self.index.count() == manifest.chunk_count:
            return 0
        live = manifest.live_versions()
        orphans = [
            point_id
            for point_id, payload in self.index.scroll()
            if live.get(str(payload.get("doc_id"))) != payload.get("content_hash")
        ]
        self.index.delete(orphans)
        if orphans:
            logger.info("Removed %d leftover chunks of interrupted or superseded runs", len(orphans))
        return len(orphans)

    def stats(self) -> KnowledgeBaseStats:
        manifest = self.manifest()
        by_kind: dict[str, int] = {}
        for entry in manifest.documents.values():
            by_kind[entry.kind] = by_kind.get(entry.kind, 0) + 1
        return KnowledgeBaseStats(
            documents=len(manifest.documents),
            chunks=manifest.chunk_count,
            points=self.index.count(),
            embedder=manifest.embedder or self.embedder.name,
            by_kind=by_kind,
        )


def _averages(manifest: Manifest, tokens: list[dict[str, list[str]]]) -> dict[str, float]:
    """Average chunk length per channel: the knowledge base's so far, else this batch's."""
    averages = {}
    for channel in lexical.CHANNELS:
        batch = sum(len(chunk_tokens[channel]) for chunk_tokens in tokens) / max(len(tokens), 1)
        averages[channel] = manifest.average_chunk_length(channel) or batch
    return averages


def _point_ids(entry: ManifestEntry) -> list[str]:
    return [chunk_point_id(entry.doc_id, entry.content_hash, number) for number in range(entry.chunk_count)]
