"""Completeness of answers to list questions on the demo knowledge base (``govassist bench lists``).

Each question of ``eval_sets/lists/questions.jsonl`` names a demo guide and the section whose list
answers it; the items are read from the ingested guide (the section's top-level list items), not
written down, so the count follows the guides. Per answer mode (extractive; the local model on
the first N questions), with the official FAQ first turned off so that every answer is written
from the guides: answers carrying every item, items carried (``completeness.carried``), final
sentences not supported by what they cite (as ``bench answers`` counts them), sentences streamed
to the citizen that the final answer no longer has, first shown text and whole answer p50.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering import completeness, grounding
from assistant.answering import evidence as evidence_selection
from assistant.answering.chain import AnswerChain
from assistant.answering.conversations import ConversationStore
from assistant.config import Settings
from assistant.wiring import Services
from eval_sets import demo_eval
from eval_sets.answers import unsupported_sentences
from ingest.pipeline import ingest_paths

QUESTIONS = Path(__file__).resolve().parent / "lists" / "questions.jsonl"


@dataclass
class ListQuestion:
    question: str
    items: list[str]


def section_items(services: Services, source: str, section: str) -> list[str]:
    """The top-level list items of the guide's section whose heading names ``section``."""
    entry = next(e for e in services.knowledge_base.manifest().documents.values() if e.source == source)
    chunks = services.searcher.document(entry.doc_id)
    for hit in evidence_selection.document_sections(chunks):
        if section in hit.chunk.heading_path[0]:
            items = [line for line in hit.chunk.text.splitlines() if grounding.LIST_ITEM.match(line)]
            return [item for item in items if grounding.mark_style(item) == grounding.mark_style(items[0])]
    raise LookupError(f"{source} has no section named {section}")


def load(services: Services, path: Path = QUESTIONS) -> list[ListQuestion]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [ListQuestion(r["question"], section_items(services, r["source"], r["section"])) for r in records]


def evaluate(
    name: str, chain: AnswerChain, questions: list[ListQuestion], min_support: float
) -> dict[str, Any]:
    complete = carried = items = unsupported = sentences = withdrawn = 0
    firsts, totals = [], []
    for question in questions:
        started, first, answer, streamed = time.perf_counter(), None, None, ""
        for event in chain.stream(question.question):
            first = first if first is not None else time.perf_counter() - started
            answer = event.answer or answer
            streamed += event.text if event.kind == "delta" else ""
        assert answer is not None
        withdrawn += sum(s not in answer.text for s in grounding.split_sentences(streamed))
        totals.append(time.perf_counter() - started)
        firsts.append(first or 0.0)
        found = sum(completeness.carried(item, answer.text) for item in question.items)
        complete += found == len(question.items)
        carried, items = carried + found, items + len(question.items)
        bad, total = unsupported_sentences(answer, min_support)
        unsupported, sentences = unsupported + bad, sentences + total
    return {
        "mode": name,
        "questions": len(questions),
        "complete": complete / len(questions),
        "items_carried": carried / items,
        "unsupported": unsupported / sentences if sentences else 0.0,
        "shown_then_withdrawn": withdrawn,
        "ttft_p50_ms": float(np.percentile(firsts, 50) * 1000),
        "p50_ms": float(np.percentile(totals, 50) * 1000),
    }


def run(llm_limit: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="govassist-lists-") as work:
        settings = Settings(
            data_dir=Path(work), models_dir=Settings().model_cache(), answer={"faq_first": False}
        )
        services = Services(settings)
        ingest_paths([demo_eval.DEMO_KB], services.knowledge_base, settings.ingest)
        questions = load(services)
        args = (
            services.searcher,
            services.embedder,
            ConversationStore(services.database),
            settings.answer,
            settings.llm,
        )
        rows = [evaluate("extractive", AnswerChain(*args), questions, settings.answer.min_support)]
        if llm_limit and services.chat_model is not None:
            chain = AnswerChain(*args, services.chat_model)
            rows.append(
                evaluate(
                    f"faq off + {services.chat_model.name}",
                    chain,
                    questions[:llm_limit],
                    settings.answer.min_support,
                )
            )
        services.close()
    return {"rows": rows}
