"""Hot issues (热点发现): recent tickets about the same problem, grouped so the centre can issue one
notice and one work order instead of thirty, each group with its size, hourly trend, place, how
callers named the place, example calls and why its tickets are one group.

Which tickets are one group is ``grouping``'s; reading tickets is ``tickets.TicketStore``'s,
showing groups the API's and console's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from assistant.hotline.extraction import names_and_addresses
from assistant.hotline.grouping import TicketSignal, group_tickets
from assistant.hotline.places import place_of
from assistant.privacy import mask_personal_data
from assistant.text_normalisation import normalise_text

TREND_UP, TREND_FLAT, TREND_DOWN = "上升", "持平", "回落"


@dataclass
class HotIssue:
    problem: str  # 停水, as most of its callers' words name it; "" when they name none of the vocabulary
    category: str
    place: str
    size: int
    first_at: datetime
    last_at: datetime
    hourly: list[int]  # reports per hour, the last entry the hour up to ``now``
    trend: str  # 上升 / 持平 / 回落: the last hour against the hour before
    examples: list[TicketSignal]
    ticket_ids: list[int] = field(default_factory=list)
    named_as: list[str] = field(default_factory=list)  # the place as callers put it, most said first
    why: str = ""  # why these tickets are one group, for the agent to check


def signal_of(ticket: dict[str, Any]) -> TicketSignal:
    """A stored ticket (``TicketStore.since``) as grouping reads it; its example text is masked again
    (numbers and names; the place is what the group is about), since a hot issue is shown to every agent."""
    text = normalise_text(
        "，".join(part for part in (ticket.get("service_item", ""), ticket.get("request", "")) if part)
    )
    return TicketSignal(
        int(ticket["id"]),
        ticket["created_at"],
        ticket.get("category", ""),
        place_of(ticket.get("address", ""), text),
        mask_personal_data(text, names_and_addresses(text, addresses=False)),
    )


def _hourly(members: Sequence[TicketSignal], now: datetime, hours: int) -> list[int]:
    counts = [0] * hours
    for ticket in members:
        back = int((now - ticket.created_at).total_seconds() // 3600)
        if 0 <= back < hours:
            counts[hours - 1 - back] += 1
    return counts


def _trend(hourly: list[int]) -> str:
    last, before = hourly[-1], hourly[-2] if len(hourly) > 1 else 0
    return TREND_UP if last > before else TREND_DOWN if last < before else TREND_FLAT


def _why(members: list[TicketSignal], problem: str, category: str, place: str, gap: timedelta) -> str:
    """What the group's tickets share, and which joined it by a rule rather than by their own fields."""
    apart = max(
        (int((b.created_at - a.created_at).total_seconds() // 60) for a, b in pairwise(members)),
        default=0,
    )
    shared = f"问题同为「{problem}」（分类「{category}」）" if problem else f"分类同为「{category}」"
    reasons = [
        f"{shared}，地点同为「{place}」，相邻两次来电至多相隔 {apart} 分钟"
        f"（不超过 {int(gap.total_seconds() // 60)} 分钟算同一组）"
    ]
    if not problem:
        reasons.append("来电说法未对应问题词表中的具体问题，按分类归组")
    names = Counter(t.place.name for t in members if t.place is not None)
    main = names.most_common(1)[0][0] if names else ""
    undistricted = sum(t.place is not None and t.place.name == main and not t.place.district for t in members)
    by_road = Counter(t.place.name for t in members if t.place is not None and t.place.name != main)
    doubtful = Counter(t.also_near for t in members if t.also_near)
    renamed = sum(t.named_as is not None for t in members)
    unnamed = sum(not t.problem for t in members) if problem else 0
    misfiled = sum(t.category != category for t in members)
    if undistricted:
        reasons.append(f"{undistricted} 条未说区县，按所说道路或来电时间最贴近的一组归入")
    if doubtful:
        elsewhere = "、".join(f"「{name}」" for name in doubtful)
        reasons.append(
            f"其中 {doubtful.total()} 条归属不确定：同一时段{elsewhere}也有同样问题的来电，请坐席核实"
        )
    if by_road:
        roads = "、".join(f"「{road}」" for road in by_road)
        reasons.append(f"{by_road.total()} 条只说了道路{roads}，本组来电说小区就在这条路上，据此归入")
    if renamed:
        reasons.append(f"{renamed} 条的地点说法不同（简称、错字），按其他来电的说法认定为同一地点")
    if unnamed:
        reasons.append(f"{unnamed} 条未说明具体问题，按同一分类、地点和时段归入")
    if misfiled:
        reasons.append(f"{misfiled} 条登记为其他分类，但所说问题或说法与本组来电一致")
    return "；".join(reasons)


def hot_issues(
    tickets: Iterable[TicketSignal],
    now: datetime,
    gap: timedelta,
    min_size: int = 3,
    hours: int = 6,
    examples: int = 3,
) -> list[HotIssue]:
    """The groups of at least ``min_size`` tickets, largest (then latest) first, each with its place
    as most of its callers named it, the reports per hour for the last ``hours`` hours, a few
    example calls and why its tickets belong together."""
    found = []
    for members in group_tickets(tickets, gap):
        if len(members) < min_size:
            continue
        places = Counter(
            str(t.place) for t in members if t.place is not None and t.place.district
        ) or Counter(str(t.place) for t in members)
        place = places.most_common(1)[0][0]
        category = Counter(t.category for t in members).most_common(1)[0][0]
        problems = Counter(t.problem for t in members if t.problem).most_common(1)
        problem = problems[0][0] if problems else ""
        said = Counter(str(t.named_as or t.place) for t in members)
        hourly = _hourly(members, now, hours)
        found.append(
            HotIssue(
                problem,
                category,
                place,
                len(members),
                members[0].created_at,
                members[-1].created_at,
                hourly,
                _trend(hourly),
                list(reversed(members))[:examples],
                [t.ticket_id for t in members],
                [name for name, _ in said.most_common(5)],
                _why(members, problem, category, place, gap),
            )
        )
    return sorted(found, key=lambda issue: (issue.size, issue.last_at), reverse=True)
