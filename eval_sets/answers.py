"""``govassist bench answers``: quality, refusals and speed of the answer chain, per mode.

Half of the documents are indexed (by a stable hash of their id); questions whose source is in
that half are *answerable*, the others must be refused (their source is not in the knowledge
base). Per mode (extractive; FAQ-first + local LLM when available) it reports, on answered
answerable questions: gold-span character recall and answer character-F1 against the reference
answers, and the source citation rate (gold document among the cited ones); over all answers:
the unsupported-sentence rate (final sentences whose cited passages do not support them) and the
share of generated sentences the check removed; refusal accuracy on unanswerable questions and
answered rate on answerable ones; latency p50/p95 and time to first token.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering import grounding
from assistant.answering.answer import Answer
from assistant.answering.chain import MAX_QUESTION_CHARS, AnswerChain
from assistant.answering.conversations import ConversationStore
from assistant.config import Settings
from assistant.documents import SearchFilters
from assistant.wiring import Services
from eval_sets.datasets import questions_with_gold, read_jsonl
from ingest.pipeline import ingest_paths
from ingest.readers import ReadOptions


@dataclass
class QA:
    question: str
    answer: str
    gold_doc_id: str
    answerable: bool
    twins: frozenset[str] = frozenset()  # near-duplicates of the gold document: answering from one is right


def without_indexed_twins(questions: list[QA], twins: dict[str, set[str]]) -> tuple[list[QA], int]:
    """The questions with their gold documents' near-duplicates attached; unanswerable ones whose
    source has an indexed near-duplicate are dropped (their answer is in the index). Returns the
    questions kept and how many were dropped."""
    kept, dropped = [], 0
    for qa in questions:
        others = frozenset(twins.get(qa.gold_doc_id, set()))
        if not qa.answerable and any(in_index(doc_id) for doc_id in others):
            dropped += 1
            continue
        kept.append(QA(qa.question, qa.answer, qa.gold_doc_id, qa.answerable, others))
    return kept, dropped


NEAR_DUPLICATE_JACCARD = 0.5


def in_index(doc_id: str) -> bool:
    return hashlib.sha1(doc_id.encode("utf-8")).digest()[0] % 2 == 0


def ingest_half(services: Services, docs_path: Path, work_dir: Path, kind: str) -> None:
    """Index the half of the corpus ``in_index`` selects."""
    half = work_dir / f"half-{docs_path.parent.name}-{docs_path.name}"
    kept = (
        json.dumps(record, ensure_ascii=False) for record in read_jsonl(docs_path) if in_index(record["id"])
    )
    half.write_text("\n".join(kept) + "\n", encoding="utf-8")
    ingest_paths(
        [half], services.knowledge_base, services.settings.ingest, ReadOptions.with_overrides({"kind": kind})
    )


def near_duplicates(docs_path: Path, threshold: float = NEAR_DUPLICATE_JACCARD) -> dict[str, set[str]]:
    """doc id → the other documents whose character-bigram sets have Jaccard similarity ≥ threshold
    (the same measure published by several provinces, the same answer under two questions)."""
    grams = {record["id"]: grounding.text_bigrams(record["text"]) for record in read_jsonl(docs_path)}
    postings: dict[str, list[str]] = {}
    for doc_id, bigrams in grams.items():
        for bigram in bigrams:
            postings.setdefault(bigram, []).append(doc_id)
    twins: dict[str, set[str]] = {}
    for doc_id, bigrams in grams.items():
        shared = Counter(other for bigram in bigrams for other in postings[bigram] if other != doc_id)
        for other, overlap in shared.items():
            if overlap / (len(bigrams) + len(grams[other]) - overlap) >= threshold:
                twins.setdefault(doc_id, set()).add(other)
    return twins


def load_questions(questions_path: Path, docs_path: Path, limit: int | None) -> list[QA]:
    questions = [
        QA(record["question"], record["answer"], gold, in_index(gold))
        for record, gold in questions_with_gold(questions_path, docs_path)
    ]
    return questions[:limit] if limit else questions


def char_scores(answer: str, gold: str) -> tuple[float, float]:
    """Character recall of the gold answer, and character F1 (multiset overlap, punctuation ignored)."""
    predicted, expected = Counter(_chars(answer)), Counter(_chars(gold))
    overlap = sum((predicted & expected).values())
    if not overlap:
        return 0.0, 0.0
    recall, precision = overlap / sum(expected.values()), overlap / sum(predicted.values())
    return recall, 2 * recall * precision / (recall + precision)


def _chars(text: str) -> list[str]:
    return [c for c in text.lower() if c.isalnum()]


def _timed(chain: AnswerChain, question: str) -> tuple[Answer, float, float]:
    started = time.perf_counter()
    first: float | None = None
    final = None
    for event in chain.stream(question, filters=SearchFilters(include_expired=True)):
        first = first if first is not None else time.perf_counter() - started
        final = event.answer or final
    assert final is not None
    return final, time.perf_counter() - started, first or 0.0


def unsupported_sentences(answer: Answer, min_support: float) -> tuple[int, int]:
    """Final sentences not supported by the passages they cite (an uncited one: by any cited), of all."""
    if answer.status != "answered" or answer.mode == "faq":
        return 0, 0
    quotes = {citation.number: citation.quote for citation in answer.citations}
    sentences = grounding.split_sentences(answer.text)
    bad = 0
    for sentence in sentences:
        numbers = grounding.cited_numbers(sentence) or list(quotes)  # uncited: any cited passage
        bad += grounding.support(sentence, [quotes.get(n, "") for n in numbers]) < min_support
    return bad, len(sentences)


def evaluate(name: str, chain: AnswerChain, questions: list[QA], min_support: float) -> dict[str, Any]:
    recalls, f1s, cited, latencies, first_tokens = [], [], [], [], []
    refused = answered = unsupported = sentences = 0
    questions = [
        qa for qa in questions if len(qa.question.strip()) <= MAX_QUESTION_CHARS
    ]  # the service refuses longer ones
    for qa in questions:
        answer, seconds, first = _timed(chain, qa.question)
        latencies.append(seconds)
        first_tokens.append(first)
        is_answered = answer.status == "answered"
        if not qa.answerable:
            refused += not is_answered
            continue
        answered += is_answered
        if is_answered:
            recall, f1 = char_scores(answer.text, qa.answer)
            recalls.append(recall)
            f1s.append(f1)
            cited.append(bool({qa.gold_doc_id, *qa.twins} & {c.doc_id for c in answer.citations}))
            bad, total = unsupported_sentences(answer, min_support)
            unsupported, sentences = unsupported + bad, sentences + total
    answerable = sum(qa.answerable for qa in questions)
    unanswerable = len(questions) - answerable
    return {
        "mode": name,
        "span_recall": float(np.mean(recalls)) if recalls else 0.0,
        "char_f1": float(np.mean(f1s)) if f1s else 0.0,
        "citation_rate": float(np.mean(cited)) if cited else 0.0,
        "refusal_acc": refused / unanswerable if unanswerable else 0.0,
        "answered_rate": answered / answerable if answerable else 0.0,
        "unsupported": unsupported / sentences if sentences else 0.0,
        "p50_ms": float(np.percentile(latencies, 50) * 1000),
        "p95_ms": float(np.percentile(latencies, 95) * 1000),
        "ttft_p50_ms": float(np.percentile(first_tokens, 50) * 1000),
        "questions": len(questions),
    }


def _chains(services: Services, with_llm: bool) -> Iterator[tuple[str, AnswerChain]]:
    conversations = ConversationStore(services.database)
    settings = services.settings
    yield (
        "extractive",
        AnswerChain(services.searcher, services.embedder, conversations, settings.answer, settings.llm),
    )
    model = services.chat_model if with_llm else None
    if model is not None:
        yield (
            f"faq+{model.name}",
            AnswerChain(
                services.searcher, services.embedder, conversations, settings.answer, settings.llm, model
            ),
        )


def run(
    docs_path: Path, questions_path: Path, kind: str = "policy", limit: int | None = None, llm_limit: int = 40
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="govassist-answers-") as work:
        # The dev sets are national documents, not one city's: no "other region" refusals.
        settings = Settings(
            data_dir=Path(work), models_dir=Settings().model_cache(), answer={"service_regions": []}
        )
        services = Services(settings)
        ingest_half(services, docs_path, Path(work), kind)
        questions, dropped = without_indexed_twins(
            load_questions(questions_path, docs_path, limit), near_duplicates(docs_path)
        )
        rows = []
        for name, chain in _chains(services, with_llm=llm_limit > 0):
            sample = questions if name == "extractive" else questions[:llm_limit]
            rows.append(evaluate(name, chain, sample, settings.answer.min_support))
        services.close()
    return {
        "docs": str(docs_path),
        "indexed_documents": "half",
        "dropped_near_duplicates": dropped,
        "rows": rows,
    }
