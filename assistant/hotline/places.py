"""The place a ticket is about, read the way callers name it, and one name for each place across a
batch of tickets.

``place_of`` reads one address: the estate, building or road without the city, the street office,
the caller's building, unit, door or the estate's phase (一期), a gate, a landmark it is beside or
a word said twice, so 「示例市东城区光明街幸福小区3号楼」 and 「幸福小区北门」 are both 幸福小区 (the
first in 东城区 on 光明街). ``resolve_places`` then settles what one address
alone cannot, from what the other callers of the batch said: a district shortened and glued to the
estate (东城幸福小区, where 东城区 and 幸福小区 are both named elsewhere) and a name a caller or an
agent mistyped by one character (幸富小区 beside many 幸福小区). Grouping tickets is ``grouping``'s.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from assistant.hotline.extraction import address

_LEAD = re.compile(r"^(?:请问|我们|我家|我住在|我住|住在|家住|就是|那个|这个|咱们)+")
_CITY = re.compile(r"^[\u4e00-\u9fff]{1,6}?市(?!场)")
_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?:(?<![小社景校厂])区|县)(?!域)")  # 幸福小区 is no district
_STUTTER = re.compile(r"(.{2,3})\1")  # 桂园桂园区: a caller restarting a word
# 人民医院对面的樱花苑, 樱花苑，就在人民医院旁边: the estate is the place, the landmark only says where it is.
_LANDMARK = re.compile(r"^.*?(?:斜对面|对面|旁边|附近|隔壁|边上|后面|前面)的")
_AFTERWORD = re.compile(r"[，,、。；;！!？?].*$")
_STREET_OFFICE = re.compile(r"^[\u4e00-\u9fff]{1,6}?(?:街道|镇|乡)")
_ROAD = re.compile(r"^.*?(?:大道|大街|路|街|巷|胡同)(?:\d+号)?")
# A building, unit or door, or a phase of the estate (安居里二期): a part of the place, not another one.
_UNIT = re.compile(r"(?:\d+(?:号楼|栋|单元|号|室|层|楼)|[一二三四五六七八九十\d]+期).*$")
_NEAR = re.compile(
    r"(?:附近|门口|对面|旁边|周边|一带|里面|(?<=[区园苑村寓厦场院])[里内]|这边|那边|[东南西北]门|[东南西北]侧)$"
)  # 幸福小区里 is in 幸福小区; 安居里 is an estate
# What kind of place a name is; a name differing from another only here is another place (幸福花园, 幸福家园).
_KIND = re.compile(
    r"(?:小区|花园|家园|新村|公寓|大厦|大院|广场|社区|雅苑|苑|村|园|里|大道|大街|路|街|巷|胡同|医院|学校|小学|中学|市场|公园)$"
)
MISTYPED_SHARE = 1 / 3  # a name this much rarer than one a character away is taken for its typo


@dataclass(frozen=True)
class Place:
    district: str  # 东城区; "" when the caller did not say
    name: str  # 幸福小区, 光明街
    road: str = field(default="", compare=False)  # the road the caller named with the estate, a hint

    def __str__(self) -> str:
        return self.district + self.name


def place_of(address_text: str, text: str = "") -> Place | None:
    """The place a ticket names: its address field, or the address read out of its text."""
    raw = address_text.strip()
    if not raw and text:
        found = address(text)
        raw = found.value if found else ""
    if not raw:
        return None
    said = _LANDMARK.sub("", _AFTERWORD.sub("", _STUTTER.sub(r"\1", re.sub(r"\s+", "", raw))))
    rest = _CITY.sub("", _LEAD.sub("", said))
    district_match = _DISTRICT.match(rest)
    district = district_match.group() if district_match else ""
    if district.endswith("园区") and len(rest) - len(district) < 2:  # 高新工业园区 alone is a place
        district = ""
    rest = _STREET_OFFICE.sub("", rest[len(district) :])
    rest = _NEAR.sub("", _UNIT.sub("", rest))
    road = _ROAD.match(rest)
    on_road = ""
    if road and len(rest) - road.end() > 2:  # 光明街幸福小区 → 幸福小区 (callers often leave out the road)
        on_road, rest = road.group(), rest[road.end() :]
    rest = _NEAR.sub("", rest)
    if len(rest) < 2 and not (district and rest):
        return None
    return Place(district, rest, on_road)


def _short_forms(districts: Iterable[str]) -> dict[str, str]:
    """How callers shorten each district (东城区 → 东城, 滨海新区 → 滨海); a short form two share is dropped."""
    forms: dict[str, set[str]] = {}
    for district in districts:
        stem = district[:-1]
        for short in {stem, stem.removesuffix("新")}:
            if len(short) >= 2:
                forms.setdefault(short, set()).add(district)
    return {short: next(iter(full)) for short, full in forms.items() if len(full) == 1}


def _variants(name: str) -> list[str]:
    """The name with each character of its own name (not its kind) blanked: two names sharing one of
    these are of one kind and differ in one character (幸富小区, 幸福小区)."""
    kind = _KIND.search(name)
    stem = len(name) - len(kind.group()) if kind else 0
    return [name[:i] + "?" + name[i + 1 :] for i in range(stem)] if stem >= 2 else []


def resolve_places(places: Iterable[Place]) -> dict[Place, Place]:
    """For each place of a batch whose name another caller put differently, the place as named most:
    a known district's short form glued to a known name is that district and name, and a name much
    rarer than one of its kind a character away is a typo of it."""
    places = list(places)
    names = Counter(p.name for p in places)
    shorts = _short_forms({p.district for p in places if p.district})
    resolved: dict[Place, Place] = {}
    for place in set(places):
        short = next((s for s in shorts if place.name.startswith(s) and names[place.name[len(s) :]]), None)
        if short is not None and place.district in ("", shorts[short]):
            resolved[place] = replace(place, district=shorts[short], name=place.name[len(short) :])
    apart: dict[str, list[str]] = {}
    for name in names:
        for variant in _variants(name):
            apart.setdefault(variant, []).append(name)
    named: dict[str, list[Place]] = {}
    for place in set(places):
        named.setdefault(place.name, []).append(place)
    for name, count in names.items():
        neighbours = {other for variant in _variants(name) for other in apart[variant] if other != name}
        common = max(
            (other for other in neighbours if names[other] * MISTYPED_SHARE >= count),
            key=names.__getitem__,
            default=None,
        )
        if common is not None:
            for place in named[name]:
                resolved[place] = replace(resolved.get(place, place), name=common)
    return resolved
