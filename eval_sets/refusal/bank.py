"""The written refusal bank: questions that must be answered from the demo knowledge base and
questions that must be refused or handed off, each in a group, each in a dev or a test half.

The halves are fixed by a hash of the question id (even → dev), so the answerability model is
fitted on dev and reported on test, never the other way round.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answering.answer import Citation
from assistant.documents import SearchHit
from eval_sets.datasets import read_jsonl
from eval_sets.demo_eval import is_target

BANK_DIR = Path(__file__).resolve().parent
MUST_ANSWER = BANK_DIR / "must_answer.jsonl"
MUST_REFUSE = BANK_DIR / "must_refuse.jsonl"


@dataclass
class LabelledQuestion:
    """A question, whether it must be answered, and its sources: demo-KB targets (a file path or
    'faq:' + question) or document ids (the shared dev sets)."""

    id: str
    question: str
    group: str
    answerable: bool
    sources: list[str] = field(default_factory=list)
    doc_ids: set[str] = field(default_factory=set)
    keywords: list[str] = field(default_factory=list)

    @property
    def split(self) -> str:
        return "dev" if hashlib.sha1(self.id.encode("utf-8")).digest()[0] % 2 == 0 else "test"

    def is_source(self, hit: SearchHit) -> bool:
        chunk = hit.chunk
        return chunk.doc_id in self.doc_ids or is_target(chunk.metadata.source, chunk.question, self.sources)

    def is_cited(self, citation: Citation) -> bool:
        faq_question = citation.title if citation.kind == "faq" else ""
        return citation.doc_id in self.doc_ids or is_target(citation.source, faq_question, self.sources)


def load(split: str | None = None) -> list[LabelledQuestion]:
    """The bank (both files), optionally one half ('dev' or 'test')."""
    questions = [
        LabelledQuestion(
            r["id"], r["question"], r["group"], True, r["sources"], keywords=r.get("answer_keywords", [])
        )
        for r in read_jsonl(MUST_ANSWER)
    ]
    questions += [
        LabelledQuestion(r["id"], r["question"], r["group"], False) for r in read_jsonl(MUST_REFUSE)
    ]
    return [q for q in questions if split is None or q.split == split]
