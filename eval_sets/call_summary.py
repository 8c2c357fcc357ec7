"""``govassist bench summary``: the call summary (``assistant.hotline.call_summary``) scored on
written calls (``eval_sets/call_summaries/``) and, with no references, on real citizen messages.

Each call is summarised twice: by the packaged local chat model the service uses (its summary
checked and, when the check leaves no 反映 or 诉求, replaced by the extractive one, exactly as the
route does) and by the extractive summary alone. Per path: key-fact recall, the share of summaries
with a forbidden fact, unmasked personal numbers (must be 0), form compliance (来电人反映……，诉求……。
in one sentence), the share that fell back, clauses the check dropped, clause support against the
transcript (``grounding.support``, the share under the service's minimum), whether the summary
reads as the expected request type, length and seconds. Nothing is cached: every run calls the
model. Messages are a caller's monologue: no key facts, so only what needs no reference is scored.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answering import grounding
from assistant.answering.chat_models import ChatModel
from assistant.config import Settings
from assistant.hotline.assist import ticket_draft
from assistant.hotline.call_summary import CallSummary, clause_support, summarise_call
from assistant.privacy import find_personal_data, mask_personal_data
from assistant.text_normalisation import normalise_text
from assistant.wiring import Services

CALLS = Path(__file__).parent / "call_summaries" / "calls.jsonl"
REQUEST_TYPES = ("投诉求助", "咨询", "建言")


@dataclass(frozen=True)
class Call:
    id: str
    split: str
    transcript: str
    request_type: str = ""
    key_facts: tuple[tuple[str, ...], ...] = ()
    forbidden: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()


def load_calls(path: Path = CALLS, split: str | None = None) -> list[Call]:
    calls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if split in (None, row["split"]):
            calls.append(
                Call(
                    row["id"],
                    row["split"],
                    row["transcript"],
                    row["request_type"],
                    tuple(tuple(group) for group in row["key_facts"]),
                    tuple(row["forbidden"]),
                    tuple(row["personal"]),
                )
            )
    return calls


def load_messages(path: Path, sample: int, seed: int = 0) -> list[Call]:
    """A seeded sample of citizen messages as calls without references (投诉/求助 read as 投诉求助)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = random.Random(seed).sample(rows, min(sample, len(rows)))
    return [
        Call(row["id"], "messages", row["question"], (row.get("label_type") or "").replace("/", ""))
        for row in chosen
    ]


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", normalise_text(text))


def key_fact_recall(summary: str, key_facts: Sequence[Sequence[str]]) -> float | None:
    """Share of the key facts found (a fact is found when any of its alternatives is in the summary)."""
    if not key_facts:
        return None
    text = _plain(summary)
    return sum(any(_plain(alternative) in text for alternative in group) for group in key_facts) / len(
        key_facts
    )


def forbidden_found(summary: str, forbidden: Sequence[str]) -> list[str]:
    text = _plain(summary)
    return [fact for fact in forbidden if _plain(fact) in text]


def personal_leaks(summary: str, personal: Sequence[str]) -> int:
    """Personal numbers readable in the summary: the call's own, whole, and any number the masking
    finds (a masked one, 138****5678, is not a leak)."""
    text = _plain(summary)
    whole = [value for value in personal if _plain(value) in text]
    found = [span for span in find_personal_data(text) if span.text not in whole]
    return len(whole) + len(found)


def in_standard_form(summary: str) -> bool:
    """来电人反映……，诉求……。 as one sentence."""
    return (
        summary.startswith("来电人反映")
        and "诉求" in summary
        and len(grounding.split_sentences(summary)) == 1
    )


@dataclass(frozen=True)
class Scored:
    call: Call
    summary: CallSummary
    seconds: float
    supports: tuple[float, ...]
    request_type: str


def score_rows(path: str, scored: Sequence[Scored], min_support: float) -> dict[str, Any]:
    """One table row: the means over a path's summaries."""
    n = len(scored)
    recalls = [r for s in scored if (r := key_fact_recall(s.summary.text, s.call.key_facts)) is not None]
    supports = [value for s in scored for value in s.supports]
    typed = [s for s in scored if s.call.request_type in REQUEST_TYPES]
    return {
        "system": path,
        "calls": n,
        "key_fact_recall": sum(recalls) / len(recalls) if recalls else None,
        "forbidden_rate": sum(bool(forbidden_found(s.summary.text, s.call.forbidden)) for s in scored) / n,
        "personal_leaks": sum(personal_leaks(s.summary.text, s.call.personal) for s in scored),
        "form_ok": sum(in_standard_form(s.summary.text) for s in scored) / n,
        "fallback": sum(s.summary.mode == "extractive" for s in scored) / n,
        "dropped_per_call": sum(len(s.summary.dropped) for s in scored) / n,
        "mean_support": sum(supports) / len(supports) if supports else None,
        "unsupported": sum(value < min_support for value in supports) / len(supports) if supports else None,
        "type_agree": sum(s.request_type == s.call.request_type for s in typed) / len(typed)
        if typed
        else None,
        "chars": sum(len(s.summary.text) for s in scored) / n,
        "s_per_summary": sum(s.seconds for s in scored) / n,
    }


def summarise_calls(services: Services, calls: Sequence[Call]) -> dict[str, list[Scored]]:
    settings = services.settings
    model: ChatModel | None = services.chat_model
    classify = services.call_triage.classifier("request_type")
    paths: dict[str, ChatModel | None] = {"extractive": None}
    if model is not None:
        paths[model.name] = model
    results: dict[str, list[Scored]] = {name: [] for name in paths}
    for call in calls:
        draft = ticket_draft(services.call_triage.analyse(call.transcript))
        masked = mask_personal_data(normalise_text(call.transcript))
        for name, chat_model in paths.items():
            start = time.perf_counter()
            summary = summarise_call(
                call.transcript,
                draft,
                chat_model,
                settings.hotline.summary_min_support,
                settings.llm.max_tokens,
                deployment=settings.deployment,
            )
            seconds = time.perf_counter() - start
            supports = tuple(support for _, support in clause_support(summary.text, masked))
            kind = classify.explain(summary.text).label  # the type the summary reads as
            results[name].append(Scored(call, summary, seconds, supports, kind))
    return results


def _failures(scored: Sequence[Scored]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.call.id,
            "mode": s.summary.mode,
            "text": s.summary.text,
            "missed": [
                group[0]
                for group in s.call.key_facts
                if not any(_plain(alternative) in _plain(s.summary.text) for alternative in group)
            ],
            "forbidden": forbidden_found(s.summary.text, s.call.forbidden),
            "dropped": s.summary.dropped,
            "form_ok": in_standard_form(s.summary.text),
        }
        for s in scored
    ]


def run(
    split: str | None = None,
    limit: int | None = None,
    messages: Path | None = None,
    sample: int = 20,
    seed: int = 0,
) -> dict[str, Any]:
    """Rows per split and path for the written calls (``limit`` per split; 0 for none), and for a
    sample of ``messages`` when given; each summary with what it missed, as ``summaries``."""
    groups: dict[str, list[Call]] = {}
    for call in load_calls(split=split):
        groups.setdefault(call.split, [])
        if limit is None or len(groups[call.split]) < limit:
            groups[call.split].append(call)
    if messages is not None:
        groups["messages"] = load_messages(messages, sample, seed)
    rows: list[dict[str, Any]] = []
    summaries: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="govassist-summary-") as work:
        settings = Settings(data_dir=Path(work), models_dir=Settings().model_cache())
        services = Services(settings)
        for group, calls in groups.items():
            if not calls:
                continue
            for path, scored in summarise_calls(services, calls).items():
                rows.append(
                    {"split": group, **score_rows(path, scored, settings.hotline.summary_min_support)}
                )
                summaries[f"{group}/{path}"] = _failures(scored)
        services.close()
    return {"rows": rows, "summaries": summaries}
