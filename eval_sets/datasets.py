"""Reading the shared dev sets: documents and questions in JSON Lines, each question with its
gold document (``source_doc_id``, or for FAQ sets the document whose text is the answer)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def questions_with_gold(questions_path: Path, docs_path: Path) -> Iterator[tuple[dict[str, Any], str]]:
    """Each question record with its gold document id; questions without one are skipped."""
    by_text: dict[str, str] = {}
    for document in read_jsonl(docs_path):
        by_text.setdefault(document["text"], document["id"])
    for record in read_jsonl(questions_path):
        gold = record.get("source_doc_id") or by_text.get(record.get("answer") or "")
        if gold:
            yield record, gold
