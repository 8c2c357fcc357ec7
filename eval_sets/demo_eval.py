"""The demo question set (eval_sets/demo/questions.jsonl) scored against a live knowledge base.

Used by the staff console (through ``POST /v1/admin/evaluate``) and ``govassist bench demo``.
Scores: retrieval hit@5 (the expected source or an alternative in the top five), answered
rate and keyword accuracy (every answer keyword in the answer) on answerable questions,
refusal accuracy on the questions the knowledge base cannot or must not answer, and the
answer latency p50 per kind of question and per answer mode (faq / generated / extractive / refusal).
"""

from __future__ import annotations

import json
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from assistant.access import Access
from assistant.answering.chain import AnswerChain
from assistant.documents import SearchHit
from assistant.retrieval.search import HybridSearcher

QUESTIONS = Path(__file__).resolve().parent / "demo" / "questions.jsonl"
DEMO_KB = Path(str(files("ingest") / "demo_kb"))  # package data of ingest, so installed services have it


def load(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def is_target(source: str, faq_question: str, targets: list[str]) -> bool:
    """Whether a passage (its source file's name, its FAQ question if any) is one of the targets: a
    file path under the demo KB (its name is compared), or 'faq:' + an FAQ question."""
    for target in targets:
        if target.startswith("faq:") and faq_question == target[4:]:
            return True
        if not target.startswith("faq:") and Path(source).name == Path(target).name:
            return True
    return False


def answers_from(hit: SearchHit, targets: list[str]) -> bool:
    """Whether the hit is one of the question's sources."""
    return is_target(hit.chunk.metadata.source, hit.chunk.question, targets)


def evaluate(
    searcher: HybridSearcher,
    chain: AnswerChain,
    questions: list[dict[str, Any]] | None = None,
    access: Access | None = None,
) -> dict[str, Any]:
    """Score the questions as a caller with ``access`` (the public's when None) is answered."""
    questions = questions or load()
    per_kind: dict[str, dict[str, int]] = {}
    seconds: dict[str, list[float]] = {}
    for question in questions:
        kind = question["kind"]
        counts = per_kind.setdefault(
            kind, {"questions": 0, "found": 0, "answered": 0, "keywords": 0, "refused": 0}
        )
        counts["questions"] += 1
        started = time.perf_counter()
        answer = chain.answer(question["question"], access=access)
        seconds.setdefault(kind, []).append(time.perf_counter() - started)
        seconds.setdefault(f"mode:{answer.mode}", []).append(time.perf_counter() - started)
        if question["expected_doc"]:
            targets = [question["expected_doc"], *question.get("also_in", [])]
            hits = searcher.search(question["question"], top_k=5, access=access).hits
            counts["found"] += any(answers_from(hit, targets) for hit in hits)
            counts["answered"] += answer.status == "answered"
            counts["keywords"] += all(k in answer.text for k in question["answer_keywords"])
        else:
            counts["refused"] += answer.status != "answered"
    rows = []
    for kind, c in sorted(per_kind.items()):
        answerable = kind not in ("no_answer", "out_of_scope")
        n = c["questions"]
        rows.append(
            {
                "kind": kind,
                "questions": n,
                "hit@5": c["found"] / n if answerable else None,
                "answered": c["answered"] / n if answerable else None,
                "keywords": c["keywords"] / n if answerable else None,
                "refused": None if answerable else c["refused"] / n,
                "p50_ms": float(np.percentile(seconds[kind], 50) * 1000),
            }
        )
    by_mode = {
        key[5:]: float(np.percentile(values, 50) * 1000)
        for key, values in seconds.items()
        if key.startswith("mode:")
    }
    return {"rows": rows, "p50_ms_by_mode": by_mode}
