"""Word (.docx) reader (python-docx).

Owns: walking the body in order, turning paragraphs with heading styles (Heading N / 标题 N) into
heading paths, and tables into one ``is_table`` Section each, rendered as pipe rows with the first
row as header. Leaves: numbering written as plain text (第X条, 一、: the chunker finds it), legacy
.doc/.wps files (not supported: save as .docx) and metadata beyond the document title.
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError

from assistant.documents import Section
from assistant.errors import BadInput

logger = logging.getLogger(__name__)

_HEADING_STYLE_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
_OPEN_ERRORS = (PackageNotFoundError, zipfile.BadZipFile, XMLSyntaxError, KeyError, ValueError, OSError)


def _heading_level(paragraph: Paragraph) -> int | None:
    """1-9 for heading styles, 0 for the Title style, None for body paragraphs."""
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    match = _HEADING_STYLE_RE.match(name.strip())
    if match:
        return int(match.group(1))
    return 0 if name.strip().lower() in _TITLE_STYLES else None


def _cell_text(text: str) -> str:
    return " ".join(text.split()).replace("|", "｜")


def render_table(table: Table) -> str:
    """Pipe rows (first row as header, then a --- rule); merged cells are written once."""
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is not previous:  # python-docx repeats a horizontally merged cell
                cells.append(_cell_text(cell.text))
            previous = cell._tc
        if any(cells):
            rows.append(cells)
    if not rows:
        return ""
    lines = ["| " + " | ".join(cells) + " |" for cells in rows]
    lines.insert(1, "| " + " | ".join("---" for _ in rows[0]) + " |")
    return "\n".join(lines)


class _SectionBuilder:
    """Collects paragraphs under the current heading path and flushes them as Sections."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.stack: list[tuple[int, str]] = []
        self.buffer: list[str] = []
        self.title = ""

    @property
    def path(self) -> list[str]:
        return [text for _, text in self.stack]

    def flush(self) -> None:
        text = "\n".join(self.buffer).strip()
        if text:
            self.sections.append(Section(text=text, heading_path=self.path))
        self.buffer = []

    def paragraph(self, paragraph: Paragraph) -> None:
        text = paragraph.text.strip()
        if not text:
            return
        level = _heading_level(paragraph)
        if level is None:
            self.buffer.append(text)
        elif level == 0 and not self.title:
            self.title = text
        else:
            self.flush()
            self.stack = [(lvl, heading) for lvl, heading in self.stack if lvl < max(level, 1)]
            self.stack.append((max(level, 1), text))

    def table(self, table: Table) -> None:
        self.flush()
        text = render_table(table)
        if text:
            self.sections.append(Section(text=text, heading_path=self.path, is_table=True))


def read_docx(path: Path) -> tuple[list[Section], str]:
    """Return the document's Sections in order, and its title (Title style or core properties)."""
    try:
        document = docx.Document(str(path))
        builder = _SectionBuilder()
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                builder.paragraph(block)
            else:
                builder.table(block)
        builder.flush()
        core_title = (document.core_properties.title or "").strip()
    except _OPEN_ERRORS as exc:
        raise BadInput(
            f"{path.name}：Word 文件已损坏或不是 .docx 格式，无法读取（{type(exc).__name__}）"
        ) from exc
    if not builder.sections:
        raise BadInput(f"{path.name}：Word 文件中没有文字内容")
    return builder.sections, builder.title or core_title
