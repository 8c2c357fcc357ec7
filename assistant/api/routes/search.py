"""``POST /v1/search``: hybrid search over the knowledge base, with filters and score details."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from assistant.api.deps import AuditDep, PublicDep, ServicesDep, audit_event
from assistant.documents import SearchFilters

router = APIRouter(prefix="/v1", tags=["search"])


class SearchRequest(BaseModel):
    query: str = Field(..., min_length=1, max_length=500, description="查询问题")
    top_k: int = Field(5, ge=1, le=50)
    kinds: list[str] = Field(default_factory=list, description="policy / faq / guide")
    regions: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    valid_on: date | None = Field(None, description="按该日期判断有效期，默认今天")
    include_expired: bool = False


class SearchHitOut(BaseModel):
    doc_id: str
    title: str
    text: str
    question: str
    heading_path: list[str]
    score: float
    scores: dict[str, Any]
    metadata: dict[str, Any]


class SearchResponse(BaseModel):
    query: str
    terms: list[str]
    hits: list[SearchHitOut]


@router.post("/search", response_model=SearchResponse)
def search(
    body: SearchRequest, request: Request, services: ServicesDep, principal: PublicDep, audit: AuditDep
) -> SearchResponse:
    filters = SearchFilters(
        kinds=body.kinds,
        regions=body.regions,
        categories=body.categories,
        valid_on=body.valid_on,
        include_expired=body.include_expired,
    )
    result = services.searcher.search(body.query, top_k=body.top_k, filters=filters, access=principal.access)
    audit.record(
        audit_event(request, principal, "search", body.query, [hit.chunk.doc_id for hit in result.hits])
    )
    hits = [
        SearchHitOut(
            doc_id=hit.chunk.doc_id,
            title=hit.chunk.metadata.title,
            text=hit.chunk.text,
            question=hit.chunk.question,
            heading_path=hit.chunk.heading_path,
            score=hit.score,
            scores=asdict(hit.scores),
            metadata=hit.chunk.metadata.to_payload(),
        )
        for hit in result.hits
    ]
    return SearchResponse(query=result.query, terms=result.query_terms, hits=hits)
