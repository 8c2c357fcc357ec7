"""``govassist bench safety``: how often ingest screening (``assistant.answering.safety``) flags
ordinary government text, and which passages it flags, for a person to judge.

Every corpus given is read and chunked exactly as ingestion does (``ingest.readers``,
``ingest.chunking``, the configured chunk size) and each passage screened. Real government
documents are taken as benign: every flag on them counts as a false positive, and the flagged
passages are listed so a reviewer can see whether one is in fact a request (a fraud warning
quoted in full, say). What the screening must catch is asserted in ``tests/unit/test_safety.py``
and ``tests/integration/test_untrusted_documents.py``, not scored here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from assistant.answering.safety import FLAG_LABELS, screen
from assistant.config import get_settings
from assistant.errors import BadInput
from ingest.chunking import chunk_document
from ingest.pipeline import discover
from ingest.readers import read_path

EXAMPLE_CHARS = 160


def screen_corpus(path: Path) -> dict[str, Any]:
    settings = get_settings().ingest
    passages, kinds, examples = 0, Counter[str](), []
    for file in discover([path]):
        try:
            documents = read_path(file)
        except BadInput:
            continue
        for document in documents:
            for chunk in chunk_document(document, settings.chunk_size, settings.chunk_overlap):
                passages += 1
                flags = screen(f"{chunk.question}\n{chunk.text}")
                kinds.update({flag.kind for flag in flags})
                if flags:
                    examples.append(
                        {
                            "doc_id": chunk.doc_id,
                            "flags": [flag.label for flag in flags],
                            "text": chunk.text[:EXAMPLE_CHARS],
                        }
                    )
    row: dict[str, Any] = {
        "corpus": path.name if path.is_dir() else f"{path.parent.name}/{path.name}",
        "passages": passages,
        "flagged": len(examples),
        "rate": len(examples) / passages if passages else 0.0,
    }
    row |= {FLAG_LABELS[kind]: kinds.get(kind, 0) for kind in FLAG_LABELS}
    return {"row": row, "examples": examples}


def run(paths: list[Path]) -> dict[str, Any]:
    results = [screen_corpus(path) for path in paths]
    return {
        "rows": [result["row"] for result in results],
        "examples": {r["row"]["corpus"]: r["examples"] for r in results},
    }
