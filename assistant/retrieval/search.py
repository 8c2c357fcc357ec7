"""Hybrid search: BM25 over jieba tokens plus dense vectors, fused, filtered, optionally reranked.

Steps, each a small function: encode the query (tokens + synonyms, embedding) → fetch candidates
per channel with the payload filters → drop chunks of document versions that are not live →
fuse → optionally rerank → top k. Every hit keeps each channel's score and rank, so the staff
console can show exactly why it ranked where it did.

Two fusions (``search.fusion``), chosen by measurement (``govassist bench retrieval``):
- ``score`` (default): BM25 score / best BM25 score + ``dense_weight`` x cosine. The cosine is
  fetched for the top ``rescore_depth`` BM25 candidates too, so dense similarity re-orders the
  keyword candidates. The packaged dense model is weak on Chinese; used this way it still helps.
- ``rrf``: weighted reciprocal-rank fusion, Σ weight / (rrf_k + rank). With the packaged model it
  ranks below BM25 alone on both dev sets; with a strong embedder (bge-m3) it is the usual choice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from assistant.config import SearchSettings
from assistant.documents import Chunk, ScoreBreakdown, SearchFilters, SearchHit
from assistant.retrieval import lexical
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.index import FilterSpec, IndexMatch, VectorIndex
from assistant.retrieval.manifest import ManifestStore
from assistant.retrieval.reranking import Reranker

logger = logging.getLogger(__name__)


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit]
    query_terms: list[str] = field(default_factory=list)
    filters: FilterSpec | None = None


@dataclass
class Candidates:
    sparse: list[IndexMatch]
    dense: list[IndexMatch]


class HybridSearcher:
    def __init__(
        self,
        index: VectorIndex,
        embedder: Embedder,
        manifests: ManifestStore,
        settings: SearchSettings,
        reranker: Reranker | None = None,
    ) -> None:
        self._index = index
        self._embedder = embedder
        self._manifests = manifests
        self._settings = settings
        self._reranker = reranker

    def search(self, query: str, top_k: int | None = None, filters: SearchFilters | None = None) -> SearchResult:
        top_k = top_k or self._settings.top_k
        manifest = self._manifests.load()
        if manifest.documents:
            manifest.check_embedder(self._embedder.name, self._embedder.dimension)
        spec = FilterSpec.from_filters(filters)
        candidates = self._fetch(query, spec)
        live = manifest.live_versions()
        candidates = Candidates(_live_only(candidates.sparse, live), _live_only(candidates.dense, live))
        hits = self._fuse(candidates)
        if self._reranker is not None and hits:
            hits = self._reranker.rerank(query, hits[: self._reranker.top_n])
        return SearchResult(query, hits[:top_k], lexical.tokenize(query), spec)

    def _fetch(self, query: str, spec: FilterSpec) -> Candidates:
        settings = self._settings
        sparse: list[IndexMatch] = []
        if settings.sparse_weight:
            sparse_query = lexical.encode_query(query, use_synonyms=settings.use_synonyms)
            sparse = self._index.search_sparse(sparse_query, settings.candidates, spec)
        if not settings.dense_weight:
            return Candidates(sparse, [])
        vector = self._embedder.embed_query(query)
        dense = self._index.search_dense(vector, settings.candidates, spec)
        if settings.fusion == "score":
            known = {match.point_id for match in dense}
            missing = [m.point_id for m in sparse[: settings.rescore_depth] if m.point_id not in known]
            if missing:
                dense += self._index.search_dense(vector, len(missing), spec.restricted_to(missing))
        return Candidates(sparse, dense)

    def _fuse(self, candidates: Candidates) -> list[SearchHit]:
        settings = self._settings
        if settings.fusion == "rrf":
            return fuse_rrf(candidates, settings.rrf_k, settings.sparse_weight, settings.dense_weight)
        return fuse_scores(candidates, settings.sparse_weight, settings.dense_weight)


def _live_only(matches: list[IndexMatch], live: dict[str, str]) -> list[IndexMatch]:
    return [m for m in matches if live.get(m.payload.get("doc_id", "")) == m.payload.get("content_hash")]


def _breakdowns(candidates: Candidates) -> tuple[dict[str, ScoreBreakdown], dict[str, dict]]:
    """Each candidate's per-channel score and rank (rank only within the channel's own top list)."""
    breakdowns: dict[str, ScoreBreakdown] = {}
    payloads: dict[str, dict] = {}
    for rank, match in enumerate(candidates.sparse, start=1):
        entry = breakdowns.setdefault(match.point_id, ScoreBreakdown())
        entry.sparse, entry.sparse_rank = match.score, rank
        payloads[match.point_id] = match.payload
    ranked_dense = sorted(candidates.dense, key=lambda match: match.score, reverse=True)
    for rank, match in enumerate(ranked_dense, start=1):
        entry = breakdowns.setdefault(match.point_id, ScoreBreakdown())
        entry.dense, entry.dense_rank = match.score, rank
        payloads[match.point_id] = match.payload
    return breakdowns, payloads


def _ranked(breakdowns: dict[str, ScoreBreakdown], payloads: dict[str, dict]) -> list[SearchHit]:
    ranked = sorted(breakdowns.items(), key=lambda item: item[1].fused, reverse=True)
    return [SearchHit(Chunk.from_payload(payloads[pid]), scores.fused, scores) for pid, scores in ranked]


def fuse_scores(candidates: Candidates, sparse_weight: float, dense_weight: float) -> list[SearchHit]:
    breakdowns, payloads = _breakdowns(candidates)
    best_sparse = max((m.score for m in candidates.sparse), default=0.0)
    for entry in breakdowns.values():
        keyword = (entry.sparse or 0.0) / best_sparse if best_sparse > 0 else 0.0
        entry.fused = float(sparse_weight * keyword + dense_weight * np.float32(entry.dense or 0.0))
    return _ranked(breakdowns, payloads)


def fuse_rrf(candidates: Candidates, rrf_k: int, sparse_weight: float, dense_weight: float) -> list[SearchHit]:
    breakdowns, payloads = _breakdowns(candidates)
    for entry in breakdowns.values():
        entry.fused = sum(
            weight / (rrf_k + rank)
            for weight, rank in ((sparse_weight, entry.sparse_rank), (dense_weight, entry.dense_rank))
            if rank is not None
        )
    return _ranked(breakdowns, payloads)
