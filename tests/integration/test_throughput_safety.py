"""Built once per process, answered once per question: the service's shared backends under
concurrent first use, and the answer cache on the real demo knowledge base, invalidated when the
knowledge base changes, also from another process."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from assistant import wiring
from assistant.answering.conversations import ConversationStore
from assistant.config import Settings
from assistant.retrieval.embedding import E5Embedder
from assistant.wiring import Services
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB, PROJECT

pytestmark = pytest.mark.integration
QUESTION = "申领居住证需要提交哪些材料？"


def _at_once(count: int, work) -> list:  # type: ignore[no-untyped-def]
    """``work`` in ``count`` threads released together; their results."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(slot: int) -> None:
        barrier.wait()
        results[slot] = work()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_first_requests_build_each_backend_once(settings, monkeypatch):
    builds: list[str] = []

    def counted(name, build):  # type: ignore[no-untyped-def]
        def slow_build(settings):  # type: ignore[no-untyped-def]
            builds.append(name)
            time.sleep(0.2)  # a model load: long enough for every other thread to arrive
            return build(settings)

        return slow_build

    for name in ("build_embedder", "build_index", "build_database"):
        monkeypatch.setattr(wiring, name, counted(name, getattr(wiring, name)))
    services = Services(settings)
    try:
        chains = _at_once(8, lambda: services.answer_chain)
        searchers = _at_once(8, lambda: services.searcher)
    finally:
        services.close()
    assert sorted(builds) == [
        "build_database",
        "build_embedder",
        "build_index",
    ]  # the embedded index opened once
    assert all(chain is chains[0] for chain in chains)
    assert all(searcher is searchers[0] for searcher in searchers)


def test_concurrent_first_queries_load_the_embedding_model_once(monkeypatch):
    loads: list[int] = []
    real_load = E5Embedder._load

    def counted_load(self):  # type: ignore[no-untyped-def]
        loads.append(1)
        return real_load(self)

    monkeypatch.setattr(E5Embedder, "_load", counted_load)
    embedder = E5Embedder()
    vectors = _at_once(6, lambda: embedder.embed_query("居住证怎么办理"))
    assert len(loads) == 1
    assert all(abs(float(v @ vectors[0]) - 1.0) < 1e-5 for v in vectors)


@pytest.fixture
def demo_services(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", llm={"backend": "extractive"})
    services = Services(settings)
    ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
    yield services
    services.close()


def test_a_repeated_question_is_answered_from_the_cache_with_its_own_session(demo_services):
    chain = demo_services.answer_chain
    first = chain.answer(QUESTION)
    second = chain.answer(QUESTION)
    assert "cached" in second.timings_ms and "judge" in first.timings_ms
    assert second.text == first.text and [c.doc_id for c in second.citations] == [
        c.doc_id for c in first.citations
    ]
    assert second.session_id and second.session_id != first.session_id
    # Both turns are stored: a cached answer still counts in the citizen's conversation.
    assert len(ConversationStore(demo_services.database).history(second.session_id, 5)) == 1


def test_deleting_the_source_document_invalidates_the_cached_answer(demo_services):
    chain = demo_services.answer_chain
    first = chain.answer(QUESTION)
    demo_services.knowledge_base.delete([first.citations[0].doc_id])
    after = chain.answer(QUESTION)
    assert "cached" not in after.timings_ms
    assert first.citations[0].doc_id not in [c.doc_id for c in after.citations]


def test_a_knowledge_base_change_by_another_process_invalidates_the_cache(demo_services):
    chain = demo_services.answer_chain
    chain.answer(QUESTION)
    assert "cached" in chain.answer(QUESTION).timings_ms
    # Another process replaces the manifest, as its ingest, delete or reindex does.
    manifest = demo_services.manifests.path
    script = (
        "import sys; from pathlib import Path; from assistant.retrieval.manifest import ManifestFile; "
        "store = ManifestFile(Path(sys.argv[1])); store.save(store.load())"
    )
    subprocess.run([sys.executable, "-c", script, str(manifest)], check=True, cwd=PROJECT, timeout=60)
    assert "cached" not in chain.answer(QUESTION).timings_ms


def test_a_traced_question_is_always_computed(demo_services):
    from assistant.answering.chain import Trace

    chain = demo_services.answer_chain
    chain.answer(QUESTION)
    trace = Trace()
    answer = list(chain.stream(QUESTION, trace=trace))[-1].answer
    assert answer is not None and "cached" not in answer.timings_ms and trace.hits
