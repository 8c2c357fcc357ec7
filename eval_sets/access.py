"""``govassist bench access``: what access control inside the index costs, and that it holds at scale.

Each index implementation gets a synthetic collection (dense vectors in 500 clusters, as real
embeddings cluster by topic, and queries near them; Zipf-distributed BM25 terms; 60 % 公开, 30 % 内部, 10 % 敏感 spread over four departments and the installation),
then the same random queries run as three callers: the installation-wide admin (no access
condition narrows anything), the public and one department's agent. Per caller it reports query
latency (dense and BM25), the dense top-10 recall against an exact search over the points that
caller may read (the filtered HNSW of the embedded engine is approximate), and how many returned
points the caller may not read (must be 0). Nothing here needs a model: the costs measured are the
index's own.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from assistant.access import SENSITIVITIES, Access
from assistant.documents import SearchFilters
from assistant.retrieval.edge_index import EdgeIndex
from assistant.retrieval.index import FilterSpec, IndexPoint, VectorIndex
from assistant.retrieval.lexical import SparseVector
from assistant.retrieval.qdrant_index import QdrantServerIndex
from eval_sets.metrics import latency_metrics

DEPARTMENTS = ("", "示例市人社局", "示例市公安局", "示例市医保局", "示例市住建局")
CALLERS = {
    "全系统管理员": Access.everything(),
    "公众": Access.public(),
    "人社局坐席": Access.for_caller("agent", "示例市人社局"),
}
_VOCABULARY = 20_000
_LIMIT = 50
_CLUSTERS = 500


def _unit(vectors: np.ndarray) -> np.ndarray:
    unit: np.ndarray = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    return unit


def _clustered(count: int, centres: np.ndarray, rng: np.random.Generator, spread: float) -> np.ndarray:
    chosen = centres[rng.integers(len(centres), size=count)]
    return _unit(chosen + rng.normal(scale=spread, size=chosen.shape))


def _payloads(count: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    levels = rng.choice(len(SENSITIVITIES), size=count, p=[0.6, 0.3, 0.1])
    owners = rng.integers(len(DEPARTMENTS), size=count)
    return [
        {
            "doc_id": f"doc-{n // 5}",
            "sensitivity": SENSITIVITIES[level],
            "owner_department": DEPARTMENTS[owner],
            "text": "",
        }
        for n, (level, owner) in enumerate(zip(levels, owners, strict=True))
    ]


def _sparse(rng: np.random.Generator, terms: int) -> SparseVector:
    indices = sorted({int(i) for i in rng.zipf(1.3, size=terms) % _VOCABULARY})
    return SparseVector(indices, [float(w) for w in rng.uniform(0.5, 2.0, size=len(indices))])


def _fill(
    index: VectorIndex, dense: np.ndarray, payloads: list[dict[str, Any]], rng: np.random.Generator
) -> None:
    index.ensure_collection(dense.shape[1])
    for start in range(0, len(payloads), 2048):
        index.upsert(
            [
                IndexPoint(str(uuid.UUID(int=n + 1)), dense[n], {"words": _sparse(rng, 40)}, payloads[n])
                for n in range(start, min(start + 2048, len(payloads)))
            ]
        )
    index.optimize()


def _measure(
    index: VectorIndex,
    dense: np.ndarray,
    payloads: list[dict[str, Any]],
    queries: np.ndarray,
    access: Access,
    rng: np.random.Generator,
) -> dict[str, Any]:
    spec = FilterSpec.from_filters(SearchFilters(include_expired=True), access)
    readable = np.array([access.can_read(p["sensitivity"], p["owner_department"]) for p in payloads])
    dense_s: list[float] = []
    sparse_s: list[float] = []
    recalls: list[float] = []
    leaked = 0
    for query in queries:
        started = time.perf_counter()
        matches = index.search_dense(query, _LIMIT, spec)
        dense_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        matches += index.search_sparse("words", _sparse(rng, 4), _LIMIT, spec)
        sparse_s.append(time.perf_counter() - started)
        leaked += sum(
            not access.can_read(m.payload["sensitivity"], m.payload["owner_department"]) for m in matches
        )
        scores = np.where(readable, dense @ query, -np.inf)
        exact = {str(uuid.UUID(int=int(n) + 1)) for n in np.argsort(-scores)[:10]}
        found = {m.point_id for m in index.search_dense(query, 10, spec)}
        recalls.append(len(exact & found) / 10)
    dense_latency, bm25_latency = latency_metrics(dense_s), latency_metrics(sparse_s)
    return {
        "readable": int(readable.sum()),
        "dense_p50_ms": dense_latency["p50_ms"],
        "dense_p95_ms": dense_latency["p95_ms"],
        "bm25_p50_ms": bm25_latency["p50_ms"],
        "recall@10": float(np.mean(recalls)),
        "leaked": leaked,
    }


def run(
    points: int = 50_000, client_points: int = 2_000, queries: int = 200, dimension: int = 384, seed: int = 0
) -> dict[str, Any]:
    """One row per implementation and caller. qdrant-client's in-process mode scans in Python, so
    it gets ``client_points`` and a quarter of the queries; the embedded engine, ``points``."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="govassist-access-") as work:
        for name, size, asked_count in (
            ("edge", points, queries),
            ("qdrant-client", client_points, max(1, queries // 4)),
        ):
            rng = np.random.default_rng(seed)
            centres = _unit(rng.normal(size=(_CLUSTERS, dimension)))
            dense = _clustered(size, centres, rng, spread=0.04)
            payloads = _payloads(size, rng)
            index: VectorIndex = (
                EdgeIndex(Path(work) / name)
                if name == "edge"
                else QdrantServerIndex.connect(":memory:", "bench")
            )
            started = time.perf_counter()
            _fill(index, dense, payloads, rng)
            build_s = time.perf_counter() - started
            asked = _clustered(asked_count, centres, rng, spread=0.05)
            for caller, access in CALLERS.items():
                rows.append(
                    {
                        "index": name,
                        "points": size,
                        "queries": asked_count,
                        "caller": caller,
                        **_measure(index, dense, payloads, asked, access, rng),
                        "build_s": round(build_s, 1),
                    }
                )
            index.close()
    return {"rows": rows, "dimension": dimension}
