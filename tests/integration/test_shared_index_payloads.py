"""The index process sends a search's payloads only where the worker's connection lacks them
(``shared_index.PayloadMirror``): whatever the order of searches, the evictions of a small mirror
and the writes in between, the worker gets exactly the matches the index itself returns."""

from __future__ import annotations

import random

import numpy as np
import pytest

from assistant.documents import SearchFilters
from assistant.retrieval import lexical
from assistant.retrieval.edge_index import EdgeIndex
from assistant.retrieval.index import FilterSpec, IndexPoint, IndexQuery
from assistant.retrieval.shared_index import IndexHost, PayloadMirror, received_batch

pytestmark = pytest.mark.integration
TEXTS = [
    "居住证申领材料",
    "公积金提取条件",
    "社保补贴申请",
    "营业执照办理",
    "高校毕业生就业补贴",
    "医保缴费标准",
]
EVERYTHING = FilterSpec.from_filters(SearchFilters(include_expired=True))


def _point(number: int, text: str) -> IndexPoint:
    vector = np.random.default_rng(number).normal(size=8).astype(np.float32)
    tokens = lexical.analyse(text)
    return IndexPoint(
        point_id=f"00000000-0000-0000-0000-{number:012d}",
        dense=vector / np.linalg.norm(vector),
        sparse={channel: lexical.encode_document(tokens[channel], 6.0) for channel in lexical.CHANNELS},
        payload={"doc_id": f"d{number}", "text": text, "kind": "faq", "region": "示例市"},
    )


def _query(rng: random.Random) -> IndexQuery:
    if rng.random() < 0.5:
        vector = np.random.default_rng(rng.randrange(1000)).normal(size=8).astype(np.float32)
        return IndexQuery("dense", vector, rng.randint(1, 6), EVERYTHING)
    words = lexical.encode_query(rng.choice(TEXTS)[:4], "words")
    return IndexQuery("words", words, rng.randint(1, 6), EVERYTHING)


def _seen(results):
    return [[(m.point_id, round(m.score, 5), m.payload) for m in matches] for matches in results]


def test_the_worker_always_gets_the_payloads_the_index_returns(tmp_path):
    index = EdgeIndex(tmp_path / "shard")
    index.ensure_collection(8)
    index.upsert([_point(number, text) for number, text in enumerate(TEXTS)])
    host, mirror, rng = IndexHost(index, payloads_per_connection=3), PayloadMirror(3), random.Random(7)
    sent_payloads = matched = 0
    for step in range(60):
        queries = [_query(rng) for _ in range(rng.randint(1, 3))]
        revision, sent = host.call("search_batch", queries)
        sent_payloads += sum(payload is not None for matches in sent for *_, payload in matches)
        matched += sum(len(matches) for matches in sent)
        assert _seen(received_batch(mirror, revision, sent)) == _seen(index.search_batch(queries))
        if step == 30:  # a write: both mirrors start again
            host.call("upsert", [_point(9, "居住证续签")])
    assert 0 < sent_payloads < matched  # the matches the worker held came without their payload
    index.close()
