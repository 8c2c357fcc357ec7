"""A policy document's outline: headings, numbered sections, articles and table rows → sections.

Owns telling a heading from a list item in the ways policies number them (Markdown ``#``, 第X章,
一、, （一）, 第X条) and nesting them by order of first appearance (a style seen before closes the
sections opened since, a new one opens a level below); a numbered line is a heading when it is a
short title, or a short title followed by 。 and its text, and a list item when it reads as a
sentence, continues a list of its style, or is a （一） after a line ending in ：. A table whose header names the item and its 申报条件 or
支持标准 becomes one section per row, with labelled 申报条件：/支持标准： lines. Leaves what a
section means (item, conditions, facts) to ``extraction``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MARKDOWN = re.compile(r"^(#{1,6})\s+(.+)$")
_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零\d]+条)\s*(.*)$")
_STYLES = [
    ("chapter", re.compile(r"^第[一二三四五六七八九十百零\d]+[章节]\s*")),
    ("number", re.compile(r"^[一二三四五六七八九十]+、\s*")),
    ("paren", re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*")),
    ("digit", re.compile(r"^\d+[.、．]\s*")),  # a heading only as 「1.标题。正文」: bare 1. lines are lists
]
NUMBERING = re.compile(
    r"^(?:第[一二三四五六七八九十百零\d]+[条章节]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．])\s*"
)
_SENTENCE_END = re.compile(r"[。；;：:，,]$")
_TITLE_COLUMN = re.compile(r"事项|项目|名称|类别|政策")
_CONDITION_COLUMN = re.compile(r"条件|主体|对象|要求")
_BENEFIT_COLUMN = re.compile(r"标准|金额|额度|支持内容|扶持内容|奖励|补助|资助")
_SEPARATOR = re.compile(r"^[\s|:：-]+$")


@dataclass
class Section:
    path: list[str]
    lines: list[str] = field(default_factory=list)
    leaf: bool = True

    @property
    def heading(self) -> str:
        return NUMBERING.sub("", self.path[-1]).strip() if self.path else ""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _title_and_body(rest: str, short: int) -> tuple[str, str] | None:
    """A numbered line's title and body when it is a heading, else None."""
    first, dot, remainder = rest.partition("。")
    if dot and remainder.strip() and len(first) <= 16 and "，" not in first:
        return first.strip(), remainder.strip()
    if not dot and rest and len(rest) <= short and not _SENTENCE_END.search(rest) and "，" not in rest:
        return rest.strip(), ""
    return None


class _Outline:
    def __init__(self) -> None:
        self.sections: list[Section] = [Section([])]
        self.stack: list[tuple[str, str]] = []  # (style, title)
        self.list_style: str | None = None  # numbered lines of this style are list items
        self.table: list[list[str]] = []

    def open(self, style: str, title: str, body: str = "") -> None:
        if style.startswith("md"):
            while self.stack and (not self.stack[-1][0].startswith("md") or self.stack[-1][0] >= style):
                self.stack.pop()
        elif any(s == style for s, _ in self.stack):
            while self.stack.pop()[0] != style:
                pass
        self.stack.append((style, title))
        self.sections.append(Section([t for _, t in self.stack], [body] if body else []))
        self.list_style = None

    def line(self, line: str) -> None:
        if line.startswith("|"):
            self.table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            return
        self.flush_table()
        if heading := _MARKDOWN.match(line):
            self.open(f"md{len(heading.group(1))}", heading.group(2).strip())
        elif article := _ARTICLE.match(line):
            title, body = _article_title(article.group(1), article.group(2))
            self.open("article", title, body)
        elif (style := self.numbered_heading(line)) is not None:
            self.open(*style)
        else:
            self.sections[-1].lines.append(line)
            numbered = next((style for style, pattern in _STYLES if pattern.match(line)), None)
            self.list_style = "list" if line.endswith(("：", ":")) else numbered

    def numbered_heading(self, line: str) -> tuple[str, str, str] | None:
        """(style, title, body) when a numbered line opens a section. A sentence numbered like the
        headings beside it (「四、享受本措施的企业应……」 after 一、 to 三、) opens one with no title."""
        for style, pattern in _STYLES:
            listed = self.list_style == style or (self.list_style == "list" and style in ("paren", "digit"))
            if not (match := pattern.match(line)) or listed:
                continue
            found = _title_and_body(
                line[match.end() :], 0 if style == "digit" else 40 if style == "chapter" else 30
            )
            if found is not None:
                return style, f"{match.group(0).strip()}{found[0]}", found[1]
            if style != "digit" and any(s == style for s, _ in self.stack):
                return style, match.group(0).strip(), line[match.end() :].strip()
        return None

    def flush_table(self) -> None:
        rows, self.table = [r for r in self.table if not _SEPARATOR.match("".join(r))], []
        if not rows:
            return
        header, body = rows[0], rows[1:]
        title = next((n for n, h in enumerate(header) if _TITLE_COLUMN.search(h)), None)
        conditions = [n for n, h in enumerate(header) if _CONDITION_COLUMN.search(h) and n != title]
        benefits = [
            n
            for n, h in enumerate(header)
            if _BENEFIT_COLUMN.search(h) and n not in conditions and n != title
        ]
        if title is None or not (conditions or benefits):
            self.sections[-1].lines.extend("，".join(row) for row in rows)
            return
        path = [t for _, t in self.stack]
        for row in body:
            cells = row + [""] * (len(header) - len(row))
            lines = [f"申报条件：{cells[n]}" for n in conditions if cells[n]] + [
                f"支持标准：{cells[n]}" for n in benefits if cells[n]
            ]
            self.sections.append(Section([*path, cells[title]], lines))


def _article_title(number: str, rest: str) -> tuple[str, str]:
    if bracketed := re.match(r"^[【\[]([^】\]]{1,16})[】\]]\s*(.*)$", rest):  # 第三条【首贷贴息】对……
        return f"{number} {bracketed.group(1)}", bracketed.group(2)
    first, dot, remainder = rest.partition("。")
    if dot and remainder.strip() and len(first) <= 16 and "，" not in first:
        return f"{number} {first}", remainder.strip()
    return number, rest


def parse_sections(text: str) -> list[Section]:
    """Every section of a document in order, with leaf flags (a leaf has no sections under it)."""
    outline = _Outline()
    for raw in text.splitlines():
        if line := raw.strip():
            outline.line(line)
    outline.flush_table()
    sections = outline.sections
    for current, following in zip(sections, sections[1:], strict=False):
        current.leaf = not (
            len(following.path) > len(current.path) and following.path[: len(current.path)] == current.path
        )
    return [s for s in sections if s.path or s.lines]
