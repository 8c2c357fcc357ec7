"""Ranking and latency metrics, pure functions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
