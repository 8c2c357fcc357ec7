"""The ingestion run: files in, a per-file report out, the knowledge base never half written.

For each file: check size → read (``ingest.readers``) → skip documents whose content hash is
already live → chunk (``ingest.chunking``) → screen each chunk (``answering.safety``: flagged
passages are stored with their flags, kept out of answers and reported) → queue. Queued document versions are stored in
batches through ``KnowledgeBase.store``, each batch an atomic step, so an interrupted run leaves
a consistent, searchable knowledge base. A bad file is reported with its reason and the run
goes on; the caller decides the exit code from ``IngestReport.failed``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.access import PUBLIC_LEVEL
from assistant.answering import safety
from assistant.config import IngestSettings
from assistant.documents import Chunk, Document
from assistant.errors import BadInput
from assistant.knowledge_base import DocumentVersion, KnowledgeBase
from ingest.chunking import chunk_document
from ingest.readers import SIDECAR_SUFFIX, ReadOptions, read_path

logger = logging.getLogger(__name__)
FileStatus = Literal["added", "updated", "unchanged", "failed"]
_BATCH_CHUNKS = 256


@dataclass
class FileOutcome:
    path: str
    status: FileStatus
    documents: int = 0
    chunks: int = 0
    reason: str = ""
    flagged: list[str] = field(default_factory=list)  # passages kept out of answers, and why (Chinese)


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # doc ids removed (rows gone, files pruned)

    @property
    def failed(self) -> list[FileOutcome]:
        return [outcome for outcome in self.files if outcome.status == "failed"]

    def count(self, status: FileStatus) -> int:
        return sum(1 for outcome in self.files if outcome.status == status)


class Progress:
    """What a run reports while it works; the CLI draws a bar from it, tests ignore it."""

    def files_found(self, total: int) -> None: ...

    def file_done(self, outcome: FileOutcome) -> None: ...

    def chunks_embedded(self, count: int) -> None: ...


def discover(paths: Iterable[Path]) -> list[Path]:
    """The files to ingest: directories are walked; hidden files and metadata sidecars skipped."""
    found: list[Path] = []
    for path in paths:
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        for candidate in candidates:
            hidden = any(part.startswith(".") for part in candidate.parts[-1:])
            if (
                (candidate.is_file() or not candidate.exists())
                and not hidden
                and not candidate.name.endswith(SIDECAR_SUFFIX)
            ):
                found.append(candidate)
    return list(dict.fromkeys(found))


class IngestRun:
    def __init__(
        self,
        knowledge_base: KnowledgeBase,
        settings: IngestSettings,
        options: ReadOptions | None = None,
        progress: Progress | None = None,
    ) -> None:
        self._kb = knowledge_base
        self._settings = settings
        self._options = options or ReadOptions()
        self._progress = progress or Progress()
        self._queue: list[DocumentVersion] = []
        self.report = IngestReport()

    def run(self, paths: Iterable[Path], prune: bool = False) -> IngestReport:
        if self._kb.manifest().needs_migration:
            raise BadInput(
                "知识库的文档 ID 仍是旧格式（含服务器路径），请先运行 govassist kb migrate 迁移后再导入"
            )
        paths = list(paths)
        files = discover(paths)
        self._progress.files_found(len(files))
        self._kb.collect_garbage()
        for path in files:
            outcome = self._ingest_file(path)
            self.report.files.append(outcome)
            self._progress.file_done(outcome)
        self._flush()
        if prune:
            self._prune([p for p in paths if p.is_dir()])
        return self.report

    def _ingest_file(self, path: Path) -> FileOutcome:
        try:
            documents = self._read(path)
            changed = [doc for doc in documents if not self._kb.is_current(doc.doc_id, doc.content_hash)]
            versions = [self._version(document, path) for document in changed]
        except BadInput as exc:
            logger.warning("Skipped %s: %s", path, exc)
            return FileOutcome(str(path), "failed", reason=str(exc))
        located = server_path(path)
        known = {doc_id for doc_id, entry in self._kb.manifest().documents.items() if entry.path == located}
        self._remove(sorted(known - {doc.doc_id for doc in documents}))
        self._queue += versions
        chunks = sum(len(version.chunks) for version in versions)
        if sum(len(version.chunks) for version in self._queue) >= _BATCH_CHUNKS:
            self._flush()
        status: FileStatus = "unchanged" if not changed else ("updated" if known else "added")
        flagged = [_flag_line(chunk) for version in versions for chunk in version.chunks if chunk.flags]
        return FileOutcome(str(path), status, documents=len(documents), chunks=chunks, flagged=flagged)

    def _read(self, path: Path) -> list[Document]:
        if not path.exists():
            raise BadInput(f"{path}：文件不存在")
        size_mb = path.stat().st_size / 1_000_000  # decimal MB, as every limit of the project
        if size_mb > self._settings.max_file_mb:
            raise BadInput(
                f"{path.name}：文件过大（{size_mb:.1f} MB），上限为 {self._settings.max_file_mb:g} MB"
                "（可通过 GOVASSIST_INGEST__MAX_FILE_MB 调整）"
            )
        documents = read_path(path, self._options)
        if not documents:
            raise BadInput(f"{path.name}：没有读到任何内容")
        for document in documents:
            document.metadata.source = document.metadata.source or path.name
            self._classify(document)
        return documents

    def _classify(self, document: Document) -> None:
        """A document whose sidecar, command line or form sets no level keeps the level (and owner)
        it has in the knowledge base (an admin may have reclassified it), else gets the default."""
        metadata = document.metadata
        if metadata.sensitivity:
            return
        known = self._kb.manifest().documents.get(document.doc_id)
        if known is not None:  # one indexed before levels existed was public, and stays so
            metadata.sensitivity = known.sensitivity or PUBLIC_LEVEL
            metadata.owner_department = metadata.owner_department or known.owner_department
        else:
            metadata.sensitivity = self._settings.default_sensitivity

    def _version(self, document: Document, path: Path) -> DocumentVersion:
        chunks = chunk_document(document, self._settings.chunk_size, self._settings.chunk_overlap)
        if not chunks:
            raise BadInput(f"{path.name}：文档没有可索引的文本")
        for chunk in chunks:
            chunk.flags = screen_chunk(chunk)
        return DocumentVersion(document.doc_id, document.content_hash, chunks, server_path(path))

    def _flush(self) -> None:
        if self._queue:
            queue, self._queue = self._queue, []
            self._kb.store(queue, on_chunks=self._progress.chunks_embedded)

    def _remove(self, doc_ids: list[str]) -> None:
        if doc_ids:
            self._flush()
            self.report.removed += self._kb.delete(doc_ids)

    def _prune(self, directories: list[Path]) -> None:
        """Delete documents whose source file under one of these directories no longer exists."""
        roots = [Path(server_path(directory)) for directory in directories]
        gone = [
            doc_id
            for doc_id, entry in self._kb.manifest().documents.items()
            if entry.path
            and any(Path(entry.path).is_relative_to(root) for root in roots)
            and not Path(entry.path).exists()
        ]
        self._remove(gone)


def screen_chunk(chunk: Chunk) -> list[str]:
    """The content-safety flags of a passage (its FAQ question included), as the uploader reads them."""
    return [flag.label for flag in safety.screen(f"{chunk.question}\n{chunk.text}")]


def _flag_line(chunk: Chunk) -> str:
    where = chunk.question or " > ".join(chunk.heading_path) or f"第 {chunk.chunk_no + 1} 段"
    return f"{where}：{'；'.join(chunk.flags)}，该段不会用于回答，请核查"


def server_path(path: Path) -> str:
    """Where a file is on this server, as the manifest records it (never shown to the public)."""
    return path.resolve().as_posix()


def ingest_paths(
    paths: Iterable[Path],
    knowledge_base: KnowledgeBase,
    settings: IngestSettings,
    options: ReadOptions | None = None,
    progress: Progress | None = None,
    prune: bool = False,
) -> IngestReport:
    return IngestRun(knowledge_base, settings, options, progress).run(paths, prune=prune)
