"""Reading source files into Documents: dispatch by suffix, doc ids, and metadata overrides.

Owns: ``read_path`` (one file → its Documents), ``ReadOptions`` (FAQ column names, metadata
overrides, doc id base), the ``<file>.meta.json`` sidecar, and the order in which metadata is
decided: what the file says about itself (HTML meta tags, PDF/Word title) → sidecar → command-line
overrides, then ``ingest.metadata.extract_metadata`` fills whatever is still empty from the text.
Leaves: parsing each format (one module per format here), walking directories, size limits and
deciding what to re-index (``ingest.pipeline``), and chunking (``ingest.chunking``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from assistant.access import check_sensitivity
from assistant.documents import (
    DOCUMENT_KINDS,
    Document,
    DocumentKind,
    DocumentMetadata,
    Section,
    opaque_document_id,
)
from assistant.errors import BadInput
from ingest.metadata import extract_metadata, parse_date
from ingest.readers import docx, html, jsonl, pdf, tables, text

SIDECAR_SUFFIX = ".meta.json"
SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".pdf",
    ".docx",
    ".html",
    ".htm",
    ".shtml",
    ".txt",
    ".md",
    ".csv",
    ".xlsx",
    ".jsonl",
)
DEFAULT_QUESTION_COLUMNS: tuple[str, ...] = ("问题", "问", "用户问题", "常见问题", "提问", "question", "q")
DEFAULT_ANSWER_COLUMNS: tuple[str, ...] = (
    "答案",
    "回答",
    "答复",
    "答",
    "正文内容",
    "答复内容",
    "解答",
    "answer",
    "a",
)
OVERRIDE_KEYS: tuple[str, ...] = (
    "title",
    "kind",
    "issuing_body",
    "document_number",
    "publish_date",
    "effective_date",
    "expiry_date",
    "region",
    "category",
    "source",
    "department",
    "sensitivity",
    "owner_department",
)
_DATE_KEYS = ("publish_date", "effective_date", "expiry_date")
# A document titled like this is a service guide (办事指南) unless the caller says otherwise.
GUIDE_TITLE_WORDS = ("办事指南", "服务指南", "办理指南", "申报指南")
_CONVERT_HINTS = {
    ".doc": "请用 Word/WPS 另存为 .docx 后再导入",
    ".wps": "请用 WPS 另存为 .docx 后再导入",
    ".xls": "请另存为 .xlsx 后再导入",
    ".ofd": "请转换为 PDF 后再导入",
}


def parse_overrides(values: Mapping[str, object], origin: str) -> dict[str, Any]:
    """Validate metadata overrides (from ``origin``: a sidecar file or the command line).

    Dates may be ``date`` objects or strings such as 2025-03-01 / 2025年3月1日; empty values are dropped.
    """
    parsed: dict[str, Any] = {}
    for key, value in values.items():
        if key not in OVERRIDE_KEYS:
            raise BadInput(f"{origin}：不认识的元数据字段“{key}”，可用字段：{'、'.join(OVERRIDE_KEYS)}")
        if value is None or value == "":
            continue
        if key in _DATE_KEYS:
            value = value if isinstance(value, date) else parse_date(str(value))
            if value is None:
                raise BadInput(f"{origin}：{key} 不是有效日期：{values[key]}（格式如 2025-03-01）")
        elif key == "kind" and value not in DOCUMENT_KINDS:
            raise BadInput(f"{origin}：kind 取值“{value}”无效，可用：{'、'.join(DOCUMENT_KINDS)}")
        elif key == "sensitivity":
            value = check_sensitivity(str(value), origin)
        else:
            value = str(value).strip()
        parsed[key] = value
    return parsed


@dataclass
class ReadOptions:
    """How files are read. Every field has a default that suits ordinary government files."""

    # Accepted FAQ table headers, matched case-insensitively after stripping; earlier names win.
    faq_question_columns: list[str] = field(default_factory=lambda: list(DEFAULT_QUESTION_COLUMNS))
    faq_answer_columns: list[str] = field(default_factory=lambda: list(DEFAULT_ANSWER_COLUMNS))
    # Metadata that wins over everything read or extracted (keys: OVERRIDE_KEYS), e.g. {"region": "示例市"}.
    metadata_overrides: dict[str, Any] = field(default_factory=dict)
    # Kind of documents whose file does not say (FAQ tables are always "faq").
    default_kind: DocumentKind = "policy"
    # Keeps two collections' ids apart (e.g. "kb1/"): prepended to JSONL record ids, and part of
    # what a file's opaque id is derived from.
    doc_id_prefix: str = ""
    # A file's id is derived from its path relative to this folder (so the folder may move);
    # None: from its absolute path.
    id_base: Path | None = None

    def __post_init__(self) -> None:
        self.metadata_overrides = parse_overrides(self.metadata_overrides, "命令行参数")

    @classmethod
    def with_overrides(
        cls,
        overrides: Mapping[str, object],
        question_columns: Iterable[str] = (),
        answer_columns: Iterable[str] = (),
        **options: Any,
    ) -> ReadOptions:
        """Options with metadata overrides; extra column names are tried before the defaults."""
        return cls(
            faq_question_columns=[*question_columns, *DEFAULT_QUESTION_COLUMNS],
            faq_answer_columns=[*answer_columns, *DEFAULT_ANSWER_COLUMNS],
            metadata_overrides=dict(overrides),
            **options,
        )


def sidecar_path(path: Path) -> Path:
    """``报告.pdf`` → ``报告.pdf.meta.json``."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict[str, Any]:
    """The validated overrides in the file's sidecar, or {} when there is none."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}
    try:
        values = json.loads(text.read_text_file(sidecar))
    except json.JSONDecodeError as exc:
        raise BadInput(f"{sidecar.name}：元数据文件不是有效的 JSON（第 {exc.lineno} 行）") from exc
    if not isinstance(values, dict):
        raise BadInput(f'{sidecar.name}：元数据文件应为 JSON 对象，如 {{"region": "示例市"}}')
    return parse_overrides(values, sidecar.name)


def file_key(path: Path, options: ReadOptions) -> str:
    """What a file's id is derived from: the prefix plus its path relative to ``id_base`` (else
    absolute). Before id scheme 2 this string was the id itself (``ingest.migration`` re-keys it)."""
    resolved = path.resolve()
    if options.id_base is not None and resolved.is_relative_to(options.id_base.resolve()):
        relative = resolved.relative_to(options.id_base.resolve()).as_posix()
    else:
        relative = resolved.as_posix()
    return f"{options.doc_id_prefix}{relative}"


def file_id(path: Path, options: ReadOptions) -> str:
    """The stable, opaque id of a file: the same file, the same id; no server path in it."""
    return opaque_document_id(file_key(path, options))


def _check_path(path: Path) -> str:
    suffix = path.suffix.lower()
    if path.name.endswith(SIDECAR_SUFFIX):
        raise BadInput(f"{path.name}：这是元数据文件（{SIDECAR_SUFFIX}），会随同名文档一起读取，本身不是文档")
    if suffix not in SUPPORTED_SUFFIXES:
        hint = _CONVERT_HINTS.get(suffix, "")
        raise BadInput(
            f"{path.name}：不支持的文件类型“{suffix or '无扩展名'}”，支持：{'、'.join(SUPPORTED_SUFFIXES)}"
            + (f"；{hint}" if hint else "")
        )
    if not path.is_file():
        raise BadInput(f"{path}：文件不存在或不是普通文件")
    return suffix


def _single_document(path: Path, suffix: str) -> tuple[list[Section], DocumentMetadata]:
    """Sections of a one-document file, and what the file itself says about its metadata."""
    hints = DocumentMetadata(source=path.name)
    if suffix == ".pdf":
        sections, hints.title = pdf.read_pdf(path)
    elif suffix == ".docx":
        sections, hints.title = docx.read_docx(path)
    elif suffix == ".md":
        sections, hints.title = text.read_markdown(path)
    elif suffix == ".txt":
        sections = text.read_txt(path)
    else:
        page = html.read_html(path)
        sections = page.sections
        hints = replace(
            hints,
            title=page.title,
            issuing_body=page.issuing_body,
            category=page.category,
            url=page.url,
            publish_date=parse_date(page.publish_date_text),
        )
    return sections, hints


def read_path(path: Path, options: ReadOptions | None = None) -> list[Document]:
    """Read one file into Documents; BadInput (in Chinese, naming the file) when it cannot be used.

    PDF, Word, HTML, text and Markdown files give one Document whose id is ``file_id(path)``.
    CSV/XLSX FAQ tables give one Document per row (id ``<file_id>#<sha1(question)[:12]>``) and
    JSONL one per good line (id ``<doc_id_prefix><record id>``). Overrides do not set the title
    of documents from multi-document files, nor the kind of FAQ entries.
    """
    options = options or ReadOptions()
    suffix = _check_path(path)
    overrides = {**read_sidecar(path), **options.metadata_overrides}
    base = DocumentMetadata(kind=options.default_kind, source=path.name)
    if suffix in (".csv", ".xlsx"):
        reader = tables.read_csv if suffix == ".csv" else tables.read_xlsx
        rows = reader(
            path,
            file_id(path, options),
            replace(base, kind="faq"),
            options.faq_question_columns,
            options.faq_answer_columns,
        )
        if not rows:
            raise BadInput(f"{path.name}：表格中没有问答内容（问题或答案为空的行已跳过）")
        return [_finish(document, overrides, several=True) for document in rows]
    if suffix == ".jsonl":
        records = jsonl.read_jsonl(path, options.doc_id_prefix, base)
        return [_finish(document, overrides, several=True) for document in records]
    sections, hints = _single_document(path, suffix)
    document = Document(file_id(path, options), replace(hints, kind=options.default_kind), sections)
    return [_finish(document, overrides, several=False)]


def _finish(document: Document, overrides: Mapping[str, Any], several: bool) -> Document:
    """Apply the overrides, then fill the empty fields of non-FAQ documents from their text."""
    skipped = {"title"} if several else set()
    if document.faq is not None:
        skipped.add("kind")
    values = {key: value for key, value in overrides.items() if key not in skipped}
    document.metadata = replace(document.metadata, **values)
    if document.faq is None:
        document.metadata = extract_metadata(document.text, document.metadata)
        if "kind" not in values and any(word in document.metadata.title for word in GUIDE_TITLE_WORDS):
            document.metadata.kind = "guide"
    return document


__all__ = [
    "DEFAULT_ANSWER_COLUMNS",
    "DEFAULT_QUESTION_COLUMNS",
    "OVERRIDE_KEYS",
    "SIDECAR_SUFFIX",
    "SUPPORTED_SUFFIXES",
    "ReadOptions",
    "file_id",
    "file_key",
    "parse_overrides",
    "read_path",
    "read_sidecar",
    "sidecar_path",
]
