"""``govassist kb migrate``: re-key a knowledge base built when document ids were file paths.

Before id scheme 2 a file's document id was its absolute path (``/srv/kb/政策.pdf``, FAQ rows
``/srv/kb/问答.xlsx#<sha1>``) and every chunk's ``source`` was the path too, so both reached the
public in search results and citations. The migration gives every such document the id today's
ingestion gives the same file (``ingest.readers.file_id``), its file name as ``source`` and its
path in the manifest only, and records each old id as an alias of the new one, so links,
``kb delete OLD_ID`` and admin calls with old ids keep working.

Chunks are re-keyed, not re-read: their text and vectors (through the embedding cache) are kept.
Each document's new version stamp (content hash) is the one today's ingestion computes, when its
file still holds the text it was ingested from; so re-ingesting unchanged files after the
migration does nothing. A file changed or gone since keeps its old stamp, and its next ingest
updates it as it should. JSON Lines records kept their own ids; they only lose the path. Every
re-keyed passage is screened as ingestion screens new ones (``ingest.pipeline.screen_chunk``), so
an index built before screening existed has its hostile passages flagged too.
Leaves: the atomic write (``KnowledgeBase.store`` with aliases).
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.access import PUBLIC_LEVEL
from assistant.documents import Chunk, Document, DocumentMetadata, opaque_document_id
from assistant.errors import BadInput
from assistant.knowledge_base import DocumentVersion, KnowledgeBase
from assistant.retrieval.manifest import ManifestEntry
from ingest.pipeline import screen_chunk
from ingest.readers import ReadOptions, read_path

logger = logging.getLogger(__name__)
_UPLOAD_FOLDER = re.compile(r"[0-9a-f]{32}")  # uploads/<uuid4 hex>/<name>, before uploads were kept by name
_FAQ_SUFFIX = re.compile(r"#[0-9a-f]{12}(?:-\d+)?$")  # ingest.readers.tables.faq_doc_id (+ repeats)


@dataclass
class MigrationReport:
    aliases: dict[str, str] = field(default_factory=dict)  # old id → new id (only ids that changed)
    documents: int = 0  # documents re-keyed
    restamped: int = 0  # of those, stamped as today's ingestion would (their file is unchanged)
    flagged: int = 0  # passages the screening flagged (kept out of answers from now on)


def migrate(knowledge_base: KnowledgeBase, uploads: Path | None = None) -> MigrationReport:
    """Re-key every document of an older id scheme; a knowledge base already current is left alone.
    Files uploaded the old way (``uploads/<uuid>/<name>``) move to ``uploads/<name>``, where an
    upload of the same file lands today (the first of several of one name; the others stay)."""
    manifest = knowledge_base.manifest()
    report = MigrationReport()
    if not manifest.needs_migration:
        return report
    chunks = knowledge_base.live_chunks(set(manifest.documents))
    fresh: dict[str, dict[str, Document]] = {}
    versions: list[DocumentVersion] = []
    moves = _upload_moves(manifest.documents.values(), uploads)
    empty = [old_id for old_id in manifest.documents if old_id not in chunks]
    if empty:  # nothing of them is searchable; kept, they would go on showing their path ids
        logger.warning("Removed %d documents without live chunks before the migration", len(empty))
        knowledge_base.delete(empty)
    for old_id, entry in manifest.documents.items():
        if old_id not in chunks:
            continue
        new_id, path = _new_identity(old_id, entry, moves)
        source = Path(entry.source).name if _is_path(entry.source) else entry.source
        stamp = _stamp(fresh_documents(fresh, path).get(new_id), chunks[old_id][0].metadata, entry, source)
        report.restamped += bool(stamp)
        moved = [_rekeyed(chunk, new_id, stamp or entry.content_hash, source) for chunk in chunks[old_id]]
        report.flagged += sum(1 for chunk in moved if chunk.flags)
        versions.append(DocumentVersion(new_id, moved[0].content_hash, moved, path))
        if new_id != old_id:
            report.aliases[old_id] = new_id
    knowledge_base.store(versions, aliases=report.aliases)
    for old in moves:  # copied before the commit, so a crash leaves a spare file only
        Path(old).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            Path(old).parent.rmdir()  # the uuid folder, once empty
    report.documents = len(versions)
    return report


def _upload_moves(entries: Iterable[ManifestEntry], uploads: Path | None) -> dict[str, str]:
    """Old upload file → its place today, copied there now (one file per name)."""
    moves: dict[str, str] = {}
    if uploads is None:
        return moves
    root = uploads.resolve()
    for entry in entries:
        old = Path(entry.source).resolve()
        if not (
            _is_path(entry.source) and old.parent.parent == root and _UPLOAD_FOLDER.fullmatch(old.parent.name)
        ):
            continue
        target = root / old.name
        if (
            entry.source in moves
            or target.as_posix() in moves.values()
            or target.exists()
            or not old.is_file()
        ):
            continue
        shutil.copy2(old, target)
        moves[entry.source] = target.as_posix()
    return moves


def _is_path(source: str) -> bool:
    return ("/" in source or "\\" in source) and "://" not in source


def _new_identity(old_id: str, entry: ManifestEntry, moves: dict[str, str]) -> tuple[str, str]:
    """The document's id under today's scheme, and its server path for the manifest."""
    if not _is_path(entry.source) or Path(entry.source).suffix.lower() == ".jsonl":
        # JSON Lines records (and documents whose source was overridden) keep their ids.
        return old_id, Path(entry.source).resolve().as_posix() if _is_path(entry.source) else ""
    match = _FAQ_SUFFIX.search(old_id) if entry.kind == "faq" else None
    key = old_id[: match.start()] if match else old_id  # the old id was ingest.readers.file_key
    suffix = match.group(0) if match else ""
    path = key if key.startswith("/") else Path(entry.source).resolve().as_posix()
    if entry.source in moves:  # the id today's ingestion gives the file at its new place
        key = path = moves[entry.source]
    return opaque_document_id(key) + suffix, path


def fresh_documents(cache: dict[str, dict[str, Document]], path: str) -> dict[str, Document]:
    """The documents the file holds today, by id ({} when it is gone or unreadable)."""
    if path not in cache:
        try:
            cache[path] = {doc.doc_id: doc for doc in read_path(Path(path), ReadOptions())} if path else {}
        except BadInput as exc:
            logger.info("Not re-read for the migration (%s): %s", path, exc)
            cache[path] = {}
    return cache[path]


def _stamp(document: Document | None, stored: DocumentMetadata, entry: ManifestEntry, source: str) -> str:
    """Today's content hash of the document if its file still holds the ingested version, else ''.

    The stored metadata (with any overrides the ingest had) and the file's text reproduce the old
    hash exactly when nothing changed; the new one differs from it only by ``source``."""
    if document is None:
        return ""
    old = replace(document, metadata=replace(stored, source=entry.source))
    if old.content_hash != entry.content_hash:
        return ""
    return replace(document, metadata=replace(stored, source=source, sensitivity=_level(stored))).content_hash


def _level(metadata: DocumentMetadata) -> str:
    """Documents indexed before levels existed were public, and stay so (``assistant.access``)."""
    return metadata.sensitivity or PUBLIC_LEVEL


def _rekeyed(chunk: Chunk, doc_id: str, content_hash: str, source: str) -> Chunk:
    metadata = replace(chunk.metadata, source=source, sensitivity=_level(chunk.metadata))
    moved = replace(chunk, doc_id=doc_id, content_hash=content_hash, metadata=metadata)
    moved.flags = screen_chunk(moved)
    return moved
