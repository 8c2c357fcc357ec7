"""The answer chain: named steps from a citizen's question to a checked, cited answer.

    mask → condense → scope → retrieve → correct → judge → FAQ first → answer → check → store

- Correct: pinyin-input typos are mended against the retrieved passages (居住正 → 居住证), and
  retrieval runs again when anything changed.
- Judge: ``answerability`` decides, per retrieved passage, whether it answers the question; when
  none does, the chain refuses and hands off (to the department the question is about, or the
  hotline), naming what the question took for granted that no source states (「知识库中没有关于
  “一万元补贴”的规定」) and the nearest item, as 相关内容.
- FAQ first: when the passage judged best is an official FAQ, its text is the answer, verbatim (官方口径).
- Answer: the chat model writes from the evidence sentences (``evidence``) of the passages judged
  relevant, or (extractive mode) they are quoted.
- Check: each generated sentence is shown once it is complete and every clause of it restates a
  span of a passage it cites, with the same numbers, negations and names (``checking``); a
  sentence that fails, repeats, or denies the sources answer is never shown. When the question
  asks about a list (材料, 条件, 流程 …) the items the model left out are appended in the source's
  words (``completeness``), and when no sentence passes the evidence is quoted. The streamed
  deltas are the final text so far, except when the answer is withheld: no answer that asks for
  personal data or money leaves unreviewed (``safety``). Passages flagged at ingest are never
  judged, quoted or shown to the model.
- Store: the turn joins the citizen's conversation. ``consult`` runs the same steps for a
  standalone question outside any conversation (no condense, nothing stored) and returns the
  retrieved passages with the answer: the hotline copilot asks on every refresh of a call.
The judge's weights and threshold are package data; how they were fitted is in BENCHMARKS.md.
The hotline it hands off to and the city the prompts name are the ``deployment`` settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from assistant.access import Access
from assistant.answering import checking, completeness, grounding, safety
from assistant.answering import evidence as evidence_selection
from assistant.answering.answer import Answer, AnswerEvent, AnswerMode, Citation
from assistant.answering.answer_cache import AnswerCache, cache_key
from assistant.answering.answerability import AnswerabilityJudge, AnswerabilityModel, Judgement
from assistant.answering.chat_models import ChatMessage, ChatModel
from assistant.answering.conversations import ConversationStore, Turn
from assistant.answering.prompts import render
from assistant.answering.scope import ScopeDecision, classify_scope, handoff_department
from assistant.config import AnswerSettings, DeploymentSettings, LlmSettings
from assistant.documents import SearchFilters, SearchHit
from assistant.errors import BadInput
from assistant.privacy import mask_personal_data
from assistant.retrieval import lexical, lexicon
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.index import FilterSpec
from assistant.retrieval.search import HybridSearcher
from assistant.text_normalisation import normalise_query

logger = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 500
# Out of scope whatever the knowledge base holds: another place's policy, a hostile prompt.
_DECIDED_BY_SCOPE = ("other_region", "instruction")
Decision = Literal["scope", "faq", "no_evidence", "answer"]
_FOLLOW_UP_MARKERS = ("这个", "那个", "它", "这些", "那些", "上述", "还需要", "那么", "那要", "呢")


@dataclass
class Trace:
    """What the chain saw and did for one question, for the staff console's inspector."""

    standalone: str = ""
    corrected: str = ""  # the standalone question with typos mended, when any were
    hits: list[SearchHit] = field(default_factory=list)
    judgement: Judgement = field(default_factory=Judgement)
    evidence: list[evidence_selection.Quoted] = field(default_factory=list)
    messages: list[ChatMessage] = field(default_factory=list)
    removed_sentences: int = 0


@dataclass
class Assessment:
    """What the chain decided about a question before writing: its scope, the question as worked
    on (typos mended), the retrieved hits and the answerability judgement."""

    scope: ScopeDecision
    asked: str
    hits: list[SearchHit] = field(default_factory=list)
    judgement: Judgement = field(default_factory=Judgement)
    searched: bool = False  # False when the scope alone decided

    def decision(self, faq_first: bool = True) -> Decision:
        """What the chain does: refuse by scope, quote an official FAQ judged to answer, refuse as
        out of scope, refuse for lack of evidence, or answer from the passages judged to answer."""
        if not self.scope.in_scope and self.scope.reason in _DECIDED_BY_SCOPE:
            return "scope"
        if faq_first and self.judgement.official is not None:
            return "faq"
        if not self.scope.in_scope:
            return "scope"
        return "answer" if self.judgement.answerable else "no_evidence"

    def source(self, faq_first: bool = True) -> SearchHit | None:
        """The passage the answer comes from first (None for a refusal)."""
        decision = self.decision(faq_first)
        chosen = (
            self.judgement.official
            if decision == "faq"
            else self.judgement.best
            if decision == "answer"
            else None
        )
        return chosen.hit if chosen else None


@dataclass
class Consultation:
    """What ``AnswerChain.consult`` gives: the answer and the passages retrieved for it, best first
    (``searched`` is False when the question was decided by its scope alone, without a search)."""

    answer: Answer
    hits: list[SearchHit]
    searched: bool


@dataclass
class _Context:
    """What the steps share while one question is answered."""

    question: str
    session_id: str
    filters: SearchFilters | None
    access: Access | None
    trace: Trace = field(default_factory=Trace)
    standalone: str = ""
    asked: str = ""  # what the later steps work on: the standalone question, typos mended
    hits: list[SearchHit] = field(default_factory=list)
    searched: bool = False  # False when the scope alone decided
    sources: list[SearchHit] = field(default_factory=list)  # the passages judged to answer, best first
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
        cache: AnswerCache | None = None,
        deployment: DeploymentSettings | None = None,
    ) -> None:
        self._searcher = searcher
        self._embedder = embedder
        self._conversations = conversations
        self._settings = settings
        self._llm = llm_settings
        self._chat_model = chat_model
        self._cache = cache or AnswerCache(0, lambda: None)
        self._deployment = deployment or DeploymentSettings()
        self._judge = AnswerabilityJudge(
            embedder, threshold=settings.answerability_threshold, ignore=settings.service_regions
        )

    @property
    def answerability_model(self) -> AnswerabilityModel:
        return self._judge.model

    @property
    def mode(self) -> str:
        return "generated" if self._chat_model else "extractive"

    def answer(
        self,
        question: str,
        session_id: str | None = None,
        filters: SearchFilters | None = None,
        access: Access | None = None,
    ) -> Answer:
        final = None
        for event in self.stream(question, session_id, filters, access=access):
            final = event.answer or final
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        session_id: str | None = None,
        filters: SearchFilters | None = None,
        trace: Trace | None = None,
        access: Access | None = None,
    ) -> Iterator[AnswerEvent]:
        """Answer events: deltas while a model generates, then one final event with the Answer.
        Only documents ``access`` may read are searched (the public's when None). Pass a ``Trace``
        to see the retrieved hits, the evidence and the prompt afterwards (a traced question is
        always computed, never taken from the answer cache)."""
        session = self._conversations.ensure(session_id)
        context = _Context(self._mask(question), session, filters, access, trace or Trace())
        context.standalone = context.trace.standalone = self._condense(context)
        key = cache_key(
            context.standalone, FilterSpec.from_filters(filters, access)
        )  # access is in the filter
        version = self._cache.version()
        answer = self._cache.get(key) if trace is None else None
        if answer is None:
            answer = yield from self._respond(context)
            self._cache.put(key, version, answer)
        else:
            context.mark("cached")
        answer.session_id, answer.question, answer.timings_ms = (
            context.session_id,
            context.standalone,
            context.timings_ms,
        )
        self._store(context, answer)
        yield AnswerEvent("final", answer.text, answer)

    def consult(
        self,
        question: str,
        filters: SearchFilters | None = None,
        trace: Trace | None = None,
        access: Access | None = None,
    ) -> Consultation:
        """The answer to one standalone question and the passages retrieved for it, outside any
        conversation: no session, no stored turn. For callers that are not a citizen asking: the
        hotline copilot (it refreshes on every final of a live call) and the staff inspector."""
        context = _Context(self._mask(question), "", filters, access, trace or Trace())
        context.standalone = context.trace.standalone = context.question
        events = self._respond(context)
        while True:  # the deltas are not wanted: run the steps to the answer they return
            try:
                next(events)
            except StopIteration as finished:
                return Consultation(finished.value, context.hits, context.searched)

    def _respond(self, context: _Context) -> Generator[AnswerEvent, None, Answer]:
        """The steps from a standalone question to the checked answer (deltas while a model writes)."""
        answer = self._answer_without_generation(context)
        context.trace.hits = context.hits
        if answer is None:
            answer = yield from self._generate(context)
        answer = self._screened(answer)
        answer.question, answer.timings_ms = context.standalone, context.timings_ms
        return answer

    # --- steps -------------------------------------------------------------------------------

    @staticmethod
    def _mask(question: str) -> str:
        question = normalise_query(question)
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

    def assess(
        self, question: str, filters: SearchFilters | None = None, access: Access | None = None
    ) -> Assessment:
        """Scope, retrieval (typos mended) and the answerability judgement of a standalone
        question: everything the chain decides before it writes anything."""
        scope = classify_scope(question, self._deployment.hotline, tuple(self._settings.service_regions))
        if not scope.in_scope and scope.reason in _DECIDED_BY_SCOPE:
            return Assessment(scope, question)
        hits, asked, vector = self._retrieve(question, filters, access)
        corrected = lexicon.correct(question, [hit.chunk.search_text for hit in hits])
        if corrected != lexicon.normalise(question):
            hits, asked, vector = self._retrieve(corrected, filters, access)
        unflagged = [hit for hit in hits if not hit.chunk.flags]  # flagged ones only reach the inspector
        return Assessment(scope, asked, hits, self._judge.judge(asked, unflagged, vector), searched=True)

    def _retrieve(
        self, question: str, filters: SearchFilters | None, access: Access | None
    ) -> tuple[list[SearchHit], str, np.ndarray]:
        """The hits for a question, and its one query vector (the judge compares it with the passages' labels)."""
        vector = self._embedder.embed_query(normalise_query(question))  # as the searcher would embed it
        hits = self._searcher.search(
            question, self._settings.candidates, filters, access, query_vector=vector
        ).hits
        return hits, question, vector

    def _answer_without_generation(self, context: _Context) -> Answer | None:
        """Out of scope, an FAQ, or nothing that answers: answers that need no model."""
        assessment = self.assess(context.standalone, context.filters, context.access)
        context.asked, context.hits, judgement = assessment.asked, assessment.hits, assessment.judgement
        context.searched = assessment.searched
        context.trace.judgement = judgement
        context.trace.corrected = assessment.asked if assessment.asked != context.standalone else ""
        context.mark("judge")
        match assessment.decision(self._settings.faq_first):
            case "scope":
                scope = assessment.scope
                return Answer("out_of_scope", scope.handoff, mode="refusal", handoff=scope.handoff)
            case "faq":
                assert judgement.official is not None
                official = judgement.official.hit.chunk
                return Answer("answered", official.text, [Citation.from_chunk(1, official)], mode="faq")
            case "no_evidence":
                return self._refusal(context, judgement)
            case "answer":
                context.sources = judgement.supporting(
                    self._judge.model.threshold * self._settings.support_ratio
                )
        return None

    def _refusal(self, context: _Context, judgement: Judgement) -> Answer:
        """No evidence: say so, and name where to ask — the department of the service asked about
        when the knowledge base knows the topic (the best passage has the question's weightiest
        concept) or the hand-off list names it, else only the hotline."""
        department = handoff_department(context.asked)
        best = judgement.best
        if not department and best is not None and judgement.concepts:
            topic = max(judgement.concepts, key=lambda concept: concept.weight)
            if lexicon.covers(lexicon.normalise(best.hit.chunk.search_text), topic):
                department = best.hit.chunk.metadata.department
        hint = f"相关事项可咨询{department}，" if department else ""
        hotline = self._deployment.hotline
        if unmet := judgement.unmet:  # name what the question takes for granted and no source states
            text = render(
                "no_premise",
                premises="、".join(f"“{premise.text}”" for premise in unmet),
                related_hint=_related_hint(judgement),
                department_hint=hint,
                hotline=hotline,
            )
        else:
            text = render("no_evidence", department_hint=hint, hotline=hotline)
        return Answer("no_evidence", text, mode="refusal", handoff=department or hotline)

    def _generate(self, context: _Context) -> Generator[AnswerEvent, None, Answer]:
        hits = context.sources[: self._settings.passages]
        # The best passage's whole document: what else was asked (材料, 地点 …) may be in another section.
        document = self._searcher.document(hits[0].chunk.doc_id, context.access)
        evidence = evidence_selection.select(
            context.asked, hits, self._settings.context_chars, self._settings.service_regions, document
        )
        context.trace.evidence = evidence
        # Checked against what the model was shown: the evidence sentences, not the whole passages.
        checker = checking.AnswerChecker(evidence, self._settings.min_support)
        gate = safety.SafetyGate()
        if self._chat_model is not None:
            yield from self._stream_model(context, evidence, checker, gate)
        context.trace.removed_sentences = checker.removed
        mode: AnswerMode = "generated"
        model = self._chat_model.name if self._chat_model is not None else ""
        text = checker.text
        if checker.kept == 0:
            mode, model = "extractive", ""
            text = evidence_selection.quote(evidence)
        elif missing := completeness.supplement(context.asked, text, evidence):
            text += missing  # the list items the model left out, in the source's words
            if shown := gate.check(missing):
                yield AnswerEvent("delta", shown)
        context.mark("answer")
        numbers = sorted({n for s in grounding.split_sentences(text) for n in grounding.cited_numbers(s)})
        quoted = {e.number: e for e in evidence}
        citations = [Citation.from_chunk(n, quoted[n].hit.chunk, quoted[n].text) for n in numbers]
        return Answer("answered", text, citations, mode=mode, model=model)

    def _stream_model(
        self,
        context: _Context,
        evidence: Sequence[grounding.Evidence],
        checker: checking.AnswerChecker,
        gate: safety.SafetyGate,
    ) -> Generator[AnswerEvent, None, None]:
        """The model writes; each sentence is shown once it is complete and has passed the source
        check and the safety gate, so a citizen never sees unchecked text."""
        assert self._chat_model is not None
        listing = "\n".join(f"[{e.number}] {e.text}" for e in evidence)
        messages = [
            ChatMessage(
                "system",
                render("answer_system", city=self._deployment.city, hotline=self._deployment.hotline),
            ),
            ChatMessage(
                "user",
                render("answer_user", evidence=listing, question=context.asked, focus=_focus(context.asked)),
            ),
        ]
        context.trace.messages = messages
        started = False
        for delta in self._chat_model.stream(messages, self._llm.max_tokens, self._llm.temperature):
            if not started:
                context.mark("first_token")
                started = True
            if shown := gate.check(checker.feed(delta)):
                if "first_shown" not in context.timings_ms:
                    context.mark("first_shown")
                yield AnswerEvent("delta", shown)
        if shown := gate.check(checker.close()):
            yield AnswerEvent("delta", shown)

    def _screened(self, answer: Answer) -> Answer:
        """The answer, or, when it asks for personal data or money, a refusal handing over to a person."""
        requests = safety.requests_in(answer.text) if answer.status == "answered" else []
        if not requests:
            return answer
        logger.warning(
            "Withheld an answer asking for %s (cited %s)",
            [flag.kind for flag in requests],
            [citation.doc_id for citation in answer.citations],
        )
        text = render("withheld", hotline=self._deployment.hotline)
        return Answer("withheld", text, mode="refusal", handoff=self._deployment.hotline)

    def _store(self, context: _Context, answer: Answer) -> None:
        turn = Turn(
            context.question, context.standalone, answer.text, answer.status, answer.mode, answer.model
        )
        self._conversations.append(context.session_id, turn, [c.doc_id for c in answer.citations])


def _related_hint(judgement: Judgement) -> str:
    """The nearest item to a question whose premise no source states, named as 相关内容 (not as an answer)."""
    related = judgement.related.hit.chunk if judgement.related else None
    if related is None or not (related.question or related.metadata.title):
        return ""
    name = f"常见问题“{related.question}”" if related.question else f"《{related.metadata.title}》"
    return f"相关内容：{name}（与您所问的并不相同，适用条件以原文为准，仅供参考）。"


def _focus(question: str) -> str:
    """What the answer must cover when the evidence has it (所需材料、办理地点 …), as a line of the prompt."""
    names = [aspect.name for aspect in evidence_selection.asked(question)]
    return f"回答要涵盖资料中有关{'、'.join(names)}的内容。" if names else ""
