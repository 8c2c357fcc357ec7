"""What the copilot suggests for a call so far: relevant FAQ and policies, and a reply the agent
can read out (the grounded answer chain), or an honest "no answer in the knowledge base".

Works on the masked caller text; the latest part of the call matters most, so the question
asked of the knowledge base is the last ``QUESTION_CHARS`` characters. Search always returns its
nearest chunks, so a suggestion is shown only when it is plainly about what the caller said
(``on_topic``); a call the knowledge base does not cover (a noise complaint, a broken street
light) gets no suggestions rather than unrelated ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.access import PUBLIC_LEVEL, Access
from assistant.answering import grounding
from assistant.answering.answer import AI_NOTICE, Citation
from assistant.answering.chain import AnswerChain
from assistant.documents import Chunk, SearchHit
from assistant.hotline.tickets import FIELD_LABELS, TICKET_FIELDS
from assistant.hotline.triage import CallTriage, Triage
from assistant.privacy import mask_personal_data
from assistant.retrieval.search import HybridSearcher
from assistant.text_normalisation import has_content, normalise_text

QUESTION_CHARS = 200
# Measured on the demo knowledge base: hits for calls it does not cover reach 0.21 at most, the
# hits an agent would want 0.33 or more (tests/integration/test_hotline_api.py has both kinds).
MIN_TOPICALITY = 0.3
NO_ANSWER = "知识库中没有可直接答复的内容，请按规定登记工单转承办单位办理。"
CONTEXT_CHARS = 8  # characters of the call shown around the words a field was read from
LOW_CONFIDENCE = 0.5  # below this a prediction is flagged for the agent to check


@dataclass
class KnowledgeItem:
    """A passage of the knowledge base the copilot shows for the call."""

    doc_id: str
    title: str
    kind: str
    document_number: str
    heading_path: list[str]
    text: str
    score: float
    sensitivity: str  # 公开 / 内部 / 敏感: what the agent may read aloud

    @classmethod
    def from_hit(cls, hit: SearchHit) -> KnowledgeItem:
        chunk, meta = hit.chunk, hit.chunk.metadata
        return cls(
            chunk.doc_id,
            meta.title or chunk.question,
            meta.kind,
            meta.document_number,
            list(chunk.heading_path),
            chunk.text,
            hit.score,
            meta.sensitivity or PUBLIC_LEVEL,
        )


@dataclass
class DraftField:
    """One ticket field as the panel and the console show it: label, proposed value, evidence."""

    name: str
    label: str
    value: str
    evidence: str


@dataclass
class Assistance:
    knowledge: list[KnowledgeItem] = field(default_factory=list)
    reply: str = ""
    reply_status: str = ""
    reply_mode: str = ""  # faq / generated / extractive / refusal: a generated reply carries the AI notice
    reply_model: str = ""
    ai_notice: str = ""
    citations: list[Citation] = field(default_factory=list)
    triage: Triage | None = (
        None  # predictions, departments with duty lines, fields with spans, urgency, sentiment
    )
    draft: dict[str, str] = field(default_factory=dict)  # the ticket draft (工单草稿) for the agent to edit
    draft_fields: list[DraftField] = field(default_factory=list)  # the draft as shown, with the evidence


def ticket_draft(triage: Triage | None) -> dict[str, str]:
    """The ticket fields the copilot can propose from the triage of a call."""
    if triage is None:
        return {"summary": summarise({})}
    draft = {f.name: f.value for f in triage.fields}
    for label, prediction in triage.predictions.items():
        draft[label] = prediction.label
    draft["urgency"] = triage.urgency.label
    draft["summary"] = summarise(draft)
    return draft


def draft_evidence(text: str, triage: Triage | None) -> dict[str, str]:
    """Why each field was proposed, as the agent reads it: the words of the call (``text``, the
    one analysed) a field was read from, in context; a prediction's confidence, flagged when low,
    and the words that weighed most; for the department, the duty line (权责清单) it matched; the
    cue that set the urgency."""
    if triage is None:
        return {}
    evidence = {}
    for found in triage.fields:
        start, end = found.start, found.end
        before = ("…" if start > CONTEXT_CHARS else "") + text[max(0, start - CONTEXT_CHARS) : start]
        after = text[end : end + CONTEXT_CHARS] + ("…" if end + CONTEXT_CHARS < len(text) else "")
        evidence[found.name] = f"原文：{before}「{found.value}」{after}"
    for name, prediction in triage.predictions.items():
        flag = "（较低，请核实）" if prediction.confidence < LOW_CONFIDENCE else ""
        reason = f"；依据：{'、'.join(prediction.reason)}" if prediction.reason else ""
        evidence[name] = f"置信度 {round(prediction.confidence * 100)}%{flag}{reason}"
    duty = next(
        (
            s.duty
            for s in triage.departments
            if s.department == triage.predictions["department"].label and s.duty
        ),
        "",
    )
    if duty:
        evidence["department"] += f"；职责：{duty}"
    if triage.urgency.evidence:
        evidence["urgency"] = f"依据：{triage.urgency.evidence}"
    return evidence


def draft_fields(draft: dict[str, str], evidence: dict[str, str]) -> list[DraftField]:
    """The draft as the panel and the console show it: every ticket field with its label, the
    proposed value and the evidence for it."""
    return [
        DraftField(
            name, FIELD_LABELS[name], draft.get(name, ""), evidence.get(name, "") if draft.get(name) else ""
        )
        for name in TICKET_FIELDS
    ]


# What the form says when the call stated no request of its own: the request type's usual words,
# no content of the call (投诉求助 also for a call of no known type).
PLAIN_REQUESTS = {"投诉求助": "诉求核实处理", "咨询": "诉求答复咨询", "建言": "诉求研究采纳建议"}
_WISH = re.compile(r"^(?:我们?)?(?:希望|要求|请求)(?:你们)?")


def plain_request(request_type: str) -> str:
    """The form's request for a call that stated none of its own (诉求核实处理 for a complaint)."""
    return PLAIN_REQUESTS.get(request_type, PLAIN_REQUESTS["投诉求助"])


def summarise(draft: dict[str, str]) -> str:
    """The call summary in the ticket form, 来电人反映……，诉求……。, from the draft (extractive: the
    caller's own words, no model): the place and the matter, then the request; a call that stated
    no request gets its type's plain one. No name or number (masked where the caller's words hold
    one): those are fields of their own."""
    matter, address = (mask_personal_data(draft.get(name, "")) for name in ("service_item", "address"))
    request = _WISH.sub("", mask_personal_data(draft.get("request", "")))[:120]
    plain = plain_request(draft.get("request_type", ""))
    if matter and request and (matter in request or request in matter):  # a question is its own matter
        matter, wish = max(matter, request, key=len), plain
    else:
        wish = f"诉求{request}" if request else plain
    if address and address not in matter:
        matter = f"{address}，{matter}" if matter else address
    return f"来电人反映{matter or '的问题尚未说明'}，{wish}。"


def on_topic(question: str, hits: Sequence[SearchHit], regions: Sequence[str] = ()) -> list[SearchHit]:
    """The hits plainly about what the caller said (topicality ≥ ``MIN_TOPICALITY``). A hit's
    topicality is the larger of the share of its title's (an FAQ's question's) units that the
    caller used, which holds up in a long rambling call, and the share of the caller's units that
    its text covers, which suits a short direct question. Region names count for neither."""
    asked = grounding.without_names(question, regions)
    wanted = grounding.units(asked, with_synonyms=True)

    def topicality(chunk: Chunk) -> float:
        title = grounding.without_names(chunk.question or chunk.metadata.title, regions)
        return max(
            grounding.coverage(grounding.units(title), asked), grounding.coverage(wanted, chunk.search_text)
        )

    return [hit for hit in hits if topicality(hit.chunk) >= MIN_TOPICALITY]


class Copilot:
    """The hotline copilot of one deployment: one knowledge-base search per refresh (the answer
    chain's, through ``AnswerChain.consult``, which stores no conversation turn), the call triage
    and the ticket draft. ``regions`` are the service region's names (they appear in every
    document, so they are no sign of a topic)."""

    def __init__(
        self,
        searcher: HybridSearcher,
        chain: AnswerChain,
        triage: CallTriage | None = None,
        regions: Sequence[str] = (),
        top_k: int = 5,
    ) -> None:
        self._searcher = searcher
        self._chain = chain
        self._triage = triage
        self._regions = tuple(regions)
        self._top_k = top_k

    def assist(self, caller_text: str, access: Access | None = None) -> Assistance:
        """Suggestions, reply and ticket draft for the caller's words so far, from the documents
        ``access`` (the agent's) may read."""
        question = mask_personal_data(normalise_text(caller_text))[-QUESTION_CHARS:]
        if not has_content(question):
            return Assistance()  # silence, or only noise the recogniser wrote as punctuation
        analysis = self._triage.analyse(caller_text) if self._triage is not None else None
        consultation = self._chain.consult(question, access=access)
        # A question decided by its scope alone (another city named) was not searched: search it here.
        hits = (
            consultation.hits
            if consultation.searched
            else self._searcher.search(question, top_k=self._top_k, access=access).hits
        )
        knowledge = [
            KnowledgeItem.from_hit(hit) for hit in on_topic(question, hits[: self._top_k], self._regions)
        ]
        draft = ticket_draft(analysis)
        fields = draft_fields(draft, draft_evidence(caller_text, analysis))
        answer = consultation.answer
        if answer.status != "answered":
            return Assistance(
                knowledge, NO_ANSWER, answer.status, "refusal", "", "", [], analysis, draft, fields
            )
        notice = AI_NOTICE if answer.generated else ""
        return Assistance(
            knowledge,
            answer.text,
            answer.status,
            answer.mode,
            answer.model,
            notice,
            answer.citations,
            analysis,
            draft,
            fields,
        )
