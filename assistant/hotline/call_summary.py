"""The call summary in the standard ticket form (来电人反映……，诉求……。), written by the chat model
from the transcript and checked against it the way answers are checked against their sources.

Each clause of what the model wrote is kept only when the transcript supports it (the share of
its character bigrams found in the transcript, the form's own words left out: ``grounding.support``);
the clauses it does not support are dropped and listed, so the agent sees what was left out. The
agent's own lines (坐席：, in a two-speaker transcript; its scripted clauses in a mono one,
``extraction.caller_words``) support nothing. A summary that loses its 诉求 that way keeps its report and says the form's plain request for the call's type
(诉求核实处理); one that loses its report, a model that fails, or no model at all gives the
extractive summary (``assist.summarise``) instead. Whatever the model writes is put in the form as
one sentence (``_standard_form``). The transcript is masked, and sentences addressing the model
removed, before the model sees it; what comes back is masked too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from assistant.answering import grounding
from assistant.answering.chat_models import ChatMessage, ChatModel, complete
from assistant.answering.prompts import render
from assistant.config import DeploymentSettings
from assistant.errors import BackendUnavailable
from assistant.hotline.assist import plain_request, summarise
from assistant.hotline.extraction import PUNCTUATED_CLAUSE, caller_words
from assistant.privacy import mask_personal_data
from assistant.text_normalisation import normalise_text

logger = logging.getLogger(__name__)

_WHO = r"(?:来电人|市民|该市民|他|她|其)?"
_FORM = re.compile(rf"^{_WHO}(?:反映|称|表示|来电|诉求(?:是|为)?|希望|要求)[：:]?")
_REQUEST = re.compile(r"诉求|希望|要求|请求")
MAX_TRANSCRIPT_CHARS = 3000  # the model's context holds the prompt, this and the reply


@dataclass
class CallSummary:
    text: str
    mode: str  # "generated": the model's, checked; "extractive": the caller's own words, no model
    model: str = ""
    dropped: list[str] = field(default_factory=list)  # clauses the transcript does not support, left out


def _clauses(text: str) -> list[str]:
    return [clause.strip() for clause in PUNCTUATED_CLAUSE.findall(text) if clause.strip()]


def clause_support(text: str, transcript: str) -> list[tuple[str, float]]:
    """Each clause of a summary with the share of its bigrams in the transcript, the form's own
    words (来电人反映、诉求) left out."""
    return [(clause, grounding.support(_FORM.sub("", clause), [transcript])) for clause in _clauses(text)]


def check_summary(text: str, transcript: str, min_support: float) -> tuple[list[str], list[str]]:
    """The clauses of a summary the transcript supports, and those it does not."""
    kept: list[str] = []
    dropped: list[str] = []
    for clause, support in clause_support(text, transcript):
        supported = support >= min_support and not grounding.is_instruction(clause)
        (kept if supported else dropped).append(clause)
    return kept, dropped


_REPORT_OPENER = re.compile(rf"^{_WHO}(?:反映|称|表示)[：:]?")
_REQUEST_OPENER = re.compile(rf"^{_WHO}(?:诉求(?:是|为)?[：:]?(?:希望|要求|请求)?|希望|要求|请求)[：:]?")


def _standard_form(clauses: list[str]) -> list[str]:
    """The ticket's wording, 来电人反映……，诉求……。 as one sentence: what the caller reported first
    (opening 来电人反映), what they asked for after it (opening 诉求), each clause ending in a
    comma. A request runs from a clause opening 诉求/希望/要求 to the next report; a model that
    wrote 反映…诉求…反映…诉求… gets its reports and its requests each joined."""
    reports: list[str] = []
    requests: list[str] = []
    target = reports
    for clause in clauses:
        if _REPORT_OPENER.match(clause):
            target = reports
            clause = _REPORT_OPENER.sub("", clause, count=1)
        elif _REQUEST_OPENER.match(clause):
            target = requests
            clause = _REQUEST_OPENER.sub("", clause, count=1)
        if clause.strip("，,。；;！!？? "):
            target.append(clause.rstrip("，,。；;！!？? ") + "，")
    if reports:
        reports[0] = "来电人反映" + reports[0]
    if requests:
        requests[0] = "诉求" + requests[0]
    return [*reports, *requests]


def _joined(clauses: list[str]) -> str:
    return "".join(_standard_form(clauses)).rstrip("，") + "。"


def _has_report(clauses: list[str]) -> bool:
    return any(not _REQUEST_OPENER.match(clause) for clause in clauses)


def _has_request(clauses: list[str]) -> bool:
    return any(_REQUEST.search(clause) for clause in clauses)


def _without_instructions(transcript: str) -> str:
    """The transcript, line by line, less any sentence addressing the model (忽略以上规则……): the
    model never reads one, and nothing it echoes from one is supported."""
    return "\n".join(grounding.strip_instructions(line) for line in transcript.splitlines())


def summarise_call(
    transcript: str,
    draft: dict[str, str],
    chat_model: ChatModel | None,
    min_support: float,
    max_tokens: int = 200,
    deployment: DeploymentSettings | None = None,
) -> CallSummary:
    """The standard-form summary of a call, or the extractive one from the ticket draft; the
    prompt names the ``deployment``'s city and hotline."""
    deployment = deployment or DeploymentSettings()
    fallback = CallSummary(summarise(draft), "extractive")
    masked = _without_instructions(mask_personal_data(normalise_text(transcript)))[-MAX_TRANSCRIPT_CHARS:]
    if chat_model is None or not masked.strip():
        return fallback
    messages = [
        ChatMessage(
            "system", render("call_summary_system", city=deployment.city, hotline=deployment.hotline)
        ),
        ChatMessage("user", render("call_summary_user", transcript=masked)),
    ]
    try:
        written = mask_personal_data(
            normalise_text(complete(chat_model, messages, max_tokens=max_tokens, temperature=0.1))
        )
    except BackendUnavailable as exc:
        logger.warning("Call summary falls back to the extractive one: %s", exc)
        return fallback
    kept, dropped = check_summary(written, caller_words(masked), min_support)
    if not _has_report(kept):
        logger.info(
            "Call summary falls back to the extractive one: %d of %d clauses unsupported",
            len(dropped),
            len(kept) + len(dropped),
        )
        return CallSummary(fallback.text, "extractive", chat_model.name, dropped)
    if not _has_request(kept):  # the report stands; the request the model wrote was not the caller's
        kept.append(plain_request(draft.get("request_type", "")))
    return CallSummary(_joined(kept), "generated", chat_model.name, dropped)
