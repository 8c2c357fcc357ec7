"""One contract, every ``VectorIndex`` implementation: the embedded engine (qdrant-edge),
qdrant-client (its in-process mode standing in for a server, called directly and over the REST
API through ``tests.stub_qdrant``, as several machines reach a server) and the embedded engine
behind the index process that several workers share (``SharedIndex``) must return the same
results."""

import subprocess
import sys
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from assistant.cli.service import shared_embedded_index
from assistant.config import Settings
from assistant.documents import SearchFilters
from assistant.errors import BackendUnavailable
from assistant.retrieval import lexical, lexicon
from assistant.retrieval.edge_index import EdgeIndex
from assistant.retrieval.index import FilterSpec, IndexPoint, IndexQuery
from assistant.retrieval.lexical import SparseVector
from assistant.retrieval.qdrant_index import QdrantServerIndex
from assistant.retrieval.shared_index import SharedIndex
from tests.conftest import PROJECT
from tests.stub_qdrant import stub_qdrant_server

pytestmark = pytest.mark.integration

TEXTS = [
    ("p1", "住房公积金提取需要身份证和购房合同", "policy", "示例市", None),
    ("p2", "居住证申领需要居住登记满半年", "policy", "示例市", "2024-12-31"),
    ("f1", "社保补贴如何申请", "faq", "示例市", None),
    ("f2", "公积金贷款额度怎么计算", "faq", "其他市", None),
]


def _vector(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=8).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _points() -> list[IndexPoint]:
    tokens = [lexical.analyse(text) for _, text, *_ in TEXTS]
    return [
        IndexPoint(
            point_id=f"00000000-0000-0000-0000-00000000000{number}",
            dense=_vector(number),
            sparse={
                channel: lexical.encode_document(tokens[number][channel], 8.0) for channel in lexical.CHANNELS
            },
            payload={"doc_id": doc_id, "text": text, "kind": kind, "region": region, "expiry_date": expiry},
        )
        for number, (doc_id, text, kind, region, expiry) in enumerate(TEXTS)
    ]


@pytest.fixture(params=["edge", "qdrant-client", "qdrant-rest", "shared"])
def index(request, tmp_path):
    with ExitStack() as stack:
        if request.param == "edge":
            implementation = EdgeIndex(tmp_path / "shard")
        elif request.param == "shared":  # a real index process, started as `serve --workers N` starts it
            environment = stack.enter_context(
                shared_embedded_index(Settings(_env_file=None, data_dir=tmp_path))
            )
            implementation = SharedIndex(
                Path(environment["GOVASSIST_QDRANT__SHARED_INDEX"]),
                environment["GOVASSIST_QDRANT__SHARED_INDEX_KEY"].encode(),
            )
        elif request.param == "qdrant-rest":
            url = stack.enter_context(stub_qdrant_server(api_key="contract-key"))
            implementation = QdrantServerIndex.connect(url, "contract", api_key="contract-key")
        else:
            implementation = QdrantServerIndex.connect(":memory:", "contract")
        implementation.ensure_collection(8)
        implementation.upsert(_points())
        yield implementation
        implementation.close()


def test_another_process_sees_and_changes_the_shared_index(tmp_path):
    """Two workers, one index: what one writes the other finds, and a wrong key is refused."""
    with shared_embedded_index(Settings(_env_file=None, data_dir=tmp_path)) as environment:
        address, key = (
            environment["GOVASSIST_QDRANT__SHARED_INDEX"],
            environment["GOVASSIST_QDRANT__SHARED_INDEX_KEY"],
        )
        first = SharedIndex(Path(address), key.encode())
        first.ensure_collection(8)
        first.upsert(_points())
        script = (
            "import sys; from pathlib import Path; from assistant.retrieval.shared_index import SharedIndex; "
            "index = SharedIndex(Path(sys.argv[1]), sys.argv[2].encode()); "
            "print(index.count()); index.delete(['00000000-0000-0000-0000-000000000000'])"
        )
        other = subprocess.run(
            [sys.executable, "-c", script, address, key],
            capture_output=True,
            text=True,
            cwd=PROJECT,
            timeout=60,
        )
        assert other.returncode == 0, other.stderr
        assert other.stdout.strip() == "4" and first.count() == 3
        intruder = subprocess.run(
            [sys.executable, "-c", script, address, "wrong"],
            capture_output=True,
            text=True,
            cwd=PROJECT,
            timeout=60,
        )
        assert intruder.returncode != 0 and first.count() == 3


def _ids(matches):
    return [match.payload["doc_id"] for match in matches]


TODAY = FilterSpec.from_filters(SearchFilters(), today=date(2025, 6, 1))
EVERYTHING = FilterSpec.from_filters(SearchFilters(include_expired=True))


def test_count_and_scroll_return_every_point_with_payload(index):
    assert index.count() == 4
    payloads = {pid: payload for pid, payload in index.scroll(batch_size=3)}
    assert {p["doc_id"] for p in payloads.values()} == {"p1", "p2", "f1", "f2"}
    assert all("expiry_day" in p for p in payloads.values())


def test_sparse_search_finds_keyword_matches_with_idf(index):
    matches = index.search_sparse(
        "words", lexical.encode_query("公积金提取", "words", lexicon.expansions("公积金提取")), 10, EVERYTHING
    )
    assert _ids(matches)[0] == "p1"
    assert set(_ids(matches)) == {"p1", "f2"}
    bigrams = index.search_sparse("bigrams", lexical.encode_query("公积金提取", "bigrams"), 10, EVERYTHING)
    assert _ids(bigrams)[0] == "p1" and set(_ids(bigrams)) == {"p1", "f2"}


def test_dense_search_ranks_by_cosine(index):
    matches = index.search_dense(_vector(2), 2, EVERYTHING)
    assert _ids(matches)[0] == "f1"
    assert matches[0].score == pytest.approx(1.0, abs=1e-4)


def test_a_batch_finds_what_each_query_finds_alone(index):
    words = lexical.encode_query("公积金提取", "words", lexicon.expansions("公积金提取"))
    faq = FilterSpec.from_filters(SearchFilters(kinds=["faq"], include_expired=True))
    queries = [
        IndexQuery("words", words, 10, EVERYTHING),
        IndexQuery("bigrams", lexical.encode_query("居住证", "bigrams"), 10, EVERYTHING),
        IndexQuery("dense", _vector(1), 3, faq),
        IndexQuery("words", SparseVector([], []), 10, EVERYTHING),  # nothing to match
    ]
    batch = index.search_batch(queries)
    alone = [
        index.search_sparse("words", words, 10, EVERYTHING),
        index.search_sparse("bigrams", lexical.encode_query("居住证", "bigrams"), 10, EVERYTHING),
        index.search_dense(_vector(1), 3, faq),
        [],
    ]
    assert [[(m.point_id, round(m.score, 4), m.payload) for m in matches] for matches in batch] == [
        [(m.point_id, round(m.score, 4), m.payload) for m in matches] for matches in alone
    ]
    assert _ids(batch[0])[0] == "p1" and set(_ids(batch[2])) == {"f1", "f2"}


def test_ids_and_scores_without_payloads_then_the_payloads_by_id(index):
    query = IndexQuery("dense", _vector(1), 4, EVERYTHING)
    full = index.search_batch([query])[0]
    bare = index.search_batch([IndexQuery("dense", _vector(1), 4, EVERYTHING, with_payload=False)])[0]
    assert [(m.point_id, round(m.score, 4)) for m in bare] == [(m.point_id, round(m.score, 4)) for m in full]
    assert all(m.payload == {} for m in bare)
    payloads = index.payloads([m.point_id for m in bare] + ["00000000-0000-0000-0000-000000000099"])
    assert payloads == {m.point_id: m.payload for m in full}  # a missing point is left out


def test_filters_by_kind_region_and_expiry(index):
    query = _vector(1)
    faq = FilterSpec.from_filters(SearchFilters(kinds=["faq"], include_expired=True))
    assert set(_ids(index.search_dense(query, 10, faq))) == {"f1", "f2"}
    region = FilterSpec.from_filters(SearchFilters(regions=["其他市"], include_expired=True))
    assert _ids(index.search_dense(query, 10, region)) == ["f2"]
    assert "p2" not in _ids(index.search_dense(query, 10, TODAY))  # expired on 2024-12-31
    old = FilterSpec.from_filters(SearchFilters(valid_on=date(2024, 6, 1)))
    assert "p2" in _ids(index.search_dense(query, 10, old))


def test_restricting_to_point_ids(index):
    restricted = EVERYTHING.restricted_to(["00000000-0000-0000-0000-000000000003"])
    assert _ids(index.search_dense(_vector(0), 10, restricted)) == ["f2"]


def test_delete_removes_points(index):
    index.delete(["00000000-0000-0000-0000-000000000000"])
    assert index.count() == 3
    assert "p1" not in _ids(index.search_sparse("words", lexical.encode_query("公积金提取"), 10, EVERYTHING))


def test_dropping_the_collection_removes_every_point(index):
    index.drop_collection()
    assert index.count() == 0
    index.ensure_collection(8)
    assert index.count() == 0


def test_both_implementations_agree():
    edge_dir = __import__("tempfile").mkdtemp()
    implementations = [
        EdgeIndex(__import__("pathlib").Path(edge_dir) / "s"),
        QdrantServerIndex.connect(":memory:", "c"),
    ]
    results = []
    for implementation in implementations:
        implementation.ensure_collection(8)
        implementation.upsert(_points())
        sparse = implementation.search_sparse(
            "bigrams", lexical.encode_query("公积金 居住证 社保", "bigrams"), 10, EVERYTHING
        )
        dense = implementation.search_dense(_vector(3), 10, EVERYTHING)
        results.append(
            (
                [(m.point_id, round(m.score, 4)) for m in sparse],
                [(m.point_id, round(m.score, 4)) for m in dense],
            )
        )
        implementation.close()
    assert results[0] == results[1]


def test_a_second_opener_of_the_embedded_index_is_refused_until_the_first_closes(tmp_path):
    """`govassist ingest` beside a running service gets a clear message, and nothing is written."""
    first, second = EdgeIndex(tmp_path / "shard"), EdgeIndex(tmp_path / "shard")
    first.ensure_collection(8)
    first.upsert(_points())
    for attempt in (second.count, lambda: second.upsert(_points()[:1])):
        with pytest.raises(BackendUnavailable, match="正由另一个进程使用"):
            attempt()
    assert first.count() == len(_points())
    first.close()
    assert second.count() == len(_points())
    second.close()
