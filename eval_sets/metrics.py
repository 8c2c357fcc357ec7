"""Ranking, classification and latency metrics, pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support


def unique_in_order(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def rank_of(gold: str, ranked_doc_ids: Sequence[str], depth: int = 10) -> int | None:
    """1-based rank of the gold document among the first ``depth`` distinct documents."""
    ranked = unique_in_order(ranked_doc_ids)[:depth]
    return ranked.index(gold) + 1 if gold in ranked else None


def ranking_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    total = max(len(ranks), 1)
    return {
        "hit@1": sum(1 for r in ranks if r is not None and r <= 1) / total,
        "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / total,
        "hit@10": sum(1 for r in ranks if r is not None and r <= 10) / total,
        "mrr@10": sum(1 / r for r in ranks if r is not None) / total,
    }


def latency_metrics(seconds: Sequence[float]) -> dict[str, float]:
    if not seconds:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    values = np.asarray(seconds) * 1000
    return {"p50_ms": float(np.percentile(values, 50)), "p95_ms": float(np.percentile(values, 95))}


def class_rows(expected: Sequence[str], predicted: Sequence[str]) -> list[dict[str, Any]]:
    """Per class: test rows, precision, recall and F1."""
    classes = sorted(set(expected) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=classes, zero_division=0
    )
    return [
        {
            "class": label,
            "rows": int(n),
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
        }
        for label, p, r, f, n in zip(classes, precision, recall, f1, support, strict=True)
    ]


def confusion_rows(expected: Sequence[str], predicted: Sequence[str]) -> list[dict[str, Any]]:
    """One row per given label: how many of its test rows were predicted as each label."""
    classes = sorted(set(expected) | set(predicted))
    matrix = confusion_matrix(expected, predicted, labels=classes)
    return [
        {"given": label, **{other: int(n) for other, n in zip(classes, counts, strict=True)}}
        for label, counts in zip(classes, matrix, strict=True)
    ]
