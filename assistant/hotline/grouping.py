"""Grouping tickets into hot issues: which recent tickets are reports of the same problem.

Two tickets are about the same problem when their words name the same problem (``problems``: 停水,
燃气泄漏, 路灯不亮; their category where the words name none of the vocabulary), they name the same
place and come close in time: a group stays open while new reports keep arriving within ``gap`` of
its latest one. A place is the estate, building or road a ticket names, one name for each place
across the batch (``places``: 东城幸福小区, 幸富小区 and 幸福小区3号楼 are all 幸福小区); two places of
the same name in different districts are not one. A report without a district joins the group of
its place name whose callers named the road it named, else the one whose reports are closest
around it, and says which other place it could have been; a report naming only a road (光华路这边)
joins a group whose callers say their estate is on that road. A report whose words name no problem
joins a group of its place and time about a problem of its category; one filed under another
category but worded like a larger group's reports at the same place and time (an agent's slip, a
classifier's miss) moves to that group, which keeps what it is about.

About linear in the number of tickets (one pass per problem and place, in time order). This module
only groups; what a group shows (size, trend, why) is ``hot_issues``'s.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from assistant.answering import grounding
from assistant.hotline.places import Place, resolve_places
from assistant.hotline.problems import ProblemVocabulary, default_vocabulary

STRAY_SIMILARITY = 0.3  # measured on the bench's dev stream (eval_sets/hot_issues.py)
STRAY_COMPARED = 10
STRAY_AGREEING = 2
TIME_SCALE = timedelta(minutes=10)  # measured on the dev stream: 0.940 (count in the gap) → 0.964
ROAD_AGREEING, ROAD_SHARE = 2, 2 / 3  # how many of a group's callers must name its road, and what share


@dataclass(frozen=True)
class TicketSignal:
    """What grouping reads of one ticket."""

    ticket_id: int
    created_at: datetime
    category: str
    place: Place | None
    text: str  # the matter and the request, masked, shown as an example call
    named_as: Place | None = None  # the place as the caller put it, where grouping named it otherwise
    problem: str = ""  # the problem its words name (``problems``), set by grouping
    also_near: str = ""  # another place of its name with the same problem then, when no district was said


@dataclass
class _Group:
    """Reports in time order; the problem (or, where the callers' words name none, the category) and
    district are those it was formed by, fixed, so a report moved in later does not change what the
    group is about."""

    members: list[TicketSignal]
    problem: str
    category: str
    district: str

    @property
    def subject(self) -> str:
        return self.problem or self.category

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


def _without_place(ticket: TicketSignal) -> str:
    """The ticket's words with its place blanked, as the caller and as the batch named it."""
    text = ticket.text
    for place in (ticket.named_as, ticket.place):
        if place is not None:
            text = text.replace(place.name, " ")
    return text


def _named(tickets: list[TicketSignal], vocabulary: ProblemVocabulary) -> list[TicketSignal]:
    """The tickets with a category and a place, each place as the batch names it most
    (``resolve_places``) and each with the problem its words name, if any."""
    placed = [t for t in tickets if t.category and t.place is not None]
    resolved = resolve_places(t.place for t in placed if t.place is not None)
    renamed = []
    for ticket in placed:
        known = resolved.get(ticket.place) if ticket.place is not None else None
        if known is not None and ticket.place is not None:
            place = replace(ticket.place, district=known.district, name=known.name)
            ticket = replace(ticket, place=place, named_as=ticket.place)
        problem = vocabulary.problem_of(_without_place(ticket))
        renamed.append(replace(ticket, problem=problem.name) if problem else ticket)
    return renamed


def _pull(members: list[TicketSignal], ticket: TicketSignal, gap: timedelta) -> float:
    """How strongly a group's reports near the ticket in time claim it: each counts the less the
    further it is (a report of one incident comes amid the others, not at the edge of the gap)."""
    return sum(
        math.exp(-abs((t.created_at - ticket.created_at).total_seconds()) / TIME_SCALE.total_seconds())
        for t in _near(members, ticket, gap)
    )


def _pick_district(ticket: TicketSignal, placed: list[_Group], gap: timedelta) -> _Group | None:
    """The group a report without district joins: among those near it, the ones whose callers named
    the road this caller named (learnt from the batch), then the one whose reports are most and
    closest around it (``_pull``). A ticket that could be either keeps the other place's name in
    ``also_near`` for staff to check."""
    pulls = [(_pull(g.members, ticket, gap), g) for g in placed]
    pulls = [(pull, g) for pull, g in pulls if pull]
    road = ticket.place.road if ticket.place else ""
    on_road = [(p, g) for p, g in pulls if road and any(t.place and t.place.road == road for t in g.members)]
    if on_road and len({g.district for _, g in on_road}) == 1:
        pulls = on_road
    if not pulls:
        return None
    best = max(pulls, key=lambda pair: pair[0])[1]
    others = sorted({g.district for _, g in pulls if g.district != best.district})
    if others and ticket.place is not None:
        best.add(replace(ticket, also_near="、".join(d + ticket.place.name for d in others)))
    else:
        best.add(ticket)
    return best


def _block_groups(block: list[TicketSignal], gap: timedelta) -> list[_Group]:
    """One problem (or category) and place name: a group per district while reports keep coming
    within ``gap``; a report without district joins one of them (``_pick_district``), and those near
    none group among themselves."""
    districts: dict[str, list[TicketSignal]] = defaultdict(list)
    for ticket in block:
        districts[ticket.place.district if ticket.place else ""].append(ticket)
    problem, category = block[0].problem, block[0].category
    placed = [
        _Group(chain, problem, category, district)
        for district, members in districts.items()
        if district
        for chain in _chains(members, gap)
    ]
    unplaced = [t for t in districts.get("", []) if _pick_district(t, placed, gap) is None]
    return placed + [_Group(chain, problem, category, "") for chain in _chains(unplaced, gap)]


def group_tickets(
    tickets: Iterable[TicketSignal], gap: timedelta, vocabulary: ProblemVocabulary | None = None
) -> list[list[TicketSignal]]:
    """Every ticket with a category and a place, in groups (singletons included), each in time order.

    Tickets about one problem (``problems``; their category where their words name none), place
    name and district form a group while each report comes within ``gap`` of the one before; a
    ticket whose caller did not say the district joins the group of its problem and place name whose
    reports are closest around it (``_pick_district``); one naming only a road joins the group about its problem on that road
    (``_join_by_road``); a ticket whose words name no problem joins a group at its place and time
    about a problem of its category (``_join_by_category``); then a report filed under another
    category in the words of a larger group at its place and time moves to it (``_move_strays``)."""
    blocks: dict[tuple[str, str], list[TicketSignal]] = defaultdict(list)
    for ticket in _named(list(tickets), vocabulary or default_vocabulary()):
        blocks[(ticket.problem or ticket.category, ticket.place.name if ticket.place else "")].append(ticket)
    vocabulary = vocabulary or default_vocabulary()
    groups = [group for block in blocks.values() for group in _block_groups(block, gap)]
    groups = _join_by_road(groups, gap)
    groups = _join_by_category(groups, {p.name: p.category for p in vocabulary.problems}, gap)
    return [group.members for group in _move_strays(groups, gap) if group.members]


def _wording(ticket: TicketSignal) -> set[str]:
    """The character bigrams of a ticket's text without its place."""
    return grounding.text_bigrams(_without_place(ticket))


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


def _by_place(groups: list[_Group]) -> dict[str, list[_Group]]:
    by_place: dict[str, list[_Group]] = defaultdict(list)
    for group in groups:
        by_place[group.members[0].place.name if group.members[0].place else ""].append(group)
    return by_place


def _reachable(ticket: TicketSignal, group: _Group, gap: timedelta) -> bool:
    """The group has reports near the ticket in time, in the ticket's district or one not said."""
    district = ticket.place.district if ticket.place else ""
    return bool(_near(group.members, ticket, gap)) and (not district or group.district in ("", district))


def _road_of(group: _Group) -> str:
    """The road the group's callers say their estate is on, where they agree on one: named by at
    least ``ROAD_AGREEING`` of them and by most of those who named a road."""
    roads = Counter(t.place.road for t in group.members if t.place and t.place.road)
    if not roads:
        return ""
    road, count = roads.most_common(1)[0]
    return road if count >= ROAD_AGREEING and count >= ROAD_SHARE * roads.total() else ""


def _join_by_road(groups: list[_Group], gap: timedelta) -> list[_Group]:
    """A ticket naming only a road (光华路这边) joins a group about the same problem at its time whose
    callers say their estate is on that road; where two such estates have it, the one with most
    reports near it, the other kept in ``also_near`` for staff to check."""
    on_road: dict[tuple[str, str], list[_Group]] = defaultdict(list)
    for group in groups:
        if road := _road_of(group):
            on_road[(group.subject, road)].append(group)
    for group in groups:
        place = group.members[0].place
        estates = on_road.get((group.subject, place.name if place else ""), [])
        for ticket in list(group.members) if estates else []:
            near = [(len(_near(g.members, ticket, gap)), g) for g in estates if _reachable(ticket, g, gap)]
            if not near:
                continue
            best = max(near, key=lambda pair: pair[0])[1]
            others = sorted({str(g.members[0].place) for _, g in near if g is not best})
            group.members.remove(ticket)
            best.add(replace(ticket, also_near="、".join(others)) if others else ticket)
    return [group for group in groups if group.members]


def _join_by_category(groups: list[_Group], categories: dict[str, str], gap: timedelta) -> list[_Group]:
    """A ticket whose words name no problem joins a group at its place and time about a problem of
    its category: the one worded most like it, else the one with most reports near it."""
    by_place = _by_place(groups)
    for group in groups:
        if group.problem:
            continue
        place = group.members[0].place
        about = [
            g for g in by_place[place.name if place else ""] if categories.get(g.problem) == group.category
        ]
        for ticket in list(group.members) if about else []:
            scored = [
                (_similarity(ticket, g.members), len(_near(g.members, ticket, gap)), g)
                for g in about
                if _reachable(ticket, g, gap)
            ]
            if scored:
                group.members.remove(ticket)
                max(scored, key=lambda scores: scores[:2])[2].add(ticket)
    return [group for group in groups if group.members]


def _move_strays(groups: list[_Group], gap: timedelta) -> list[_Group]:
    """A ticket whose words name no problem and whose category differs from that of a larger group
    at the same place, district and time but whose words are those of that group's reports (an
    agent's slip, a classifier's miss) moves to it."""
    by_place = _by_place(groups)
    for group in sorted(groups, key=lambda g: len(g.members)):
        size, place = len(group.members), group.members[0].place
        larger = [
            g
            for g in by_place[place.name if place else ""]
            if len(g.members) > size and g.subject != group.subject
        ]
        for ticket in [t for t in group.members if not t.problem] if larger else []:
            scored = [(_similarity(ticket, g.members), g) for g in larger if _reachable(ticket, g, gap)]
            best = max(scored, key=lambda pair: pair[0], default=None)
            if best is not None and best[0] >= STRAY_SIMILARITY:
                group.members.remove(ticket)
                best[1].add(ticket)
    return groups
