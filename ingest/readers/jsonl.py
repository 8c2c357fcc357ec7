"""JSONL reader: one document per line, in the schema of ``/work/shared/data/*/docs.jsonl``.

Each line is an object with ``id`` and ``text`` (required) and optionally ``title``, ``kind``,
``dept``/``department``, ``region``, ``category``, ``issuing_body``, ``document_number``, the three
dates (YYYY-MM-DD) and ``url``; a line with ``question`` and ``answer`` instead of ``text`` is an FAQ
entry. Owns: parsing and validating those lines. A bad line is logged with its line number and
skipped, so one broken record does not block a large file; a file with no good line is BadInput.
Leaves: sidecar/command-line overrides and text metadata extraction (``read_path``).
The record's own ``source`` (a dataset citation) is not used: every document of a file keeps the
file's name as its source (the manifest records the file itself, which is how re-ingesting finds
the documents a file used to hold).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.documents import DOCUMENT_KINDS, Document, DocumentMetadata, FaqEntry, Section
from assistant.errors import BadInput
from ingest.metadata import parse_date
from ingest.readers.text import read_text_file

logger = logging.getLogger(__name__)

_TEXT_FIELDS = {
    "title": "title",
    "issuing_body": "issuing_body",
    "document_number": "document_number",
    "region": "region",
    "category": "category",
    "department": "department",
    "dept": "department",
}
_DATE_FIELDS = ("publish_date", "effective_date", "expiry_date")


class _BadRecord(ValueError):
    """One line that cannot become a document; the message says why (in Chinese)."""


def _metadata(record: dict[str, Any], base: DocumentMetadata) -> DocumentMetadata:
    values: dict[str, Any] = {}
    for key, field in _TEXT_FIELDS.items():
        if isinstance(record.get(key), str) and record[key].strip():
            values[field] = record[key].strip()
    for field in _DATE_FIELDS:
        if record.get(field):
            parsed = parse_date(str(record[field]))
            if parsed is None:
                raise _BadRecord(f"{field} 不是有效日期（{record[field]}）")
            values[field] = parsed
    kind = record.get("kind") or base.kind
    if kind not in DOCUMENT_KINDS:
        raise _BadRecord(f"kind 取值 {kind!r} 无效，可用：{'、'.join(DOCUMENT_KINDS)}")
    return replace(base, kind=kind, **values)


def record_document(record: object, doc_id_prefix: str, base: DocumentMetadata) -> Document:
    """One parsed JSON line as a Document; raises ``_BadRecord`` for an unusable record."""
    if not isinstance(record, dict):
        raise _BadRecord("不是 JSON 对象")
    record_id = record.get("id")
    if not isinstance(record_id, str | int) or not str(record_id).strip():
        raise _BadRecord("缺少 id 字段")
    doc_id = f"{doc_id_prefix}{str(record_id).strip()}"
    metadata = _metadata(record, base)
    question, answer = record.get("question"), record.get("answer")
    if isinstance(question, str) and isinstance(answer, str) and question.strip() and answer.strip():
        metadata = replace(metadata, kind="faq", title=metadata.title or question.strip())
        return Document(doc_id, metadata, faq=FaqEntry(question.strip(), answer.strip()))
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _BadRecord("缺少 text 字段或内容为空")
    return Document(doc_id, metadata, sections=[Section(text=text.strip())])


def read_jsonl(path: Path, doc_id_prefix: str, base: DocumentMetadata) -> list[Document]:
    """Every good line of a JSONL file as a Document (bad lines are logged and skipped)."""
    documents: list[Document] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(read_text_file(path).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            document = record_document(json.loads(line), doc_id_prefix, base)
            if document.doc_id in seen:
                raise _BadRecord(f"id 重复（{document.doc_id}）")
        except (json.JSONDecodeError, _BadRecord) as exc:
            reason = f"第 {number} 行：{'不是有效的 JSON' if isinstance(exc, json.JSONDecodeError) else exc}"
            logger.warning("%s: skipped line %d: %s", path.name, number, reason)
            errors.append(reason)
            continue
        seen.add(document.doc_id)
        documents.append(document)
    if not documents:
        raise BadInput(f"{path.name}：没有可导入的记录（{'；'.join(errors[:3])}）")
    if errors:
        logger.warning("%s: %d of %d lines skipped", path.name, len(errors), len(errors) + len(documents))
    return documents
