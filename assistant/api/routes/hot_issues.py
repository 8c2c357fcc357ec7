"""Hot issues (热点发现), agent role: the recent tickets grouped by problem, place and time, each
group with its size, trend, place and example calls (masked), so the centre can issue one notice.
The grouping is ``assistant.hotline.grouping``'s, what a group shows ``hot_issues``'s; the tickets are
``TicketStore``'s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from assistant.api.deps import AgentDep, ServicesDep
from assistant.hotline.hot_issues import hot_issues, signal_of

router = APIRouter(prefix="/v1/hotline", tags=["hotline"])


class ExampleCall(BaseModel):
    ticket_id: int
    created_at: datetime
    text: str = Field(description="事项与诉求（已脱敏）")


class HotIssueOut(BaseModel):
    problem: str = Field(
        description="多数来电所说的具体问题（停水、路灯不亮……）；说法未对应问题词表时为空，按分类归组"
    )
    category: str = Field(description="多数工单登记的分类")
    place: str = Field(description="多数来电人所说的地点（小区、道路，不含门牌）")
    size: int = Field(description="工单数")
    first_at: datetime
    last_at: datetime
    hourly: list[int] = Field(description="最近各小时的来电数，最后一项为截至现在的一小时")
    trend: str = Field(description="上升 / 持平 / 回落：最近一小时与前一小时相比")
    examples: list[ExampleCall]
    ticket_ids: list[int]
    named_as: list[str] = Field(description="来电人对地点的说法（不含门牌），最常见的在前")
    why: str = Field(
        description="这些工单为何算同一组：问题（或分类）、地点、来电间隔，按规则归入的工单，以及归属不确定的工单"
    )


class HotIssuesOut(BaseModel):
    since: datetime
    now: datetime
    gap_minutes: int
    issues: list[HotIssueOut]


@router.get("/hot-issues", response_model=HotIssuesOut)
def list_hot_issues(
    services: ServicesDep,
    principal: AgentDep,
    hours: int | None = Query(None, ge=1, le=24 * 31, description="分组最近多少小时的工单（默认取配置）"),
    min_size: int | None = Query(None, ge=2, le=1000, description="至少多少条工单才列出（默认取配置）"),
) -> HotIssuesOut:
    """Groups of at least ``min_size`` tickets from the last ``hours`` hours, largest first."""
    settings = services.settings.hotline
    now = datetime.now(UTC)
    since = now - timedelta(hours=hours or settings.hot_issue_hours)
    gap = timedelta(minutes=settings.hot_issue_gap_minutes)
    tickets = services.ticket_store.since(since)
    found = hot_issues(map(signal_of, tickets), now, gap, min_size or settings.hot_issue_min_size)
    issues = [
        HotIssueOut(
            problem=issue.problem,
            category=issue.category,
            place=issue.place,
            size=issue.size,
            first_at=issue.first_at,
            last_at=issue.last_at,
            hourly=issue.hourly,
            trend=issue.trend,
            ticket_ids=issue.ticket_ids,
            named_as=issue.named_as,
            why=issue.why,
            examples=[
                ExampleCall(ticket_id=t.ticket_id, created_at=t.created_at, text=t.text)
                for t in issue.examples
            ],
        )
        for issue in found
    ]
    return HotIssuesOut(since=since, now=now, gap_minutes=settings.hot_issue_gap_minutes, issues=issues)
