"""JSON Lines files the services read (labelled history, taxonomies): one JSON object per line.
An unreadable file or a bad line is a ``BadInput`` that names the file and the line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.errors import BadInput


def read_objects(path: Path, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-empty line; ``what`` names the file in errors (训练数据)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"无法读取{what} {path}：{exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path.name} 第 {number} 行不是有效的 JSON") from exc
        if not isinstance(record, dict):
            raise BadInput(f"{path.name} 第 {number} 行应是 JSON 对象")
        yield number, record
