"""好差评 routes: the levels and tags every page offers, a rating of an answer (``POST /v1/ratings``;
``POST /v1/feedback``, the older thumbs up/down, is mapped onto 满意 / 不满意), and for admins the
follow-up items, rating trends and the CSV export for the 好差评 platform. Every rating, follow-up
change and export is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from assistant import exports
from assistant.access import readable_documents
from assistant.api.deps import AdminDep, AuditDep, PublicDep, ServicesDep, audit_event
from assistant.api.security import Principal
from assistant.audit import AuditLog
from assistant.ratings import (
    CHANNELS,
    EXPORT_COLUMNS,
    LEVELS,
    NEGATIVE,
    REASON_TAGS,
    RatingInput,
    RatingStore,
)
from assistant.wiring import Services

router = APIRouter(prefix="/v1", tags=["ratings"])
Level = Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


class RatingRequest(BaseModel):
    answer_id: str = Field(..., min_length=1, max_length=64, description="被评价回答的 answer_id")
    session_id: str = Field(..., min_length=1, max_length=64, description="回答所在会话的 session_id")
    level: Level = Field(..., description="评价等级（五级）")
    tags: list[str] = Field(default_factory=list, max_length=len(REASON_TAGS), description="评价标签（选填）")
    comment: str = Field("", max_length=500, description="评价内容（选填，保存前脱敏）")
    channel: Literal["web", "widget", "agent", "api"] = Field(
        "web", description="评价渠道：网页、网站挂件、坐席、接口"
    )


class RatingReply(BaseModel):
    status: str
    rating_id: int
    follow_up_id: int | None = Field(None, description="差评（不满意、非常不满意）开启的整改事项")
    due_on: str | None = Field(None, description="整改期限（按工作日计算）")


class FeedbackRequest(BaseModel):
    answer_id: str = Field(..., min_length=1, max_length=64)
    session_id: str = Field(..., min_length=1, max_length=64)
    helpful: bool
    reason: str | None = Field(None, max_length=500)


def _rate(
    request: Request, services: Services, principal: Principal, audit: AuditLog, rating: RatingInput
) -> RatingReply:
    if rating.channel == "agent" and not principal.allows("agent"):
        raise HTTPException(status_code=403, detail="坐席渠道的评价需要坐席账号")
    recorded = RatingStore(services.database, services.settings.ratings).record(rating)
    opened = (
        f"，开启整改事项 {recorded.follow_up_id}（期限 {recorded.due_on}）" if recorded.follow_up_id else ""
    )
    tags = f"［{'、'.join(rating.tags)}］" if rating.tags else ""
    detail = f"{rating.answer_id} {rating.level}{tags}（{CHANNELS[rating.channel]}）{rating.comment}{opened}"
    audit.record(audit_event(request, principal, "rating", detail))
    due_on = recorded.due_on.isoformat() if recorded.due_on else None
    return RatingReply(
        status="recorded", rating_id=recorded.rating_id, follow_up_id=recorded.follow_up_id, due_on=due_on
    )


class RatingOptions(BaseModel):
    levels: list[str] = Field(..., description="五级评价，从最满意到最不满意")
    tags: list[str]
    negative: list[str] = Field(..., description="会生成整改事项的差评等级")


class FeedbackReceipt(BaseModel):
    status: Literal["recorded"]


class RatedAnswer(BaseModel):
    id: int
    level: str
    tags: list[str]
    comment: str
    channel: str
    answer_id: str
    session_id: str
    rated_at: str


class FollowUpItem(BaseModel):
    id: int
    status: str
    status_label: str
    opened_at: str
    due_on: str
    overdue: bool
    overdue_days: int
    owner: str
    rating: RatedAnswer
    conversation: list[dict[str, Any]] = Field(..., description="被评价的会话：每轮的问题、回答与来源")
    resolution: str
    resolved_by: str
    resolved_at: str | None


class FollowUps(BaseModel):
    items: list[FollowUpItem]
    total: int
    overdue: int


class TrendRow(BaseModel):
    day: str
    level: str
    count: int


class RatingTrends(BaseModel):
    days: int
    rows: list[TrendRow]


@router.get("/ratings/options", response_model=RatingOptions)
def rating_options() -> dict[str, list[str]]:
    """The five levels (best first) and the reason tags, as every page shows them."""
    return {
        "levels": list(LEVELS),
        "tags": list(REASON_TAGS),
        "negative": [name for name, code in LEVELS.items() if code in NEGATIVE],
    }


@router.post("/ratings", status_code=201, response_model=RatingReply)
def rate(
    body: RatingRequest, request: Request, services: ServicesDep, principal: PublicDep, audit: AuditDep
) -> RatingReply:
    """Rate an answer on five levels; 不满意 and 非常不满意 open a follow-up item."""
    rating = RatingInput(
        body.answer_id,
        body.session_id,
        body.level,
        tuple(body.tags),
        body.comment,
        body.channel,
        "" if principal.role == "public" else principal.name,
    )
    return _rate(request, services, principal, audit, rating)


@router.post("/feedback", status_code=201, response_model=FeedbackReceipt)
def feedback(
    body: FeedbackRequest, request: Request, services: ServicesDep, principal: PublicDep, audit: AuditDep
) -> dict[str, str]:
    """Older clients' 有帮助 / 没帮助, recorded as a rating of 满意 / 不满意 (the reason as its comment)."""
    rater = "" if principal.role == "public" else principal.name
    rating = RatingInput(
        body.answer_id,
        body.session_id,
        "满意" if body.helpful else "不满意",
        (),
        body.reason or "",
        "web",
        rater,
    )
    _rate(request, services, principal, audit, rating)
    return {"status": "recorded"}


class FollowUpUpdate(BaseModel):
    owner: str | None = Field(None, min_length=1, max_length=100, description="责任人（承办单位或工作人员）")
    resolution: str | None = Field(None, min_length=1, max_length=2000, description="整改情况；填写即办结")


@router.get("/admin/follow-ups", response_model=FollowUps)
def follow_ups(
    services: ServicesDep, principal: AdminDep, status: Literal["open", "resolved"] | None = None
) -> dict[str, Any]:
    """Follow-up items of negative ratings, with the rated conversation, its sources (document id
    and, while the document is in the knowledge base, its title) and whether each is overdue; a
    department's admin gets the items whose conversation cites only documents it may read."""
    manifest = services.knowledge_base.manifest()
    readable, documents = readable_documents(principal.access, manifest), manifest.documents
    items = [
        item
        for item in RatingStore(services.database, services.settings.ratings).follow_ups(status)
        if all(readable(doc_id) for turn in item["conversation"] for doc_id in turn["sources"])
    ]
    for item in items:
        for turn in item["conversation"]:
            turn["sources"] = [
                {
                    "doc_id": doc_id,
                    "title": documents[doc_id].title if doc_id in documents else "（已不在知识库中）",
                }
                for doc_id in turn["sources"]
            ]
    return {"items": items, "total": len(items), "overdue": sum(item["overdue"] for item in items)}


@router.patch("/admin/follow-ups/{follow_up_id}", response_model=FollowUpItem)
def update_follow_up(
    follow_up_id: int,
    body: FollowUpUpdate,
    request: Request,
    services: ServicesDep,
    principal: AdminDep,
    audit: AuditDep,
) -> dict[str, Any]:
    """Assign the owner and/or record the resolution (which closes the item)."""
    if body.owner is None and body.resolution is None:
        raise HTTPException(status_code=400, detail="请填写责任人或整改情况")
    item = RatingStore(services.database, services.settings.ratings).update_follow_up(
        follow_up_id, principal.name, body.owner, body.resolution
    )
    changes = "，".join(
        part
        for part in (
            f"责任人 {body.owner}" if body.owner else "",
            f"整改情况：{body.resolution}" if body.resolution else "",
        )
        if part
    )
    audit.record(audit_event(request, principal, "follow_up.update", f"整改事项 {follow_up_id}：{changes}"))
    return item


@router.get("/admin/ratings/trends", response_model=RatingTrends)
def rating_trends(
    services: ServicesDep, principal: AdminDep, days: int | None = Query(None, ge=1, le=366)
) -> dict[str, Any]:
    """Ratings per day and level over the last ``days`` days (``ratings.trend_days`` by default)."""
    settings = services.settings.ratings
    return {
        "days": days or settings.trend_days,
        "rows": RatingStore(services.database, settings).trends(days or settings.trend_days),
    }


@router.get(
    "/admin/ratings/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def export_ratings(
    request: Request,
    services: ServicesDep,
    principal: AdminDep,
    audit: AuditDep,
    since: datetime | None = None,
) -> Response:
    """Every rating with its follow-up, as CSV for the 好差评 platform (comments stored masked)."""
    rows = RatingStore(services.database, services.settings.ratings).export_rows(since)
    audit.record(
        audit_event(
            request,
            principal,
            "ratings.export",
            f"起始 {since.isoformat() if since else '全部'}，{len(rows)} 条",
        )
    )
    return Response(
        exports.to_csv(rows, EXPORT_COLUMNS),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ratings.csv"'},
    )
