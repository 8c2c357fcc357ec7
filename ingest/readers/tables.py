"""FAQ table readers: .csv (encoding detected) and .xlsx (openpyxl, read-only).

Owns: finding the question/answer columns by header name on every sheet (the header may sit below
a title row), turning each row into one FAQ Document with the answer kept verbatim, stable doc ids
from the question (rows may move), and the optional 部门/分类/地区 columns.
Leaves: which header names are accepted (``ReadOptions`` in ``ingest.readers``), sidecar and
command-line overrides (applied by ``read_path``), and chunking (an FAQ is one chunk).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from assistant.documents import Document, DocumentMetadata, FaqEntry
from assistant.errors import BadInput
from ingest.readers.text import read_text_file

logger = logging.getLogger(__name__)

# Optional columns copied into the metadata when a table has them.
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    "department": ("部门", "承办单位", "处理单位", "责任单位", "办理部门", "department"),
    "category": ("分类", "类别", "类型", "category"),
    "region": ("地区", "区域", "region"),
}
_HEADER_SEARCH_ROWS = 10  # a title row or two may sit above the header


def _normalise(name: object) -> str:
    return str(name or "").strip().lower()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").strip()


def _find_column(header: Sequence[str], accepted: Iterable[str]) -> int | None:
    """The index of the first accepted name present in the header (accepted order wins)."""
    normalised = [_normalise(name) for name in header]
    for name in accepted:
        if _normalise(name) in normalised:
            return normalised.index(_normalise(name))
    return None


class SheetResult(NamedTuple):
    documents: list[Document]
    header: list[str]  # the header row found, else the first non-empty row (for the error message)
    matched: bool  # whether question and answer columns were found


def faq_documents(
    rows: Iterable[Sequence[Any]],
    file_id: str,
    base: DocumentMetadata,
    question_columns: Sequence[str],
    answer_columns: Sequence[str],
) -> SheetResult:
    """FAQ Documents from one sheet's rows (ids not yet de-duplicated: see ``unique_ids``)."""
    iterator = iter(rows)
    seen: list[str] = []
    for _ in range(_HEADER_SEARCH_ROWS):
        header = [_cell(value) for value in next(iterator, [])]
        seen = seen or [name for name in header if name]
        question, answer = _find_column(header, question_columns), _find_column(header, answer_columns)
        if question is not None and answer is not None:
            extras = {field: _find_column(header, names) for field, names in EXTRA_COLUMNS.items()}
            return SheetResult(
                _row_documents(iterator, file_id, base, (question, answer), extras), header, True
            )
    return SheetResult([], seen, False)


def _row_documents(
    rows: Iterable[Sequence[Any]],
    file_id: str,
    base: DocumentMetadata,
    columns: tuple[int, int],
    extras: dict[str, int | None],
) -> list[Document]:
    documents: list[Document] = []
    for row in rows:
        cells = [_cell(value) for value in row]
        question, answer = (cells[index] if index < len(cells) else "" for index in columns)
        if not question and not answer:
            continue
        if not question or not answer:
            logger.warning("%s: skipped a row with %s", file_id, "no question" if answer else "no answer")
            continue
        values = {
            field: cells[index] for field, index in extras.items() if index is not None and index < len(cells)
        }
        metadata = replace(base, kind="faq", title=question)
        for field, value in values.items():
            if value:
                setattr(metadata, field, value)
        documents.append(Document(faq_doc_id(file_id, question), metadata, faq=FaqEntry(question, answer)))
    return documents


def faq_doc_id(file_id: str, question: str) -> str:
    """``<file_id>#<sha1(question)[:12]>``: stable however the rows are reordered."""
    return f"{file_id}#{hashlib.sha1(question.strip().encode('utf-8')).hexdigest()[:12]}"


def unique_ids(documents: list[Document]) -> list[Document]:
    """The same question twice keeps both rows: the later ones get -2, -3 ... suffixes."""
    counts: dict[str, int] = {}
    for document in documents:
        counts[document.doc_id] = counts.get(document.doc_id, 0) + 1
        if counts[document.doc_id] > 1:
            logger.warning(
                "%s: question repeated (%s)", document.doc_id, document.faq.question if document.faq else ""
            )
            document.doc_id = f"{document.doc_id}-{counts[document.doc_id]}"
    return documents


def _no_columns_error(
    path: Path, seen: list[str], question_columns: Sequence[str], answer_columns: Sequence[str]
) -> BadInput:
    return BadInput(
        f"{path.name}：没有找到问题列和答案列。表头为：{'、'.join(seen) or '（空）'}；"
        f"问题列可用列名：{'、'.join(question_columns)}；答案列可用列名：{'、'.join(answer_columns)}"
        "（也可用 --question-column / --answer-column 指定）"
    )


def read_csv(
    path: Path,
    file_id: str,
    base: DocumentMetadata,
    question_columns: Sequence[str],
    answer_columns: Sequence[str],
) -> list[Document]:
    """Every row of a CSV FAQ table (comma, tab or semicolon separated) as one FAQ Document."""
    text = read_text_file(path)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        result = faq_documents(
            csv.reader(io.StringIO(text), dialect), file_id, base, question_columns, answer_columns
        )
    except csv.Error as exc:
        raise BadInput(f"{path.name}：CSV 格式有误，无法解析（{exc}）") from exc
    if not result.matched:
        raise _no_columns_error(path, result.header, question_columns, answer_columns)
    return unique_ids(result.documents)


def read_xlsx(
    path: Path,
    file_id: str,
    base: DocumentMetadata,
    question_columns: Sequence[str],
    answer_columns: Sequence[str],
) -> list[Document]:
    """Every row of every sheet with question/answer columns as one FAQ Document."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BadInput(
            f"{path.name}：Excel 文件已损坏或不是 .xlsx 格式，无法读取（{type(exc).__name__}）"
        ) from exc
    documents: list[Document] = []
    headers: list[str] = []
    matched = False
    try:
        for sheet in workbook.worksheets:
            result = faq_documents(
                sheet.iter_rows(values_only=True), file_id, base, question_columns, answer_columns
            )
            headers.append(f"{sheet.title}（{'、'.join(result.header) or '空'}）")
            matched = matched or result.matched
            documents += result.documents
    finally:
        workbook.close()
    if not matched:
        raise _no_columns_error(path, headers, question_columns, answer_columns)
    return unique_ids(documents)
