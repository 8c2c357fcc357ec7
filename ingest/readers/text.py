"""Plain text and Markdown readers, and the encoding detection the CSV and JSONL readers share.

Owns: turning the bytes of a .txt/.md file into Sections (UTF-8 with or without BOM, UTF-16 with
BOM, GBK/GB18030, else whatever charset-normalizer finds), refusing empty and binary files, and
Markdown ``#`` headings and pipe tables. Leaves: headings inside plain text (第X条, 一、: the
chunker finds those) and metadata (``ingest.metadata``).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import charset_normalizer

from assistant.documents import Section
from assistant.errors import BadInput

logger = logging.getLogger(__name__)

_MARKDOWN_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def _looks_binary(text: str) -> bool:
    """Control characters other than tab/newline/form feed mean this was not text."""
    control = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f\v")
    return control > max(2, len(text) // 100)


def _decode_with_fallbacks(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else None


def decode_bytes(data: bytes, name: str) -> str:
    """Decode a text file's bytes; BadInput (naming ``name``) if it is empty or not text.

    Newlines are normalised to ``\\n``. The result is never blank.
    """
    if not data.strip():
        raise BadInput(f"{name}：文件为空")
    try:
        text = _decode_with_fallbacks(data)
    except UnicodeDecodeError:
        text = None
    if text is None or _looks_binary(text):
        raise BadInput(f"{name}：无法识别文件编码，可能不是文本文件（支持 UTF-8、GBK/GB18030 编码）")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise BadInput(f"{name}：文件为空")
    return text


def read_text_file(path: Path) -> str:
    """Read and decode a whole text file (see ``decode_bytes``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path.name}：无法读取文件（{exc.strerror or exc}）") from exc
    return decode_bytes(data, path.name)


def _clean_lines(text: str) -> list[str]:
    """Strip every line (full-width indentation included) and drop runs of blank lines."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return lines


def read_txt(path: Path) -> list[Section]:
    """A .txt file as one Section; the chunker recognises 第X章/一、 headings in it."""
    text = "\n".join(_clean_lines(read_text_file(path))).strip()
    return [Section(text=text)]


def _flush(sections: list[Section], buffer: list[str], path: list[str], is_table: bool = False) -> None:
    text = "\n".join(buffer).strip()
    if text:
        sections.append(Section(text=text, heading_path=list(path), is_table=is_table))
    buffer.clear()


def markdown_sections(text: str) -> list[Section]:
    """Split Markdown into Sections: ``#`` headings give the path, pipe tables become table Sections."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    buffer: list[str] = []
    table: list[str] = []
    for line in _clean_lines(text):
        path = [title for _, title in stack]
        if line.startswith("|"):
            _flush(sections, buffer, path)
            table.append(line)
            continue
        _flush(sections, table, path, is_table=True)
        heading = _MARKDOWN_HEADING_RE.match(line)
        if heading:
            _flush(sections, buffer, path)
            level = len(heading.group(1))
            stack = [(lvl, title) for lvl, title in stack if lvl < level] + [(level, heading.group(2))]
        else:
            buffer.append(line)
    path = [title for _, title in stack]
    _flush(sections, table, path, is_table=True)
    _flush(sections, buffer, path)
    return sections


def read_markdown(path: Path) -> tuple[list[Section], str]:
    """A .md file as Sections under its ``#`` headings, and its title.

    A level-1 heading on the first line is the document's title: it is returned, not repeated in
    every Section's heading path.
    """
    content = read_text_file(path)
    sections = markdown_sections(content)
    if not sections:
        raise BadInput(f"{path.name}：文件中只有标题，没有正文")
    first_line = next((line for line in _clean_lines(content) if line), "")
    heading = _MARKDOWN_HEADING_RE.match(first_line)
    title = heading.group(2) if heading and len(heading.group(1)) == 1 else ""
    if title:
        for section in sections:
            if section.heading_path[:1] == [title]:
                section.heading_path = section.heading_path[1:]
    return sections, title
