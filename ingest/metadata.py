"""Metadata extraction from the text of a Chinese government document.

Owns: pure functions that guess the title, 文号, 发文机关, dates and region of a policy document
from its plain text, and ``parse_date`` for the date spellings Chinese documents use.
Leaves: reading files (``ingest.readers``), overrides from sidecars or the command line (applied
by the readers before extraction), and anything needing a model. Extraction only fills fields
that are still empty, so explicit values always win; it prefers leaving a field empty to guessing.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from assistant.documents import DocumentMetadata

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER = "[〇零○一二两三四五六七八九十]"
_DATE_PATTERN = (
    rf"(?:\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日"
    rf"|{_CN_NUMBER}{{4}}年{_CN_NUMBER}{{1,2}}月{_CN_NUMBER}{{1,3}}日"
    rf"|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}})"
)
DATE_RE = re.compile(_DATE_PATTERN)
# 文号: agency abbreviation, year in any bracket style, serial number. 示府办发〔2025〕12号, 国税发[2020]5号.
DOCUMENT_NUMBER_RE = re.compile(
    r"([\u4e00-\u9fff]{1,12})\s*[〔\[［(（【]\s*((?:19|20)\d{2})\s*[〕\]］)）】]\s*(\d{1,5})\s*号"
)
_ORG_SUFFIXES = (
    "人民政府",
    "办公室",
    "办公厅",
    "委员会",
    "政府",
    "局",
    "厅",
    "部",
    "中心",
    "院",
    "委",
    "署",
    "会",
)
_SENTENCE_END = "。！？；，：:"
_TITLE_WORDS = (
    "关于",
    "通知",
    "办法",
    "规定",
    "意见",
    "条例",
    "细则",
    "方案",
    "决定",
    "公告",
    "通告",
    "指南",
    "规划",
    "措施",
    "政策",
    "解读",
    "批复",
    "函",
)
_REGION_RE = re.compile(
    r"[^\s\d〔〕\[\]()（）\-局部委厅院会府办司署]{2,7}?(?:特别行政区|自治区|自治州|省|市|地区|盟|州|县|区|旗)"
)
_EFFECTIVE_RE = re.compile(rf"自\s*({_DATE_PATTERN})\s*(?:起|开始)?\s*(?:施行|执行|实施|生效)")
_EFFECTIVE_ON_PUBLISH_RE = re.compile(r"自(?:发布|印发|公布|发文)之日起(?:施行|执行|实施|生效)")
_EXPIRY_RE = re.compile(rf"有效期(?:至|到|截至)\s*({_DATE_PATTERN})")
_VALIDITY_YEARS_RE = re.compile(rf"有效期(?:为|暂定)?\s*(\d{{1,2}}|{_CN_NUMBER}{{1,2}})\s*年")
_LABELLED_DATE_RE = re.compile(rf"(?:成文|发布|印发|公布)(?:日期|时间)\s*[:：]?\s*({_DATE_PATTERN})")


def _cn_to_int(text: str) -> int:
    """Convert 二〇二五 (digit by digit) or 三十一 (positional) to an int."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[char]) for char in text))
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def parse_date(text: str) -> date | None:
    """Parse the first date in ``text``: 2025年3月1日, 二〇二五年三月一日, 2025-03-01, 2025/3/1."""
    match = DATE_RE.search(text or "")
    if not match:
        return None
    parts = re.split(r"\s*[年月日/.\-]\s*", match.group(0).replace(" ", ""))
    try:
        year, month, day = (_cn_to_int(part) for part in parts[:3])
        return date(year, month, day)
    except (ValueError, KeyError):
        return None


def normalize_document_number(text: str) -> str:
    """Return the first 文号 in ``text`` in the standard 〔〕 form, or ''."""
    match = DOCUMENT_NUMBER_RE.search(text)
    if not match:
        return ""
    prefix, year, serial = match.groups()
    return f"{prefix}〔{year}〕{serial}号"


def _lines(text: str) -> list[str]:
    return [line.strip().lstrip("#").strip() for line in text.splitlines() if line.strip()]


def _is_org_line(line: str) -> bool:
    """A line that is just the name of one organisation (no punctuation, digits or 文号)."""
    if len(line) > 40 or any(char in line for char in _SENTENCE_END + "、") or re.search(r"\d", line):
        return False
    return line.endswith(_ORG_SUFFIXES)


def find_document_number(lines: list[str]) -> str:
    """The 文号 standing on its own line near the top (or after a 文号： label); body citations are ignored."""
    for line in lines[:15]:
        labelled = re.match(r"^\|?\s*(?:文\s*号|发文字号)\s*(?:[:：]|\|)\s*([^|]+)", line)
        candidate = labelled.group(1).strip() if labelled else line
        match = DOCUMENT_NUMBER_RE.match(candidate)
        if match and (labelled or len(candidate) - match.end() == 0 or "签发人" in candidate):
            return normalize_document_number(candidate)
    return ""


def find_title(lines: list[str]) -> str:
    """The first heading-like line of the first few: short, no sentence punctuation, not a 文号 or date."""
    candidates = []
    for line in lines[:10]:
        if len(line) > 80 or line[-1] in _SENTENCE_END or DOCUMENT_NUMBER_RE.match(line):
            continue
        if DATE_RE.fullmatch(line) or line.endswith("文件") or line.startswith(("附件", "发布", "来源")):
            continue
        candidates.append(line)
    for line in candidates:
        if any(word in line for word in _TITLE_WORDS):
            return line
    return candidates[0] if candidates else ""


def find_issuing_body(lines: list[str], title: str) -> str:
    """The 发文机关 from the 版头 ('…文件'), the signature block above the closing date, or the title."""
    for line in lines[:3]:
        if line.endswith("文件") and _is_org_line(line[:-2]):
            return line[:-2]
    tail = lines[-8:] if len(lines) > 8 else lines[1:]
    signature = [line for line in tail if _is_org_line(line)]
    if signature:
        return signature[0]
    head, found, _ = title.partition("关于")
    head = head.split("转发")[0]  # 甲办公厅转发乙部关于…: 甲 issued it
    if found and _is_org_line(head):
        return head
    for line in lines[:3]:
        if _is_org_line(line) and line != title:
            return line
    return ""


def find_publish_date(lines: list[str], text: str) -> date | None:
    """成文/发布日期 when labelled, else a date standing alone on one of the last lines."""
    labelled = _LABELLED_DATE_RE.search(text)
    if labelled:
        return parse_date(labelled.group(1))
    for line in reversed(lines[-8:]):
        bare = line.strip("（）() ")
        if DATE_RE.fullmatch(bare):
            return parse_date(bare)
    return None


def _add_years(start: date, years: int) -> date:
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28)
    return end - timedelta(days=1)


def find_effective_date(text: str, publish_date: date | None) -> date | None:
    """自2025年1月1日起施行 → that date; 自发布之日起施行 → the publish date."""
    match = _EFFECTIVE_RE.search(text)
    if match:
        return parse_date(match.group(1))
    return publish_date if _EFFECTIVE_ON_PUBLISH_RE.search(text) else None


def find_expiry_date(text: str, start: date | None) -> date | None:
    """有效期至2027年12月31日 → that date; 有效期X年 → X years from ``start``, less one day."""
    until = _EXPIRY_RE.search(text)
    if until:
        return parse_date(until.group(1))
    years = _VALIDITY_YEARS_RE.search(text)
    if years and start:
        return _add_years(start, _cn_to_int(years.group(1)))
    return None


def find_region(issuing_body: str) -> str:
    """The first province/city/county name in the issuing body: 示例市人民政府 → 示例市."""
    for match in _REGION_RE.finditer(issuing_body):
        name = match.group(0)
        following = issuing_body[match.end() : match.end() + 1]
        if name.startswith(("国家", "中华", "中国", "全国")) or following in ("场", "民"):
            continue
        return name
    return ""


def extract_metadata(text: str, base: DocumentMetadata) -> DocumentMetadata:
    """Return ``base`` with its empty fields filled from ``text``; non-empty fields are kept."""
    lines = _lines(text)
    if not lines:
        return replace(base)
    title = base.title or find_title(lines)
    issuing_body = base.issuing_body or find_issuing_body(lines, title)
    publish_date = base.publish_date or find_publish_date(lines, text)
    effective_date = base.effective_date or find_effective_date(text, publish_date)
    return replace(
        base,
        title=title,
        issuing_body=issuing_body,
        document_number=base.document_number or find_document_number(lines),
        publish_date=publish_date,
        effective_date=effective_date,
        expiry_date=base.expiry_date or find_expiry_date(text, effective_date or publish_date),
        region=base.region or find_region(issuing_body),
    )
