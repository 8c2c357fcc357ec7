"""``govassist bench refusal``: the refusal bank against a fresh demo knowledge base.

Per group it reports the false-answer rate (a must-refuse question answered) or the false-refusal
rate (a must-answer question refused), and for must-answer questions how often the answer cites
one of the question's sources and contains its keywords. Rows for the dev half (what the
answerability model was fitted on) and the test half (what it never saw), and for both together.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.wiring import Services
from eval_sets.demo_eval import DEMO_KB
from eval_sets.refusal import bank
from ingest.pipeline import ingest_paths


def demo_services(work: Path) -> Services:
    """A fresh demo knowledge base with extractive answers (what is judged does not depend on a model)."""
    settings = Settings(data_dir=work, models_dir=Settings().model_cache(), llm={"backend": "extractive"})
    services = Services(settings)
    ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
    return services


def evaluate(services: Services, questions: list[bank.LabelledQuestion]) -> dict[str, Any]:
    chain = services.answer_chain
    outcomes: dict[tuple[str, str], list[dict[str, bool]]] = defaultdict(list)
    failures, seconds = [], []
    for question in questions:
        started = time.perf_counter()
        answer = chain.answer(question.question)
        seconds.append(time.perf_counter() - started)
        answered = answer.status == "answered"
        outcome = {"answered": answered}
        if question.answerable:
            outcome["cited"] = answered and any(question.is_cited(c) for c in answer.citations)
            outcome["keywords"] = answered and all(k in answer.text for k in question.keywords)
            wrong = not outcome["cited"]
        else:
            wrong = answered
        if wrong:
            failures.append(
                {
                    "id": question.id,
                    "question": question.question,
                    "status": answer.status,
                    "cited": [c.title for c in answer.citations],
                }
            )
        for split in (question.split, "all"):
            outcomes[(split, ("answer:" if question.answerable else "refuse:") + question.group)].append(
                outcome
            )
            outcomes[(split, "answer:ALL" if question.answerable else "refuse:ALL")].append(outcome)
    rows = []
    for (split, key), results in sorted(outcomes.items()):
        must_answer = key.startswith("answer:")
        n = len(results)
        rows.append(
            {
                "split": split,
                "group": key,
                "questions": n,
                "false_answer": None if must_answer else sum(r["answered"] for r in results) / n,
                "false_refusal": sum(not r["answered"] for r in results) / n if must_answer else None,
                "cited_source": sum(r["cited"] for r in results) / n if must_answer else None,
                "keywords": sum(r["keywords"] for r in results) / n if must_answer else None,
            }
        )
    return {"rows": rows, "failures": failures, "p50_ms": float(np.percentile(seconds, 50) * 1000)}


def run(split: str | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="govassist-refusal-") as work:
        services = demo_services(Path(work))
        result = evaluate(services, bank.load(split))
        services.close()
    return result
