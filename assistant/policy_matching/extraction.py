"""A policy document (惠企政策, 申报通知 ...) → its support items, by rules (no model).

Owns the document structure: headings and 第X条 articles become sections; a leaf section that
grants something (奖励, 补助, 贴息 ...) is a support item; sections titled 申报条件/支持对象/适用范围
hold conditions common to every item, 申报材料/申报时间/受理部门 the shared materials, window and
handling department (an item's own 申报条件：/申报时间： lines win). Condition sentences are the
labelled lines and the "对……的，给予……" clauses; ``clauses`` turns each into typed conditions.
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
from assistant.policy_matching.clauses import normalise, sentence_conditions
from assistant.policy_matching.conditions import Condition, PolicyItem

logger = logging.getLogger(__name__)

_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零\d]+条)\s*(.*)$")
_NUMBERING = re.compile(r"^(?:第[一二三四五六七八九十百零\d]+[条章节]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．])\s*")
_CATEGORIES = {
    "materials": re.compile(r"申报材料|提交材料|所需材料|申请材料"),
    "window": re.compile(r"申报时间|受理时间|申报期限|申报方式|申报时限"),
    "department": re.compile(r"受理部门|受理单位|经办机构|组织实施|负责解释|联系方式"),
}
_CONDITIONS = re.compile(r"申报条件|支持对象|适用范围|适用对象|申报主体|基本条件|申报对象")
_BENEFIT = re.compile(r"奖励|补助|补贴|贴息|资助|给予|返还|减免|支持标准|最高可")
_LABEL = re.compile(r"^(申报条件|支持对象|申报对象|适用对象|支持标准|补助标准|奖励标准|申报时间|受理时间|申报材料)[：:]\s*(.*)$")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万元|亿元)")
_DATE_RANGE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日[^。；\d]{0,4}?(?:至|到|-|~)(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d{1,5}\s*号")
_CONDITION_END = re.compile(r"，(?=按|给予|可|一次性|奖励|补助|补贴|分档|最高)")


@dataclass
class Section:
    path: list[str]
    lines: list[str] = field(default_factory=list)
    leaf: bool = True

    @property
    def heading(self) -> str:
        return _NUMBERING.sub("", self.path[-1]).strip() if self.path else ""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def parse_sections(text: str) -> list[Section]:
    """Markdown headings and 第X条 articles → sections in document order (leaf flags set)."""
    sections: list[Section] = [Section([])]
    headings: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if heading := _HEADING.match(line):
            headings = headings[: len(heading.group(1)) - 1] + [heading.group(2).strip()]
            sections.append(Section(list(headings)))
        elif article := _ARTICLE.match(line):
            title, body = _article_title(article.group(1), article.group(2))
            sections.append(Section([*headings, title], [body] if body else []))
        else:
            sections[-1].lines.append(line)
    for current, following in zip(sections, sections[1:], strict=False):
        current.leaf = not (len(following.path) > len(current.path) and following.path[: len(current.path)] == current.path)
    return [s for s in sections if s.path or s.lines]


def _article_title(number: str, rest: str) -> tuple[str, str]:
    first, dot, remainder = rest.partition("。")
    if dot and len(first) <= 16 and "，" not in first:
        return f"{number} {first}", remainder.strip()
    return number, rest


def classify(section: Section) -> str:
    for category, pattern in _CATEGORIES.items():
        if pattern.search(section.heading):
            return category
    if section.leaf and _BENEFIT.search(section.text) and not _CONDITIONS.search(section.heading):
        return "item"
    if _CONDITIONS.search(section.heading) or _CONDITIONS.search(section.text[:20]):
        return "conditions"
    for category, pattern in _CATEGORIES.items():
        if pattern.search(section.text[:30]):
            return category
    return "other"


def find_window(text: str) -> tuple[date | None, date | None]:
    match = _DATE_RANGE.search(normalise(text))
    if not match:
        return None, None
    year, month, day, end_year, end_month, end_day = match.groups()
    try:
        return date(int(year), int(month), int(day)), date(int(end_year or year), int(end_month), int(end_day))
    except ValueError:
        return None, None


def find_department(text: str) -> str:
    if match := re.search(r"由(.{2,30}?)负责", text):
        return match.group(1)
    first = text.strip().splitlines()[0] if text.strip() else ""
    return re.sub(r"[（(].*?[）)]", "", first).rstrip("。；;")


def find_materials(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if re.match(r"^\d+[.、．]", line)]
    if not lines and (listed := re.search(r"(?:包括|如下|材料)[：:](.+)", text)):
        lines = re.split(r"[、；;]", listed.group(1))
    return [_NUMBERING.sub("", line).strip().rstrip("。；;") for line in lines if line.strip()]


def max_amount(text: str) -> float | None:
    """The largest 万元 amount of a benefit sentence, after its "对……的" condition part."""
    if text.startswith("对") and (end := _CONDITION_END.search(text)):
        text = text[end.end():]
    amounts = [float(n) * (10000 if unit == "亿元" else 1) for n, unit in _AMOUNT.findall(normalise(text))]
    return max(amounts) if amounts else None


def condition_sentences(section: Section) -> list[str]:
    """Sentences of an item that state its conditions: labelled lines and 对……的 clauses."""
    found: list[str] = []
    for line in section.lines:
        label = _LABEL.match(line)
        if label and label.group(1) in ("申报条件", "支持对象", "申报对象", "适用对象"):
            found.append(label.group(2))
            continue
        for sentence in re.split(r"(?<=。)", line):
            if sentence.startswith("对"):
                end = _CONDITION_END.search(sentence)
                found.append(sentence[1: end.start() if end else None])
    return [sentence for sentence in found if sentence.strip()]


@dataclass
class _DocumentContext:
    title: str
    number: str
    source: str
    common: list[Condition]
    materials: list[str]
    window: tuple[date | None, date | None]
    department: str


def _unique(conditions: list[Condition]) -> list[Condition]:
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for condition in conditions:
        if condition.key() not in seen:
            seen.add(condition.key())
            kept.append(condition)
    return kept


def _item(section: Section, number: int, context: _DocumentContext, regions: Mapping[str, str]) -> PolicyItem:
    own = [c for s in condition_sentences(section) for c in sentence_conditions(s, regions)]
    conditions = _unique(context.common + own)
    labelled = {m.group(1): m.group(2) for line in section.lines if (m := _LABEL.match(line))}
    benefit = next((labelled[k] for k in ("支持标准", "补助标准", "奖励标准") if k in labelled), "") or next(
        (line for line in section.lines if _BENEFIT.search(line) and not _LABEL.match(line)), ""
    )
    window = find_window(labelled.get("申报时间", "") or labelled.get("受理时间", ""))
    region_values = [v for c in conditions if c.kind == "region" for v in c.value]
    stem = Path(context.source).stem[:40]
    return PolicyItem(
        item_id=f"{stem}-{number:02d}", title=section.heading, document_title=context.title,
        source=context.source, section=" > ".join(section.path[1:] or section.path), benefit=benefit,
        max_amount_wan=max_amount(benefit), materials=find_materials(labelled.get("申报材料", "")) or context.materials,
        window_start=window[0] or context.window[0], window_end=window[1] or context.window[1],
        department=context.department, region="、".join(dict.fromkeys(region_values)),
        document_number=context.number, conditions=conditions,
    )


def extract_items(text: str, source: str, regions: Mapping[str, str]) -> list[PolicyItem]:
    """Every support item of one policy document, with conditions, benefit, window and department."""
    sections = parse_sections(text)
    categories = [classify(section) for section in sections]
    joined = {kind: "\n".join(s.text for s, c in zip(sections, categories, strict=True) if c == kind)
              for kind in ("materials", "window", "department")}
    title = next((s.path[0] for s in sections if s.path), Path(source).stem)
    common = [c for s, kind in zip(sections, categories, strict=True) if kind == "conditions"
              for line in s.lines for c in sentence_conditions(line, regions)]
    issuer = title.split("关于")[0] if "关于" in title else ""
    context = _DocumentContext(
        title, (m.group(0) if (m := _DOCUMENT_NUMBER.search(text)) else ""), source, common,
        find_materials(joined["materials"]), find_window(joined["window"]),
        find_department(joined["department"]) or issuer,
    )
    items = [s for s, kind in zip(sections, categories, strict=True) if kind == "item"]
    if not items:
        logger.warning("No support item found in %s", source)
    return [_item(section, number, context, regions) for number, section in enumerate(items, start=1)]


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
