"""The answer types every interface shares: ``Answer``, ``Citation`` and streaming events."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from assistant.documents import Chunk

# withheld: the answer asked for personal data or money (answering.safety) and was not let out.
AnswerStatus = Literal["answered", "no_evidence", "out_of_scope", "withheld"]
AnswerMode = Literal["faq", "generated", "extractive", "refusal"]
# The visible label of AI-generated content (《人工智能生成合成内容标识办法》, GB 45438-2025).
AI_NOTICE = "内容由人工智能生成，仅供参考，以官方发布为准"


@dataclass
class Citation:
    """One numbered source of an answer: what a citizen needs to check it."""

    number: int
    doc_id: str
    title: str
    document_number: str
    heading_path: list[str]
    source: str
    url: str
    publish_date: str | None
    quote: str  # the passage the answer relies on
    kind: str = ""
    department: str = ""

    @classmethod
    def from_chunk(cls, number: int, chunk: Chunk, quote: str | None = None) -> Citation:
        meta = chunk.metadata
        return cls(
            number=number,
            doc_id=chunk.doc_id,
            title=meta.title or chunk.question,
            document_number=meta.document_number,
            heading_path=list(chunk.heading_path),
            source=meta.source,
            url=meta.url,
            publish_date=meta.publish_date.isoformat() if meta.publish_date else None,
            quote=quote if quote is not None else chunk.text,
            kind=meta.kind,
            department=meta.department or meta.issuing_body,
        )


@dataclass
class Answer:
    status: AnswerStatus
    text: str
    citations: list[Citation] = field(default_factory=list)
    session_id: str = ""
    mode: AnswerMode = "refusal"
    question: str = ""  # the standalone question actually answered (after condensing)
    handoff: str = ""  # where to turn when the knowledge base cannot answer
    model: str = ""  # the chat model that wrote a generated answer
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def generated(self) -> bool:
        """Written by a model (GB 45438-2025: must be labelled as AI-generated wherever it is shown)."""
        return self.mode == "generated"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"generated": self.generated, "ai_notice": AI_NOTICE if self.generated else ""}


@dataclass
class AnswerEvent:
    """A streaming event: ``delta`` (checked text as the model writes it), then one ``final`` with
    the Answer.

    The deltas are only sentences that passed the source and safety checks, and together they
    begin the final text: a client appends ``answer.text`` past what it has shown. Only a withheld
    answer (or a client that missed deltas) replaces what was shown. The final event carries the
    citations, so streamed answers are cited too.
    """

    kind: Literal["delta", "final"]
    text: str = ""
    answer: Answer | None = None
