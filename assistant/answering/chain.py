"""The answer chain: named steps from a citizen's question to a checked, cited answer.

    mask → condense → scope → retrieve → FAQ first → evidence check → answer → check → store

- FAQ first: a confident FAQ match is answered with its official text verbatim (官方口径).
- Evidence check: when the best passages do not cover the question, refuse and hand off.
- Answer: the chat model writes from numbered evidence sentences, or (extractive mode, or when
  every generated sentence fails the check) the evidence is quoted.
- Check: every generated sentence must be supported by the passages it cites.
Thresholds live in ``AnswerSettings``; how they were calibrated is in BENCHMARKS.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

import numpy as np

from assistant.answering import grounding
from assistant.answering.answer import Answer, AnswerEvent, AnswerMode, Citation
from assistant.answering.chat_models import ChatMessage, ChatModel
from assistant.answering.conversations import ConversationStore, Turn
from assistant.answering.prompts import load_prompt, render
from assistant.answering.scope import classify_scope
from assistant.config import AnswerSettings, LlmSettings
from assistant.documents import SearchFilters, SearchHit
from assistant.errors import BadInput
from assistant.privacy import mask_personal_data
from assistant.retrieval import lexical
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.search import HybridSearcher

logger = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 500
_FOLLOW_UP_MARKERS = ("这个", "那个", "它", "这些", "那些", "上述", "还需要", "那么", "那要", "呢")


@dataclass
class Trace:
    """What the chain saw and did for one question, for the staff console's inspector."""

    standalone: str = ""
    hits: list[SearchHit] = field(default_factory=list)
    evidence: list[grounding.Evidence] = field(default_factory=list)
    messages: list[ChatMessage] = field(default_factory=list)
    removed_sentences: int = 0


@dataclass
class _Context:
    """What the steps share while one question is answered."""

    question: str
    session_id: str
    filters: SearchFilters | None
    trace: Trace = field(default_factory=Trace)
    standalone: str = ""
    hits: list[SearchHit] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def mark(self, step: str) -> None:
        self.timings_ms[step] = round((time.perf_counter() - self.started) * 1000, 1)


class AnswerChain:
    def __init__(
        self,
        searcher: HybridSearcher,
        embedder: Embedder,
        conversations: ConversationStore,
        settings: AnswerSettings,
        llm_settings: LlmSettings,
        chat_model: ChatModel | None = None,
    ) -> None:
        self._searcher = searcher
        self._embedder = embedder
        self._conversations = conversations
        self._settings = settings
        self._llm = llm_settings
        self._chat_model = chat_model

    @property
    def mode(self) -> str:
        return "generated" if self._chat_model else "extractive"

    def answer(self, question: str, session_id: str | None = None, filters: SearchFilters | None = None) -> Answer:
        final = None
        for event in self.stream(question, session_id, filters):
            final = event.answer or final
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        session_id: str | None = None,
        filters: SearchFilters | None = None,
        trace: Trace | None = None,
    ) -> Iterator[AnswerEvent]:
        """Answer events: deltas while a model generates, then one final event with the Answer.
        Pass a ``Trace`` to see the retrieved hits, the evidence and the prompt afterwards."""
        context = _Context(self._mask(question), self._conversations.ensure(session_id), filters, trace or Trace())
        context.standalone = context.trace.standalone = self._condense(context)
        answer = self._answer_without_generation(context)
        context.trace.hits = context.hits
        if answer is None:
            answer = yield from self._generate(context)
        answer.session_id, answer.question, answer.timings_ms = context.session_id, context.standalone, context.timings_ms
        self._store(context, answer)
        yield AnswerEvent("final", answer.text, answer)

    # --- steps -------------------------------------------------------------------------------

    @staticmethod
    def _mask(question: str) -> str:
        question = question.strip()
        if not question:
            raise BadInput("问题不能为空")
        if len(question) > MAX_QUESTION_CHARS:
            raise BadInput(f"问题过长（{len(question)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内")
        return mask_personal_data(question)

    def _condense(self, context: _Context) -> str:
        """A follow-up ('收费吗？': short, no topic of its own, after an answered question) becomes
        standalone by prefixing the topic of the previous question (its nouns: '居住证 收费吗？'),
        not the whole question, whose intent is done."""
        history = self._conversations.history(context.session_id, self._settings.history_turns)
        question = context.question
        if not history or history[-1].status != "answered" or lexical.nouns(question):
            return question  # a new topic (or nothing answered to follow up on)
        short = len(question) <= 12 or any(marker in question for marker in _FOLLOW_UP_MARKERS)
        if not short:
            return question
        topic = lexical.nouns(history[-1].standalone_question)
        return f"{' '.join(topic)} {question}" if topic else question

    def _answer_without_generation(self, context: _Context) -> Answer | None:
        """Out of scope, a confident FAQ, or no evidence: answers that need no model."""
        scope = classify_scope(context.standalone, self._settings.hotline, tuple(self._settings.service_regions))
        context.hits = self._searcher.search(context.standalone, top_k=self._settings.passages * 2, filters=context.filters).hits
        context.mark("retrieve")
        if not scope.in_scope and scope.reason == "other_region":
            return Answer("out_of_scope", scope.handoff, mode="refusal", handoff=scope.handoff)
        faq = self._confident_faq(context)
        if faq is not None:
            return faq
        if not scope.in_scope:
            return Answer("out_of_scope", scope.handoff, mode="refusal", handoff=scope.handoff)
        if self._evidence(context) < self._settings.min_evidence:
            return self._refusal(context)
        return None

    def _confident_faq(self, context: _Context) -> Answer | None:
        faqs = [hit for hit in context.hits[:3] if hit.chunk.question]
        if not faqs:
            return None
        best = max(faqs, key=lambda hit: self.faq_confidence(context.standalone, hit.chunk.question))
        if self.faq_confidence(context.standalone, best.chunk.question) < self._settings.faq_min_confidence:
            return None
        context.mark("faq")
        return Answer("answered", best.chunk.text, [Citation.from_chunk(1, best.chunk)], mode="faq")

    def faq_confidence(self, question: str, faq_question: str) -> float:
        """How surely the FAQ question asks what the citizen asked: lexical F1 and cosine, averaged."""
        asked, official = grounding.units(question), grounding.units(faq_question)
        recall, precision = grounding.coverage(asked, faq_question), grounding.coverage(official, question)
        lexical = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
        vectors = self._embedder.embed_documents([question, faq_question])
        return 0.5 * lexical + 0.5 * float(np.dot(vectors[0], vectors[1]))

    def _evidence(self, context: _Context) -> float:
        """Share of the question's units that the best passage covers (the region's own name,
        found in every document, does not count)."""
        wanted = grounding.units(grounding.without_names(context.standalone, self._settings.service_regions))
        return max((grounding.coverage(wanted, hit.chunk.search_text) for hit in context.hits[:3]), default=0.0)

    def _refusal(self, context: _Context) -> Answer:
        department = next((h.chunk.metadata.department for h in context.hits[:1] if h.chunk.metadata.department), "")
        hint = f"相关事项可咨询{department}，" if department else ""
        text = render("no_evidence", department_hint=hint, hotline=self._settings.hotline)
        return Answer("no_evidence", text, mode="refusal", handoff=department or self._settings.hotline)

    def _generate(self, context: _Context) -> Generator[AnswerEvent, None, Answer]:
        hits = context.hits[: self._settings.passages]
        evidence = grounding.select_evidence(
            context.standalone, [hit.chunk.text for hit in hits], self._settings.context_chars
        )
        context.trace.evidence = evidence
        text = ""
        if self._chat_model is not None:
            text = yield from self._stream_model(context, evidence)
        # Checked against what the model was shown: the evidence sentences, not the whole passages.
        checked = grounding.check_answer(text, {e.number: e.text for e in evidence}, self._settings.min_support)
        context.trace.removed_sentences = checked.removed
        mode: AnswerMode = "generated"
        if checked.kept == 0:
            mode, checked = "extractive", grounding.CheckedAnswer(_quote(evidence), len(evidence), 0)
        context.mark("answer")
        numbers = sorted({n for s in grounding.split_sentences(checked.text) for n in grounding.cited_numbers(s)})
        citations = [Citation.from_chunk(n, hits[n - 1].chunk, _evidence_text(evidence, n)) for n in numbers]
        return Answer("answered", checked.text, citations, mode=mode)

    def _stream_model(
        self, context: _Context, evidence: list[grounding.Evidence]
    ) -> Generator[AnswerEvent, None, str]:
        assert self._chat_model is not None
        listing = "\n".join(f"[{e.number}] {e.text}" for e in evidence)
        messages = [
            ChatMessage("system", load_prompt("answer_system")),
            ChatMessage("user", render("answer_user", evidence=listing, question=context.standalone)),
        ]
        context.trace.messages = messages
        parts: list[str] = []
        for delta in self._chat_model.stream(messages, self._llm.max_tokens, self._llm.temperature):
            if not parts:
                context.mark("first_token")
            parts.append(delta)
            yield AnswerEvent("delta", delta)
        return "".join(parts)

    def _store(self, context: _Context, answer: Answer) -> None:
        turn = Turn(context.question, context.standalone, answer.text, answer.status)
        self._conversations.append(context.session_id, turn, [c.doc_id for c in answer.citations])


def _quote(evidence: list[grounding.Evidence]) -> str:
    return "".join(f"{e.text}[{e.number}]" for e in evidence)


def _evidence_text(evidence: list[grounding.Evidence], number: int) -> str:
    return next((e.text for e in evidence if e.number == number), "")
