"""Hot issues (热点发现): recent tickets about the same problem, grouped so the centre can issue one
notice and one work order instead of thirty.

Two tickets are about the same problem when they have the same category (what triage proposed
and the agent confirmed), name the same place and come close in time: a group stays open while
new reports keep arriving within ``gap`` of its latest one. A place is the estate, building or
road a ticket names, one name for each place across the batch (``places``: 东城幸福小区, 幸富小区
and 幸福小区3号楼 are all 幸福小区); two places of the same name in different districts are not one.
A report without a district joins the group of its place name with most reports near it; a report
filed under another category but worded like a larger group's reports at the same place and time
(an agent's slip, a classifier's miss) moves to that group, which keeps its own category.

About linear in the number of tickets (one pass per category and place, in time order). This module groups and
summarises; reading tickets is ``tickets.TicketStore``'s job, showing groups the API's and console's.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from assistant.answering import grounding
from assistant.hotline.extraction import names_and_addresses
from assistant.hotline.places import Place, place_of, resolve_places
from assistant.privacy import mask_personal_data
from assistant.text_normalisation import normalise_text

STRAY_SIMILARITY = 0.3  # measured on the bench's dev stream (eval_sets/hot_issues.py)
STRAY_COMPARED = 10
STRAY_AGREEING = 2
TREND_UP, TREND_FLAT, TREND_DOWN = "上升", "持平", "回落"


@dataclass(frozen=True)
class TicketSignal:
    """What grouping reads of one ticket."""

    ticket_id: int
    created_at: datetime
    category: str
    place: Place | None
    text: str  # the matter and the request, masked, shown as an example call
    named_as: Place | None = None  # the place as the caller put it, where grouping named it otherwise


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


@dataclass
class _Group:
    """Reports in time order; the category and district are those it was formed by, fixed, so a
    report moved in later does not change what the group is about."""

    members: list[TicketSignal]
    category: str
    district: str

    def add(self, ticket: TicketSignal) -> None:
        bisect.insort(self.members, ticket, key=lambda t: t.created_at)


def _chains(tickets: list[TicketSignal], gap: timedelta) -> list[list[TicketSignal]]:
    """Tickets in time order cut wherever two reports are more than ``gap`` apart."""
    chains: list[list[TicketSignal]] = []
    for ticket in sorted(tickets, key=lambda t: t.created_at):
        if not chains or ticket.created_at - chains[-1][-1].created_at > gap:
            chains.append([])
        chains[-1].append(ticket)
    return chains


def _near(members: list[TicketSignal], ticket: TicketSignal, gap: timedelta) -> list[TicketSignal]:
    """A group's reports within ``gap`` of the ticket (the group in time order)."""
    times = [t.created_at for t in members]
    return members[
        bisect.bisect_left(times, ticket.created_at - gap) : bisect.bisect_right(
            times, ticket.created_at + gap
        )
    ]


def _named(tickets: list[TicketSignal]) -> list[TicketSignal]:
    """The tickets with a category and a place, each place as the batch names it most (``resolve_places``)."""
    placed = [t for t in tickets if t.category and t.place is not None]
    resolved = resolve_places(t.place for t in placed if t.place is not None)
    renamed = []
    for ticket in placed:
        known = resolved.get(ticket.place) if ticket.place is not None else None
        if known is not None and ticket.place is not None:
            place = replace(ticket.place, district=known.district, name=known.name)
            ticket = replace(ticket, place=place, named_as=ticket.place)
        renamed.append(ticket)
    return renamed


def _block_groups(block: list[TicketSignal], gap: timedelta) -> list[_Group]:
    """One category and place name: a group per district while reports keep coming within ``gap``;
    a report without district joins the one with most reports near it (the likelier of two), and those near none group among themselves."""
    districts: dict[str, list[TicketSignal]] = defaultdict(list)
    for ticket in block:
        districts[ticket.place.district if ticket.place else ""].append(ticket)
    category = block[0].category
    placed = [
        _Group(chain, category, district)
        for district, members in districts.items()
        if district
        for chain in _chains(members, gap)
    ]
    unplaced, joining = [], []
    for ticket in districts.get("", []):
        pulls = [(len(_near(g.members, ticket, gap)), g) for g in placed]
        best = max(pulls, key=lambda pair: pair[0], default=(0, None))
        if best[1] is not None and best[0] > 0:
            joining.append((ticket, best[1]))
        else:
            unplaced.append(ticket)
    for ticket, group in joining:
        group.add(ticket)
    return placed + [_Group(chain, category, "") for chain in _chains(unplaced, gap)]


def group_tickets(tickets: Iterable[TicketSignal], gap: timedelta) -> list[list[TicketSignal]]:
    """Every ticket with a category and a place, in groups (singletons included), each in time order.

    Tickets of one category, place name and district form a group while each report comes within
    ``gap`` of the one before; a ticket whose caller did not say the district joins the group of
    its category and place name with most reports near it; then a report filed under another
    category in the words of a larger group at its place and time moves to it (``_move_strays``)."""
    blocks: dict[tuple[str, str], list[TicketSignal]] = defaultdict(list)
    for ticket in _named(list(tickets)):
        blocks[(ticket.category, ticket.place.name if ticket.place else "")].append(ticket)
    groups = [group for block in blocks.values() for group in _block_groups(block, gap)]
    return [group.members for group in _move_strays(groups, gap) if group.members]


def _wording(ticket: TicketSignal) -> set[str]:
    """The character bigrams of a ticket's text without its place."""
    text = ticket.text.replace(ticket.place.name, " ") if ticket.place else ticket.text
    return grounding.text_bigrams(text)


def _similarity(ticket: TicketSignal, members: list[TicketSignal]) -> float:
    """How alike the ticket's wording is to that of the group's reports nearest in time: the Jaccard
    similarity of its ``STRAY_AGREEING``-th closest match, so that one odd report cannot pull."""
    words = _wording(ticket)
    nearest = sorted(members, key=lambda t: abs(t.created_at - ticket.created_at))[:STRAY_COMPARED]
    scores = sorted(
        (len(words & other) / len(words | other) for other in map(_wording, nearest) if words | other),
        reverse=True,
    )
    return scores[STRAY_AGREEING - 1] if len(scores) >= STRAY_AGREEING else 0.0


def _move_strays(groups: list[_Group], gap: timedelta) -> list[_Group]:
    """A ticket whose category differs from that of a larger group at the same place, district and
    time but whose words are those of that group's reports more than of its own group's (an agent's
    slip, a classifier's miss) moves to it."""
    by_place: dict[str, list[_Group]] = defaultdict(list)
    for group in groups:
        by_place[group.members[0].place.name if group.members[0].place else ""].append(group)
    for group in sorted(groups, key=lambda g: len(g.members)):
        size, place = len(group.members), group.members[0].place
        larger = [
            g
            for g in by_place[place.name if place else ""]
            if len(g.members) > size and g.category != group.category
        ]
        for ticket in list(group.members) if larger else []:
            district = ticket.place.district if ticket.place else ""
            scored = [
                (_similarity(ticket, g.members), g)
                for g in larger
                if _near(g.members, ticket, gap) and (not district or g.district in ("", district))
            ]
            best = max(scored, key=lambda pair: pair[0], default=None)
            if best is not None and best[0] >= STRAY_SIMILARITY:
                group.members.remove(ticket)
                best[1].add(ticket)
    return groups


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


def _why(members: list[TicketSignal], category: str, place: str, gap: timedelta) -> str:
    """What the group's tickets share, and which joined it by a rule rather than by their own fields."""
    apart = max(
        (int((b.created_at - a.created_at).total_seconds() // 60) for a, b in pairwise(members)),
        default=0,
    )
    reasons = [
        f"分类同为「{category}」，地点同为「{place}」，相邻两次来电至多相隔 {apart} 分钟"
        f"（不超过 {int(gap.total_seconds() // 60)} 分钟算同一组）"
    ]
    undistricted = sum(t.place is not None and not t.place.district for t in members)
    renamed = sum(t.named_as is not None for t in members)
    misfiled = sum(t.category != category for t in members)
    if undistricted:
        reasons.append(f"{undistricted} 条未说区县，按同一时段来电最多的一组归入")
    if renamed:
        reasons.append(f"{renamed} 条的地点说法不同（简称、错字），按其他来电的说法认定为同一地点")
    if misfiled:
        reasons.append(f"{misfiled} 条登记为其他分类，但说法与本组来电一致")
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
        said = Counter(str(t.named_as or t.place) for t in members)
        hourly = _hourly(members, now, hours)
        found.append(
            HotIssue(
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
                _why(members, category, place, gap),
            )
        )
    return sorted(found, key=lambda issue: (issue.size, issue.last_at), reverse=True)
