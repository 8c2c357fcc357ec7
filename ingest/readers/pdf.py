"""PDF reader (pypdf) for Chinese text PDFs.

Owns: opening the PDF, refusing encrypted, corrupt and scanned (no text layer) files with a clear
BadInput, dropping page-number lines, and re-joining the lines a PDF breaks mid-sentence.
Leaves: OCR (not done here: scanned files are refused), headings inside the text (the chunker
recognises 第X条/一、 line starts) and metadata beyond the PDF's own title (``ingest.metadata``).
"""

from __future__ import annotations

import logging
import re
import statistics
import zlib
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError

from assistant.documents import Section
from assistant.errors import BadInput
from ingest.chunking import heading_marker

logger = logging.getLogger(__name__)

# pypdf reports damaged files through its own errors but also through whatever the parser hit on
# the way (a missing key, a bad number, a truncated stream); all of them mean "corrupt file".
_CORRUPT_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    AssertionError,
    RecursionError,
    zlib.error,
    OSError,
)
_PAGE_NUMBER_RE = re.compile(
    r"^(?:[-—–\s]*\d{1,4}[-—–\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$"
)
_LINE_END = "。！？；：:!?;」』”）)"
_CJK_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _open(path: Path) -> PdfReader:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise BadInput(f"{path.name}：PDF 已加密（需要密码才能打开），请先解除密码保护再导入")
        return reader
    except DependencyError as exc:
        raise BadInput(
            f"{path.name}：PDF 已加密，使用的加密算法无法在本机解开，请先解除密码保护再导入"
        ) from exc
    except _CORRUPT_ERRORS as exc:
        raise BadInput(
            f"{path.name}：PDF 文件已损坏或不是有效的 PDF，无法读取（{type(exc).__name__}）"
        ) from exc


def _page_texts(path: Path, reader: PdfReader) -> list[str]:
    try:
        return [page.extract_text() or "" for page in reader.pages]
    except _CORRUPT_ERRORS as exc:
        raise BadInput(f"{path.name}：PDF 文件已损坏，无法提取文字（{type(exc).__name__}）") from exc


def _check_text_layer(path: Path, texts: list[str]) -> None:
    """Refuse a PDF that is wholly or mostly scanned images; warn about a few image-only pages."""
    empty = [number for number, text in enumerate(texts, start=1) if len(text.strip()) < 5]
    if not texts or len(empty) == len(texts):
        raise BadInput(f"{path.name}：PDF 没有可提取的文本（可能是扫描件），请先做 OCR 再导入")
    if len(empty) * 2 >= len(texts):
        pages = "、".join(str(number) for number in empty[:10])
        raise BadInput(
            f"{path.name}：PDF 大部分页面没有文本层（第 {pages} 页等，可能是扫描件），请先做 OCR 再导入"
        )
    if empty:
        logger.warning("%s: pages %s have no text layer (scanned?) and are skipped", path.name, empty)


def _content_lines(texts: list[str]) -> list[str]:
    lines = []
    for text in texts:
        for raw in text.splitlines():
            line = raw.strip()
            if line and not _PAGE_NUMBER_RE.match(line):
                lines.append(line)
    return lines


def join_lines(lines: list[str]) -> str:
    """Re-join PDF lines into paragraphs.

    A line continues the previous one unless the previous ended a sentence, was clearly shorter
    than a full line (a heading, or a paragraph's last line), or this one starts with a heading
    marker. CJK joins without a space; two Latin words get one.
    """
    if not lines:
        return ""
    full_width = statistics.quantiles([len(line) for line in lines], n=10)[-1] if len(lines) > 1 else 0
    paragraphs = [lines[0]]
    for previous, line in zip(lines, lines[1:], strict=False):
        ends_paragraph = previous[-1] in _LINE_END or len(previous) < 0.7 * full_width
        if ends_paragraph or heading_marker(line):
            paragraphs.append(line)
        elif _CJK_RE.match(previous[-1]) or _CJK_RE.match(line[0]):
            paragraphs[-1] += line
        else:
            paragraphs[-1] += " " + line
    return "\n".join(paragraphs)


def _pdf_title(reader: PdfReader) -> str:
    try:
        title = str(reader.metadata.get("/Title") or "").strip() if reader.metadata else ""
    except _CORRUPT_ERRORS:
        return ""
    title = re.sub(r"^Microsoft Word - |\.(docx?|wps|pdf)$", "", title)
    return title if _CJK_RE.search(title) else ""


def read_pdf(path: Path) -> tuple[list[Section], str]:
    """Return the PDF's text as one Section, and its embedded title ('' when absent or not Chinese)."""
    reader = _open(path)
    texts = _page_texts(path, reader)
    _check_text_layer(path, texts)
    text = join_lines(_content_lines(texts))
    return [Section(text=text)], _pdf_title(reader)
