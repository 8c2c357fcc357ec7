"""The knowledge-base domain types: documents, their metadata, chunks and search hits.

These plain dataclasses are what crosses every seam (readers → chunker → index → search →
answering). Library types (llama-index nodes, Qdrant points) never leave their backends.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

DocumentKind = Literal["policy", "faq", "guide"]
DOCUMENT_KINDS: tuple[str, ...] = ("policy", "faq", "guide")

# Namespace for deterministic point ids (uuid5), so the same chunk always gets the same id.
_ID_NAMESPACE = uuid.UUID("6f1f6c1e-3c1a-4e8e-9a52-2a8f6b3d7c11")


def opaque_document_id(key: str) -> str:
    """The public id of a document read from a file: a digest of ``key`` (the file's location and
    the id prefix), so the same file keeps its id across re-ingests while the id itself shows no
    server path. Ids of records that carry their own id (JSON Lines) are those ids instead."""
    return "doc-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def chunk_point_id(doc_id: str, content_hash: str, chunk_no: int) -> str:
    """Deterministic index id of a chunk: the same chunk of the same document version, the same id."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{doc_id}#{content_hash}#{chunk_no}"))


@dataclass
class DocumentMetadata:
    """What we know about a document; every field is optional except the kind."""

    title: str = ""
    kind: DocumentKind = "policy"
    issuing_body: str = ""  # 发文机关
    document_number: str = ""  # 文号, e.g. 示府办发〔2025〕12号
    publish_date: date | None = None
    effective_date: date | None = None
    expiry_date: date | None = None  # None: no known expiry
    region: str = ""
    category: str = ""
    source: str = ""  # the file name (never its server path) or other origin the document was read from
    url: str = ""  # where the public can read it, when the source says so
    department: str = ""  # handling department (承办单位) named by the source, if any
    sensitivity: str = ""  # 公开 / 内部 / 敏感 (``assistant.access``); "" until ingest applies the default
    owner_department: str = ""  # the department that manages the document; "" for the installation

    def to_payload(self) -> dict[str, Any]:
        payload = asdict(self)
        for key in ("publish_date", "effective_date", "expiry_date"):
            value = payload[key]
            payload[key] = value.isoformat() if value else None
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> DocumentMetadata:
        values = {key: payload.get(key) for key in cls.__dataclass_fields__ if key in payload}
        for key in ("publish_date", "effective_date", "expiry_date"):
            if values.get(key):
                values[key] = date.fromisoformat(str(values[key]))
        return cls(**{k: v for k, v in values.items() if v is not None})


@dataclass
class Section:
    """A block of a document as a reader found it: text under a heading path.

    Readers keep structure here (headings, tables) so the chunker need not guess it back.
    ``is_table`` blocks are kept whole by the chunker where they fit.
    """

    text: str
    heading_path: list[str] = field(default_factory=list)
    is_table: bool = False


@dataclass
class FaqEntry:
    """One official question/answer pair; the answer is kept verbatim (官方口径)."""

    question: str
    answer: str


@dataclass
class Document:
    """One source document after reading, before chunking.

    ``doc_id`` is stable for the same source (``opaque_document_id`` of its path, or its own id), and
    ``content_hash`` changes whenever its text or metadata changes.
    A FAQ file yields one Document per entry, with ``faq`` set.
    """

    doc_id: str
    metadata: DocumentMetadata
    sections: list[Section] = field(default_factory=list)
    faq: FaqEntry | None = None

    @property
    def text(self) -> str:
        if self.faq:
            return f"{self.faq.question}\n{self.faq.answer}"
        return "\n".join(section.text for section in self.sections)

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256(self.text.encode("utf-8"))
        digest.update(repr(sorted(self.metadata.to_payload().items())).encode("utf-8"))
        return digest.hexdigest()[:16]


@dataclass
class Chunk:
    """A searchable piece of a document, with the heading path it sits under."""

    doc_id: str
    chunk_no: int
    text: str
    heading_path: list[str]
    metadata: DocumentMetadata
    content_hash: str  # hash of the whole document version this chunk belongs to
    question: str = ""  # FAQ chunks: the official question (indexed with the answer)
    flags: list[str] = field(
        default_factory=list
    )  # content-safety flags (answering.safety): kept out of answers

    @property
    def point_id(self) -> str:
        return chunk_point_id(self.doc_id, self.content_hash, self.chunk_no)

    @property
    def search_text(self) -> str:
        """What the embedder and BM25 see: title and headings give short chunks their context."""
        head = " ".join(part for part in [self.metadata.title, *self.heading_path] if part)
        body = f"{self.question}\n{self.text}" if self.question else self.text
        return f"{head}\n{body}" if head else body

    def to_payload(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "chunk_no": self.chunk_no,
            "text": self.text,
            "question": self.question,
            "heading_path": self.heading_path,
            "content_hash": self.content_hash,
            "flags": self.flags,
            **self.metadata.to_payload(),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Chunk:
        return cls(
            doc_id=payload["doc_id"],
            chunk_no=int(payload["chunk_no"]),
            text=payload["text"],
            heading_path=list(payload.get("heading_path") or []),
            metadata=DocumentMetadata.from_payload(payload),
            content_hash=payload["content_hash"],
            question=payload.get("question") or "",
            flags=list(payload.get("flags") or []),
        )


@dataclass
class SearchFilters:
    """Payload filters for a search. ``valid_on`` excludes documents expired on that date
    (and not yet effective); ``None`` means today. ``include_expired`` turns that off."""

    kinds: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    valid_on: date | None = None
    include_expired: bool = False
    include_flagged: bool = False  # passages flagged at ingest (answering.safety): staff inspection only


@dataclass
class ScoreBreakdown:
    """Why a chunk ranked where it did: the raw score and rank of each channel."""

    fused: float = 0.0
    sparse: float | None = None  # BM25 over jieba words
    sparse_rank: int | None = None
    bigram: float | None = None  # BM25 over character bigrams
    bigram_rank: int | None = None
    dense: float | None = None
    dense_rank: int | None = None
    rerank: float | None = None


@dataclass
class SearchHit:
    chunk: Chunk
    score: float
    scores: ScoreBreakdown = field(default_factory=ScoreBreakdown)
