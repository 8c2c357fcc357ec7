"""A policy document (惠企政策, 申报通知, 办法, 申报指南 ...) → its support items, by rules (no model).

Owns what each section of the outline means: a leaf section that grants something (奖励, 补助,
贴息 ...) is a support item; every other line is a document-level fact (受理部门, 申报时间, 申报材料,
by its heading, label or wording) or, under a 申报条件/适用范围 heading or when it says what an
applicant must be (「申请企业应当同时符合下列条件」, 「本细则适用于……」), a condition that governs
every item beside it (the items under the same parent, usually the whole document), wherever it
stands. Outside items, the list items after 「……符合下列条件：」, the rest of a list some of whose items are
conditions, and any line stating a bound (……20万元以上) are conditions too. An item's own conditions
are its labelled 申报条件 lines, its numbered list items and the "对……的" part of its benefit
sentences; its own 受理部门 or 申报时间 sentence wins over the document's. Sanction articles
(弄虚作假……追回) are not conditions. ``clauses`` turns each sentence into typed
conditions, 待核实 where no family fits; ``facts`` finds departments, windows and awards.
Leaves reading non-text formats to ``ingest.readers`` and storing items to ``store``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assistant.errors import BadInput
from assistant.policy_matching.clauses import sentence_conditions
from assistant.policy_matching.conditions import Condition, PolicyItem
from assistant.policy_matching.facts import (
    WINDOW_CUE,
    benefit_part,
    department_rank,
    find_department,
    find_materials,
    find_window,
    max_amount,
    organisation,
)
from assistant.policy_matching.industries import parse_ranges
from assistant.policy_matching.outline import NUMBERING, Section, parse_sections

logger = logging.getLogger(__name__)

_FACT_HEADINGS = {
    "materials": re.compile(r"申报材料|提交材料|所需材料|申请材料"),
    "window": re.compile(r"申报时间|受理时间|申请时间|申报期限|申报时限|时间安排|截止时间|截止日期"),
    "department": re.compile(r"受理部门|受理单位|经办机构|联系方式|联系人|联系单位|联系部门"),
}
_CONDITION_HEADING = re.compile(
    r"申报条件|申请条件|支持对象|适用范围|适用对象|申报主体|基本条件|申报对象|申报要求|基本要求|申请对象"
)
_BENEFIT = re.compile(r"奖励|补助|补贴|贴息|资助|给予|返还|减免|支持标准|最高可|培育资金")
_LABEL = re.compile(
    r"^(申报条件|申请条件|支持对象|申报对象|适用对象|申报主体|支持标准|补助标准|奖励标准|资助标准|申报时间|受理时间|"
    r"申请时间|申报材料|受理部门|受理单位)[：:]\s*(.*)$"
)
_CONDITION_LABELS = ("申报条件", "申请条件", "支持对象", "申报对象", "适用对象", "申报主体")
_BENEFIT_LABELS = ("支持标准", "补助标准", "奖励标准", "资助标准")
_ELIGIBILITY = re.compile(
    r"适用于|可(?:申报|申请|享受)|(?:支持|适用|申报|扶持|奖励|补助)对象(?:为|是|包括)|(?:企业|单位|主体|申请人|项目)[^。；]{0,24}?(?:应当|应|须|需|必须|不得)|(?:应当|应|须)同时(?:符合|具备|满足)"
)
# A stated bound (不低于500万元, 50人以上) outside items is a condition even without 应/须 around it.
_BOUND = re.compile(
    r"(?:不低于|不少于|不超过|不高于|达到|超过|满)\d+(?:\.\d+)?(?:万元|亿元|万美元|人|名|年|%)|"
    r"\d+(?:\.\d+)?(?:万元|亿元|万美元|人|名|%)(?:及)?(?:以上|以下)"
)
_SANCTION = re.compile(r"真实性|弄虚作假|骗取|追回|取消[^。]{0,8}资格|法律责任|责令")
_LIST_ITEM = re.compile(r"^(?:\d+[.、．]|[（(][一二三四五六七八九十\d]+[）)]|[-*•·]\s)")
_BULLET = re.compile(r"^[-*•·]\s+")
_ATTACHMENT = re.compile(r"^附件")  # 附件：进口贴息申报表 names a form, it grants nothing
_DOCUMENT_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d{1,5}\s*号"
)


@dataclass
class _Facts:
    """Lines of a document or an item sorted by what they state."""

    conditions: list[str] = field(default_factory=list)
    window: list[str] = field(default_factory=list)
    departments: list[tuple[str, int | None]] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    benefits: list[str] = field(default_factory=list)


@dataclass
class _Governing:
    scope: list[str]  # the path prefix of the items these conditions govern
    conditions: list[Condition]


def _heading_kind(section: Section) -> str:
    for kind, pattern in _FACT_HEADINGS.items():
        if pattern.search(section.heading):
            return kind
    return "conditions" if _CONDITION_HEADING.search(section.heading) else ""


def is_item(section: Section) -> bool:
    """A leaf that grants something; 「享受本细则补贴的企业应……」 states a condition, not a grant."""
    sentences = [
        s for line in section.lines if not _ATTACHMENT.match(line) for s in re.split(r"(?<=。)", line)
    ]
    grants = any(_BENEFIT.search(s) and not _ELIGIBILITY.search(s) for s in sentences)
    return section.leaf and grants and not _heading_kind(section)


def _sort_line(line: str, default: str, facts: _Facts, in_item: bool) -> None:
    """File one line under what it states; ``default`` is what its section's heading says."""
    if in_item and not _LABEL.match(line) and "。" in line.rstrip("。"):
        for sentence in re.split(r"(?<=。)", line):
            if sentence.strip():
                _sort_line(sentence, default, facts, in_item)
        return
    label = _LABEL.match(line)
    name, rest = (label.group(1), label.group(2)) if label else ("", line)
    if name in _CONDITION_LABELS:
        facts.conditions.append(rest)
    elif name in _BENEFIT_LABELS:
        facts.benefits.append(rest)
    elif name in ("申报材料",) or default == "materials":
        facts.materials.append(rest)
    elif name in ("受理部门", "受理单位") or default == "department":
        facts.departments.append((rest, 0 if name else 1))
        facts.window.append(rest)
    elif name or default == "window" or (WINDOW_CUE.search(line) and find_window(line) != (None, None)):
        facts.window.append(rest)
        facts.departments.append((rest, None))
        _also_conditions(line, facts, in_item)
    elif department_rank(line) is not None:
        facts.departments.append((line, None))
        _also_conditions(line, facts, in_item)
    elif in_item:
        _sort_item_line(line, facts)
    elif default == "conditions" or (
        (_ELIGIBILITY.search(line) or _BOUND.search(line)) and not _SANCTION.search(line)
    ):
        facts.conditions.append(line)


def _also_conditions(line: str, facts: _Facts, in_item: bool) -> None:
    """A 受理 or 申报时间 line that also says what an applicant must do (「企业须在招用之日起12个月内，
    向……提交申请」) keeps that part as a condition."""
    if in_item or not _ELIGIBILITY.search(line) or _SANCTION.search(line):
        return
    kept = [
        c
        for c in re.split(r"(?<=[，；])", line)
        if not organisation(c) and find_window(c) == (None, None) and not WINDOW_CUE.search(c)
    ]
    if "".join(kept).strip("，；。"):
        facts.conditions.append("".join(kept))


def _sort_item_line(line: str, facts: _Facts) -> None:
    """An item's own line: its benefit sentences, and the conditions they and its list items state."""
    listed = bool(_LIST_ITEM.match(line)) or (bool(facts.conditions) and not _BENEFIT.search(line))
    for sentence in re.split(r"(?<=。)", NUMBERING.sub("", line)):
        if not sentence.strip():
            continue
        if _BENEFIT.search(sentence):
            granted = benefit_part(sentence)
            facts.benefits.append(granted)
            condition = sentence[: len(sentence) - len(granted)].rstrip("，")
            if condition:
                facts.conditions.append(condition.removeprefix("对"))
        elif listed or _ELIGIBILITY.search(sentence):
            facts.conditions.append(sentence)


def _filed(facts: _Facts) -> int:
    return (
        len(facts.conditions)
        + len(facts.window)
        + len(facts.departments)
        + len(facts.materials)
        + len(facts.benefits)
    )


def _sorted(sections: list[Section], in_item: bool) -> _Facts:
    facts = _Facts()
    for section in sections:
        default = _heading_kind(section)
        listing = False  # the list items after 「……应当同时符合下列条件：」 are conditions
        unfiled: list[str] = []  # list items that said nothing recognised
        listed_condition = False
        deadline = default == "window" and "截止" in section.heading  # a date alone there is the end
        for raw in section.lines:
            listed, line = bool(_LIST_ITEM.match(raw)), _BULLET.sub("", raw)
            if deadline and not line.startswith("截止"):
                line = f"截止{line}"
            if listing and listed and not in_item:
                facts.conditions.append(line)
                continue
            conditions, filed = len(facts.conditions), _filed(facts)
            _sort_line(line, default, facts, in_item)
            listed_condition |= listed and len(facts.conditions) > conditions
            if listed and _filed(facts) == filed:
                unfiled.append(line)
            listing = (
                line.endswith(("：", ":")) and len(facts.conditions) > conditions or (listing and listed)
            )
        if listed_condition and not in_item:  # the rest of a list of conditions are conditions too
            facts.conditions.extend(unfiled)
    return facts


def _conditions(sentences: list[str], regions: Mapping[str, str]) -> list[Condition]:
    return [c for sentence in sentences for c in sentence_conditions(sentence, regions)]


def _implied(condition: Condition, conditions: list[Condition]) -> bool:
    """An industry range another "in" condition narrows (工业企业 beside 制造业) adds nothing."""
    if condition.kind != "industry" or condition.operator != "in":
        return False
    outer = parse_ranges(condition.value)
    return any(
        other is not condition
        and other.kind == "industry"
        and other.operator == "in"
        and other.value != condition.value
        and all(any(lo <= a and b <= hi for lo, hi in outer) for a, b in parse_ranges(other.value))
        for other in conditions
    )


def _unique(conditions: list[Condition]) -> list[Condition]:
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for condition in conditions:
        if condition.key() not in seen and not _implied(condition, conditions):
            seen.add(condition.key())
            kept.append(condition)
    return kept


@dataclass
class _Document:
    title: str
    number: str
    source: str
    governing: list[_Governing]
    materials: list[str]
    window: tuple[date | None, date | None]
    department: str


def _item(section: Section, number: int, document: _Document, regions: Mapping[str, str]) -> PolicyItem:
    own = _sorted([section], in_item=True)
    inherited = [
        c for g in document.governing if section.path[: len(g.scope)] == g.scope for c in g.conditions
    ]
    conditions = _unique(inherited + _conditions(own.conditions, regions))
    window = find_window("\n".join(own.window))
    benefit = "".join(own.benefits)
    region_values = [v for c in conditions if c.kind == "region" for v in c.value]
    stem = Path(document.source).stem[:40]
    return PolicyItem(
        item_id=f"{stem}-{number:02d}",
        title=section.heading,
        document_title=document.title,
        source=document.source,
        section=" > ".join(section.path[1:] or section.path),
        benefit=benefit,
        max_amount_wan=max_amount(benefit),
        materials=find_materials("\n".join(own.materials)) or document.materials,
        window_start=window[0] or (None if window[1] else document.window[0]),
        window_end=window[1] or document.window[1],
        department=find_department(own.departments) or document.department,
        region="、".join(dict.fromkeys(region_values)),
        document_number=document.number,
        conditions=conditions,
    )


def _governing(sections: list[Section], items: list[Section], regions: Mapping[str, str]) -> list[_Governing]:
    """Conditions outside items, each governing the items under its parent section; a parent with no
    item under it (第一章 总则) hands them up to its own parent."""
    found = []
    for section in sections:
        if sentences := _sorted([section], in_item=False).conditions:
            scope = section.path[:-1]
            while scope and not any(item.path[: len(scope)] == scope for item in items):
                scope = scope[:-1]
            found.append(_Governing(scope, _conditions(sentences, regions)))
    return found


def extract_items(text: str, source: str, regions: Mapping[str, str]) -> list[PolicyItem]:
    """Every support item of one policy document, with conditions, benefit, window and department."""
    sections = parse_sections(text)
    items = [s for s in sections if is_item(s)]
    others = [s for s in sections if not is_item(s)]
    facts = _sorted(others, in_item=False)
    title = next((s.path[0] for s in sections if s.path), Path(source).stem)
    issuer = organisation(title) if "关于" in title else ""
    document = _Document(
        title,
        (m.group(0) if (m := _DOCUMENT_NUMBER.search(text)) else ""),
        source,
        _governing(others, items, regions),
        find_materials("\n".join(facts.materials)),
        find_window("\n".join(facts.window)),
        find_department(facts.departments) or issuer,
    )
    if not items:
        logger.warning("No support item found in %s", source)
    return [_item(section, number, document, regions) for number, section in enumerate(items, start=1)]


def read_policy_text(path: Path) -> str:
    """Markdown or plain text as is; other formats through the knowledge-base readers."""
    if not path.is_file():
        raise BadInput(f"文件不存在：{path}")
    if path.suffix.lower() in (".md", ".txt"):
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadInput(f"{path.name}：不是 UTF-8 编码的文本文件") from exc
    from ingest.readers import read_path

    lines: list[str] = []
    for document in read_path(path):
        lines.append(f"# {document.metadata.title}" if document.metadata.title else "")
        for section in document.sections:
            if section.heading_path:
                lines.append("#" * min(6, len(section.heading_path) + 1) + " " + section.heading_path[-1])
            lines.append(section.text)
    return "\n".join(lines)


def extract_path(path: Path, regions: Mapping[str, str]) -> list[PolicyItem]:
    return extract_items(read_policy_text(path), path.name, regions)
