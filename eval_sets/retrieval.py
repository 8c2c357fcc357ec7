"""``govassist bench retrieval``: hit@k, MRR and latency of the search pipeline and baselines.

The documents are ingested with the real pipeline into a fresh embedded index; then the same
questions run through: the hybrid pipeline (default settings), hybrid with RRF fusion, BM25
alone, dense alone, and a plain llama-index ``VectorStoreIndex`` with the same embedder and
default settings (what a user would build in ten minutes). Gold: each question's
``source_doc_id``, or the document whose text equals its ``answer`` (FAQ sets).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.documents import SearchFilters
from assistant.retrieval.search import HybridSearcher
from assistant.wiring import Services
from eval_sets.metrics import latency_metrics, rank_of, ranking_metrics
from ingest.pipeline import ingest_paths
from ingest.readers import ReadOptions

SearchFunction = Callable[[str], list[str]]  # question -> ranked doc ids


@dataclass
class Question:
    text: str
    gold_doc_id: str


def load_questions(questions_path: Path, docs_path: Path, limit: int | None = None) -> list[Question]:
    by_text = {}
    for line in docs_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            by_text.setdefault(record["text"], record["id"])
    questions = []
    for line in questions_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        gold = record.get("source_doc_id") or by_text.get(record.get("answer", ""))
        if gold:
            questions.append(Question(record["question"], gold))
    return questions[:limit] if limit else questions


def _evaluate(name: str, search: SearchFunction, questions: list[Question]) -> dict[str, Any]:
    ranks, seconds = [], []
    for question in questions:
        started = time.perf_counter()
        ranked = search(question.text)
        seconds.append(time.perf_counter() - started)
        ranks.append(rank_of(question.gold_doc_id, ranked))
    return {"system": name, **ranking_metrics(ranks), **latency_metrics(seconds)}


def _pipeline_search(services: Services, **overrides: Any) -> SearchFunction:
    settings = services.settings.search.model_copy(update={"top_k": 30, **overrides})
    searcher = HybridSearcher(services.index, services.embedder, services.manifests, settings)

    def search(question: str) -> list[str]:
        hits = searcher.search(question, filters=SearchFilters(include_expired=True)).hits
        return [hit.chunk.doc_id for hit in hits]

    return search


def _llama_index_search(services: Services, docs_path: Path) -> SearchFunction:
    from eval_sets.llama_baseline import build_llama_index_retriever

    return build_llama_index_retriever(services.embedder, docs_path)


def run(
    docs_path: Path,
    questions_path: Path,
    kind: str = "policy",
    limit: int | None = None,
    with_llama_index: bool = True,
) -> dict[str, Any]:
    questions = load_questions(questions_path, docs_path, limit)
    with tempfile.TemporaryDirectory(prefix="govassist-bench-") as work_dir:
        settings = Settings(data_dir=Path(work_dir))
        services = Services(settings)
        started = time.perf_counter()
        report = ingest_paths([docs_path], services.knowledge_base, settings.ingest, ReadOptions.with_overrides({"kind": kind}))
        ingest_seconds = time.perf_counter() - started
        stats = services.knowledge_base.stats()
        services.index.optimize()
        systems: list[tuple[str, SearchFunction]] = [
            ("hybrid", _pipeline_search(services)),
            ("hybrid-rrf", _pipeline_search(services, fusion="rrf", dense_weight=1.0)),
            ("bm25", _pipeline_search(services, dense_weight=0.0)),
            ("dense", _pipeline_search(services, sparse_weight=0.0)),
        ]
        if with_llama_index:
            systems.append(("llama-index", _llama_index_search(services, docs_path)))
        rows = [_evaluate(name, search, questions) for name, search in systems]
        services.close()
    return {
        "docs": str(docs_path),
        "questions": len(questions),
        "documents": stats.documents,
        "chunks": stats.chunks,
        "ingest_s": round(ingest_seconds, 1),
        "failed_files": len(report.failed),
        "rows": rows,
    }
