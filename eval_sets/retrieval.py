"""``govassist bench retrieval``: hit@k, MRR and latency of the search pipeline and baselines.

The documents are ingested with the real pipeline into a fresh embedded index; then the same
questions run through: the hybrid pipeline (default settings), hybrid with RRF fusion, BM25 over
jieba words alone, BM25 over words and character bigrams, dense alone, and a plain llama-index ``VectorStoreIndex`` with the same embedder and
default settings (what a user would build in ten minutes). Gold: each question's
``source_doc_id``, or the document whose text equals its ``answer`` (FAQ sets). With
``scale_to``, the hybrid pipeline runs again on an index padded with synthetic chunks, every
question embedded anew, so its latency is what a citizen waits for.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.documents import SearchFilters
from assistant.retrieval import lexical
from assistant.retrieval.embedding_cache import CachedEmbedder
from assistant.retrieval.index import IndexPoint
from assistant.retrieval.search import HybridSearcher
from assistant.wiring import Services
from eval_sets.datasets import questions_with_gold
from eval_sets.metrics import latency_metrics, rank_of, ranking_metrics
from ingest.pipeline import ingest_paths
from ingest.readers import ReadOptions

SearchFunction = Callable[[str], list[str]]  # question -> ranked doc ids


@dataclass
class Question:
    text: str
    gold_doc_id: str


def load_questions(questions_path: Path, docs_path: Path, limit: int | None = None) -> list[Question]:
    questions = [
        Question(record["question"], gold) for record, gold in questions_with_gold(questions_path, docs_path)
    ]
    return questions[:limit] if limit else questions


def _evaluate(name: str, search: SearchFunction, questions: list[Question]) -> dict[str, Any]:
    ranks, seconds = [], []
    for question in questions:
        started = time.perf_counter()
        ranked = search(question.text)
        seconds.append(time.perf_counter() - started)
        ranks.append(rank_of(question.gold_doc_id, ranked))
    return {"system": name, **ranking_metrics(ranks), **latency_metrics(seconds)}


def _pipeline_search(services: Services, uncached_queries: bool = False, **overrides: Any) -> SearchFunction:
    """The pipeline with these search settings; ``uncached_queries``: every question embedded
    anew (the other systems reuse the question vectors the first one computed)."""
    settings = services.settings.search.model_copy(update={"top_k": 30, **overrides})
    embedder = services.embedder
    if uncached_queries and isinstance(embedder, CachedEmbedder):
        embedder = embedder.inner
    searcher = HybridSearcher(services.index, embedder, services.manifests, settings)

    def search(question: str) -> list[str]:
        hits = searcher.search(question, filters=SearchFilters(include_expired=True)).hits
        return [hit.chunk.doc_id for hit in hits]

    return search


def _llama_index_search(services: Services, docs_path: Path) -> SearchFunction:
    from eval_sets.llama_baseline import build_llama_index_retriever

    search: SearchFunction = build_llama_index_retriever(services.embedder, docs_path)
    return search


def _pad_index(services: Services, target_chunks: int, seed: int = 0) -> int:
    """Grow the index to ``target_chunks`` points with synthetic chunks, for latency at scale.

    Each filler point reuses the BM25 vector of a random real chunk (so posting lists keep their
    real shape) and a random unit dense vector. Fillers belong to no live document version, so
    they cost search time but never appear in results.
    """
    real = list(services.index.scroll())
    missing = target_chunks - len(real)
    if missing <= 0 or not real:
        return 0
    rng = np.random.default_rng(seed)
    manifest = services.knowledge_base.manifest()
    averages = {channel: manifest.average_chunk_length(channel) for channel in lexical.CHANNELS}
    sparse = [
        {
            channel: lexical.encode_document(tokens, averages[channel])
            for channel, tokens in lexical.analyse(payload["text"]).items()
        }
        for _, payload in real
    ]
    for start in range(0, missing, 2048):
        count = min(2048, missing - start)
        dense = rng.normal(size=(count, services.embedder.dimension)).astype(np.float32)
        dense /= np.linalg.norm(dense, axis=1, keepdims=True)
        points = [
            IndexPoint(
                str(uuid.UUID(int=start + offset + 1)),
                dense[offset],
                sparse[int(rng.integers(len(sparse)))],
                {"doc_id": f"filler-{start + offset}", "content_hash": "filler", "text": ""},
            )
            for offset in range(count)
        ]
        services.index.upsert(points)
    return missing


def run(
    docs_path: Path,
    questions_path: Path,
    kind: str = "policy",
    limit: int | None = None,
    with_llama_index: bool = True,
    scale_to: int = 0,
) -> dict[str, Any]:
    questions = load_questions(questions_path, docs_path, limit)
    with tempfile.TemporaryDirectory(prefix="govassist-bench-") as work_dir:
        settings = Settings(data_dir=Path(work_dir), models_dir=Settings().model_cache())
        services = Services(settings)
        started = time.perf_counter()
        report = ingest_paths(
            [docs_path], services.knowledge_base, settings.ingest, ReadOptions.with_overrides({"kind": kind})
        )
        ingest_seconds = time.perf_counter() - started
        stats = services.knowledge_base.stats()
        services.index.optimize()
        systems: list[tuple[str, SearchFunction]] = [
            ("hybrid", _pipeline_search(services)),
            (
                "hybrid-rrf",
                _pipeline_search(
                    services, fusion="rrf", sparse_weight=1.0, bigram_weight=1.0, dense_weight=1.0
                ),
            ),
            ("bm25", _pipeline_search(services, sparse_weight=1.0, dense_weight=0.0, bigram_weight=0.0)),
            (
                "bm25+bigrams",
                _pipeline_search(services, sparse_weight=1.0, bigram_weight=1.0, dense_weight=0.0),
            ),
            ("dense", _pipeline_search(services, sparse_weight=0.0, bigram_weight=0.0)),
        ]
        if with_llama_index:
            systems.append(("llama-index", _llama_index_search(services, docs_path)))
        rows = [_evaluate(name, search, questions) for name, search in systems]
        if scale_to:
            _pad_index(services, scale_to)
            started = time.perf_counter()
            services.index.optimize()
            optimize_seconds = time.perf_counter() - started
            scaled = _evaluate(
                f"hybrid@{services.index.count()}",
                _pipeline_search(services, uncached_queries=True),
                questions,
            )
            rows.append({**scaled, "hit@1": None, "hit@5": None, "hit@10": None, "mrr@10": None})
        services.close()
    return {
        "docs": str(docs_path),
        "questions": len(questions),
        "documents": stats.documents,
        "chunks": stats.chunks,
        "ingest_s": round(ingest_seconds, 1),
        "failed_files": len(report.failed),
        "optimize_s": round(optimize_seconds, 1) if scale_to else None,
        "rows": rows,
    }
