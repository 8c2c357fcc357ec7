"""Hybrid search: BM25 over jieba words and over character bigrams, plus dense vectors; fused,
filtered, optionally reranked.

Steps, each a small function: fetch candidates per channel with the payload filters → drop
chunks of document versions that are not live → fuse → optionally rerank → top k. Every hit
keeps each channel's score and rank, so the staff console can show why it ranked where it did.

Two fusions (``search.fusion``), chosen by measurement (``govassist bench retrieval``):
- ``score`` (default): each channel's scores min-max normalised over its candidates (a chunk a
  channel did not return counts as that channel's minimum), then Σ weight x normalised score.
  The cosine is fetched for the top ``rescore_depth`` BM25 candidates too, so every keyword
  candidate is also judged by meaning. With the packaged e5 model the dense channel carries most
  weight: citizens rarely use the documents' words (measured on the msgabench FAQ dev set, the
  ncp policy set and the written colloquial bank: BENCHMARKS.md).
- ``rrf``: weighted reciprocal-rank fusion, Σ weight / (rrf_k + rank).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.access import Access
from assistant.config import SearchSettings
from assistant.documents import Chunk, ScoreBreakdown, SearchFilters, SearchHit
from assistant.retrieval import lexical, lexicon
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.index import DENSE, FilterSpec, IndexMatch, IndexQuery, VectorIndex
from assistant.retrieval.manifest import ManifestStore
from assistant.retrieval.reranking import Reranker
from assistant.text_normalisation import normalise_query

logger = logging.getLogger(__name__)
_DOCUMENT_CHUNKS = 500  # the most chunks of one document quoted from


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit]
    query_terms: list[str] = field(default_factory=list)
    filters: FilterSpec | None = None


@dataclass
class Candidates:
    """Each channel's matches, best first: BM25 over words and bigrams, and dense."""

    words: list[IndexMatch] = field(default_factory=list)
    bigrams: list[IndexMatch] = field(default_factory=list)
    dense: list[IndexMatch] = field(default_factory=list)

    def live_only(self, live: dict[str, str]) -> Candidates:
        def keep(matches: list[IndexMatch]) -> list[IndexMatch]:
            return [
                m for m in matches if live.get(m.payload.get("doc_id", "")) == m.payload.get("content_hash")
            ]

        return Candidates(keep(self.words), keep(self.bigrams), keep(self.dense))


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

    def search(
        self,
        query: str,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        access: Access | None = None,
        query_vector: np.ndarray | None = None,
    ) -> SearchResult:
        """The best chunks for a query that ``access`` may read (the public's when None), normalised
        first: ``BadInput`` when it holds no letter or digit. Access is a condition of every index
        query, and so are the ingest safety flags (unless ``filters.include_flagged``: staff inspection),
        so nothing unreadable or flagged is ever fetched, fused or counted. ``query_vector``: the
        query's embedding when the caller already has it (the answer chain)."""
        query = normalise_query(query)
        top_k = top_k or self._settings.top_k
        manifest = self._manifests.load()
        if manifest.documents:
            manifest.check_embedder(self._embedder.name, self._embedder.dimension)
        spec = FilterSpec.from_filters(filters, access)
        candidates = self._fetch(query, spec, query_vector).live_only(manifest.live_versions())
        kept = max(top_k, self._reranker.top_n) if self._reranker is not None else top_k
        hits = fuse(candidates, self._settings, kept)
        if self._reranker is not None and hits:
            hits = self._reranker.rerank(query, hits[: self._reranker.top_n])
        return SearchResult(query, hits[:top_k], lexical.tokenize(query), spec)

    def document(self, doc_id: str, access: Access | None = None) -> list[Chunk]:
        """Every live, unflagged chunk of one document that ``access`` may read, in document order
        (to quote a whole section of it)."""
        live = self._manifests.load().live_versions()
        if doc_id not in live:
            return []
        probe = np.zeros(self._embedder.dimension, dtype=np.float32)
        probe[0] = 1.0  # any direction: the filter, not the ranking, selects
        spec = FilterSpec(
            {"doc_id": [doc_id]}, None, None, readable=FilterSpec.readable_by(access or Access.public())
        )
        matches = self._index.search_dense(probe, _DOCUMENT_CHUNKS, spec)
        chunks = [
            Chunk.from_payload(m.payload) for m in matches if m.payload.get("content_hash") == live[doc_id]
        ]
        return sorted(chunks, key=lambda chunk: chunk.chunk_no)

    def _fetch(self, query: str, spec: FilterSpec, query_vector: np.ndarray | None) -> Candidates:
        """Every channel's candidates, asked of the index in one batch (then the dense rescoring)."""
        settings = self._settings
        queries: list[IndexQuery] = []
        if settings.sparse_weight:
            extra = lexicon.expansions(query) if settings.use_synonyms else []
            queries.append(
                IndexQuery("words", lexical.encode_query(query, "words", extra), settings.candidates, spec)
            )
        if settings.bigram_weight:
            queries.append(
                IndexQuery("bigrams", lexical.encode_query(query, "bigrams"), settings.candidates, spec)
            )
        dense_query = None
        if settings.dense_weight:
            dense_query = query_vector if query_vector is not None else self._embedder.embed_query(query)
            queries.append(IndexQuery(DENSE, dense_query, settings.candidates, spec))
        found = dict(zip((q.channel for q in queries), self._index.search_batch(queries), strict=True))
        candidates = Candidates(found.get("words", []), found.get("bigrams", []), found.get(DENSE, []))
        if dense_query is not None:
            candidates.dense = self._rescore_dense(dense_query, spec, candidates)
        return candidates

    def _rescore_dense(
        self, vector: np.ndarray, spec: FilterSpec, candidates: Candidates
    ) -> list[IndexMatch]:
        """The dense candidates, with the cosine of the top BM25 candidates it did not find ('score' fusion)."""
        settings = self._settings
        dense = candidates.dense
        if settings.fusion == "score":
            known = {match.point_id for match in dense}
            keyword = (
                candidates.words[: settings.rescore_depth] + candidates.bigrams[: settings.rescore_depth]
            )
            missing = list(dict.fromkeys(m.point_id for m in keyword if m.point_id not in known))
            if missing:
                rescoring = IndexQuery(DENSE, vector, len(missing), spec.restricted_to(missing))
                dense += self._index.search_batch([rescoring])[0]  # chunks the worker has just seen
        return dense


def _breakdowns(candidates: Candidates) -> tuple[dict[str, ScoreBreakdown], dict[str, dict[str, Any]]]:
    """Each candidate's per-channel score and rank (rank only within the channel's own list)."""
    breakdowns: dict[str, ScoreBreakdown] = {}
    payloads: dict[str, dict[str, Any]] = {}
    channels = (
        ("sparse", candidates.words),
        ("bigram", candidates.bigrams),
        ("dense", sorted(candidates.dense, key=lambda match: match.score, reverse=True)),
    )
    for name, matches in channels:
        for rank, match in enumerate(matches, start=1):
            entry = breakdowns.setdefault(match.point_id, ScoreBreakdown())
            setattr(entry, name, match.score)
            setattr(entry, f"{name}_rank", rank)
            payloads[match.point_id] = match.payload
    return breakdowns, payloads


def fuse(candidates: Candidates, settings: SearchSettings, limit: int | None = None) -> list[SearchHit]:
    """Every candidate ranked by its fused score; the best ``limit`` only when given (each hit's
    chunk is built from its payload, so a search builds only those it returns)."""
    breakdowns, payloads = _breakdowns(candidates)
    if settings.fusion == "rrf":
        _score_rrf(breakdowns, settings)
    else:
        _score_normalised(breakdowns, candidates, settings)
    ranked = sorted(breakdowns.items(), key=lambda item: item[1].fused, reverse=True)[:limit]
    return [SearchHit(Chunk.from_payload(payloads[pid]), scores.fused, scores) for pid, scores in ranked]


def _score_normalised(
    breakdowns: dict[str, ScoreBreakdown], candidates: Candidates, settings: SearchSettings
) -> None:
    channels = (
        ("sparse", settings.sparse_weight, candidates.words),
        ("bigram", settings.bigram_weight, candidates.bigrams),
        ("dense", settings.dense_weight, candidates.dense),
    )
    for entry in breakdowns.values():
        entry.fused = 0.0
    for name, weight, matches in channels:
        if not weight or not matches:
            continue
        low = min(m.score for m in matches)
        span = (max(m.score for m in matches) - low) or 1.0
        for entry in breakdowns.values():
            value = getattr(entry, name)
            entry.fused += weight * ((value - low) / span if value is not None else 0.0)


def _score_rrf(breakdowns: dict[str, ScoreBreakdown], settings: SearchSettings) -> None:
    for entry in breakdowns.values():
        ranks = (
            (settings.sparse_weight, entry.sparse_rank),
            (settings.bigram_weight, entry.bigram_rank),
            (settings.dense_weight, entry.dense_rank),
        )
        entry.fused = sum(weight / (settings.rrf_k + rank) for weight, rank in ranks if rank is not None)
