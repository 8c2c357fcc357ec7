"""Hot issues (热点发现): recent tickets about the same problem, grouped so the centre can issue one
notice and one work order instead of thirty.

Two tickets are about the same problem when they have the same category (what triage proposed
and the agent confirmed), name the same place and come close in time: a group stays open while
new reports keep arriving within ``gap`` of its latest one. A place is the estate, building or
road a ticket names (``place_of``), without the caller's unit and door numbers, so 「幸福小区3号楼」
and 「幸福小区北门」 are one place; two places of the same name in different districts are not. A
report without a district joins the nearest group of its place name; a report filed under another
category but worded like a larger group's reports at the same place and time (an agent's slip, a
classifier's miss) moves to that group.

About linear in the number of tickets (one pass per category and place, in time order). This module groups and
summarises; reading tickets is ``tickets.TicketStore``'s job, showing groups the API's and console's.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from assistant.answering import grounding
from assistant.hotline.extraction import address, names_and_addresses
from assistant.privacy import mask_personal_data
from assistant.text_normalisation import normalise_text

_LEAD = re.compile(r"^(?:请问|我们|我家|我住在|住在|家住|就是|那个|这个|咱们)+")
_CITY = re.compile(r"^[\u4e00-\u9fff]{1,6}?市(?!场)")
_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?:(?<![小社园景校厂])区|县)(?!域)")  # 幸福小区 is no district
_STREET_OFFICE = re.compile(r"^[\u4e00-\u9fff]{1,6}?(?:街道|镇|乡)")
_ROAD = re.compile(r"^.*?(?:大道|大街|路|街|巷|胡同)(?:\d+号)?")
_UNIT = re.compile(r"\d+(?:号楼|栋|单元|号|室|层|楼).*$")
_NEAR = re.compile(r"(?:附近|门口|对面|旁边|周边|一带|里面|里|内|这边|那边|[东南西北]门|[东南西北]侧)$")
STRAY_SIMILARITY = 0.35  # measured on the bench's dev stream (eval_sets/hot_issues.py)
STRAY_COMPARED = 10
TREND_UP, TREND_FLAT, TREND_DOWN = "上升", "持平", "回落"


@dataclass(frozen=True)
class Place:
    district: str  # 东城区; "" when the caller did not say
    name: str  # 幸福小区, 光明街

    def __str__(self) -> str:
        return self.district + self.name


@dataclass(frozen=True)
class TicketSignal:
    """What grouping reads of one ticket."""

    ticket_id: int
    created_at: datetime
    category: str
    place: Place | None
    text: str  # the matter and the request, masked, shown as an example call


@dataclass
class HotIssue:
    category: str
    place: str
    size: int
    first_at: datetime
    last_at: datetime
    hourly: list[int]  # reports per hour, the last entry the hour up to ``now``
    trend: str  # 上升 / 持平 / 回落: the last hour against the hour before
    examples: list[TicketSignal]
    ticket_ids: list[int] = field(default_factory=list)


def place_of(address_text: str, text: str = "") -> Place | None:
    """The place a ticket names: its address field, or the address read out of its text."""
    raw = address_text.strip()
    if not raw and text:
        found = address(text)
        raw = found.value if found else ""
    if not raw:
        return None
    rest = _CITY.sub("", _LEAD.sub("", re.sub(r"\s+", "", raw)))
    district = _DISTRICT.match(rest)
    rest = rest[district.end() :] if district else rest
    rest = _STREET_OFFICE.sub("", rest)
    rest = _NEAR.sub("", _UNIT.sub("", rest))
    road = _ROAD.match(rest)
    if road and len(rest) - road.end() > 2:  # 光明街幸福小区 → 幸福小区 (callers often leave out the road)
        rest = rest[road.end() :]
    rest = _NEAR.sub("", rest)
    if len(rest) < 2:
        return Place(district.group() if district else "", rest) if district and rest else None
    return Place(district.group() if district else "", rest)


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


def _chains(tickets: list[TicketSignal], gap: timedelta) -> list[list[TicketSignal]]:
    """Tickets in time order cut wherever two reports are more than ``gap`` apart."""
    chains: list[list[TicketSignal]] = []
    for ticket in sorted(tickets, key=lambda t: t.created_at):
        if not chains or ticket.created_at - chains[-1][-1].created_at > gap:
            chains.append([])
        chains[-1].append(ticket)
    return chains


def _near(group: list[TicketSignal], ticket: TicketSignal, gap: timedelta) -> int:
    """How many of a group's reports are within ``gap`` of the ticket."""
    times = [t.created_at for t in group]
    return bisect.bisect_right(times, ticket.created_at + gap) - bisect.bisect_left(
        times, ticket.created_at - gap
    )


def group_tickets(tickets: Iterable[TicketSignal], gap: timedelta) -> list[list[TicketSignal]]:
    """Every ticket with a category and a place, in groups (singletons included), each in time order.

    Tickets of one category, place name and district form a group while each report comes within
    ``gap`` of the one before. A ticket whose caller did not say the district then joins the group
    of its category and place name with the most reports within ``gap`` of it (when two districts
    have one, the larger is likelier); the ones near no such group are grouped among themselves."""
    blocks: dict[tuple[str, str], list[TicketSignal]] = defaultdict(list)
    for ticket in tickets:
        if ticket.category and ticket.place is not None:
            blocks[(ticket.category, ticket.place.name)].append(ticket)
    groups: list[list[TicketSignal]] = []
    for block in blocks.values():
        districts: dict[str, list[TicketSignal]] = defaultdict(list)
        for ticket in block:
            districts[ticket.place.district if ticket.place else ""].append(ticket)
        placed = [
            chain for district, members in districts.items() if district for chain in _chains(members, gap)
        ]
        unplaced = []
        for ticket in districts.get("", []):
            best = max(placed, key=lambda group: _near(group, ticket, gap), default=None)
            if best is not None and _near(best, ticket, gap):
                best.append(ticket)
            else:
                unplaced.append(ticket)
        for group in placed:
            group.sort(key=lambda t: t.created_at)
        groups += placed + _chains(unplaced, gap)
    return _move_strays(groups, gap)


def _wording(ticket: TicketSignal) -> set[str]:
    """The character bigrams of a ticket's text without its place."""
    text = ticket.text.replace(ticket.place.name, " ") if ticket.place else ticket.text
    return grounding.text_bigrams(text)


def _similarity(ticket: TicketSignal, group: list[TicketSignal]) -> float:
    """The best Jaccard similarity of the ticket's wording with that of the group's reports nearest in time."""
    words = _wording(ticket)
    nearest = sorted(group, key=lambda t: abs(t.created_at - ticket.created_at))[:STRAY_COMPARED]
    return max(
        (len(words & other) / len(words | other) for other in map(_wording, nearest) if words | other),
        default=0.0,
    )


def _move_strays(groups: list[list[TicketSignal]], gap: timedelta) -> list[list[TicketSignal]]:
    """A ticket whose category differs from that of a larger group at the same place and time but
    whose words are those of that group's reports (an agent's slip, a classifier's miss) moves to it."""
    by_place: dict[str, list[list[TicketSignal]]] = defaultdict(list)
    for group in groups:
        if group[0].place is not None:
            by_place[group[0].place.name].append(group)
    for group in sorted(groups, key=len):
        first = group[0]
        if first.place is None:
            continue
        larger = [
            g for g in by_place[first.place.name] if len(g) > len(group) and g[0].category != first.category
        ]
        for ticket in list(group) if larger else []:
            district = ticket.place.district if ticket.place else ""
            scored = [
                (_similarity(ticket, g), g)
                for g in larger
                if _near(g, ticket, gap)
                and (
                    not district or any(t.place is not None and t.place.district in ("", district) for t in g)
                )
            ]
            best = max(scored, key=lambda pair: pair[0], default=None)
            if best is not None and best[0] >= STRAY_SIMILARITY:
                group.remove(ticket)
                bisect.insort(best[1], ticket, key=lambda t: t.created_at)
    return [group for group in groups if group]


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


def hot_issues(
    tickets: Iterable[TicketSignal],
    now: datetime,
    gap: timedelta,
    min_size: int = 3,
    hours: int = 6,
    examples: int = 3,
) -> list[HotIssue]:
    """The groups of at least ``min_size`` tickets, largest (then latest) first, each with its place
    as most of its callers named it, the reports per hour for the last ``hours`` hours and a few example calls."""
    found = []
    for members in group_tickets(tickets, gap):
        if len(members) < min_size:
            continue
        places = Counter(
            str(t.place) for t in members if t.place is not None and t.place.district
        ) or Counter(str(t.place) for t in members)
        hourly = _hourly(members, now, hours)
        found.append(
            HotIssue(
                members[0].category,
                places.most_common(1)[0][0],
                len(members),
                members[0].created_at,
                members[-1].created_at,
                hourly,
                _trend(hourly),
                list(reversed(members))[:examples],
                [t.ticket_id for t in members],
            )
        )
    return sorted(found, key=lambda issue: (issue.size, issue.last_at), reverse=True)
