"""Ingest the demo knowledge base for real (the packaged e5 embedder, embedded Qdrant) and search it as a
citizen would; then change, break and interrupt ingestion and check nothing is lost."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant.documents import SearchFilters
from assistant.knowledge_base import KnowledgeBase
from ingest.pipeline import ingest_paths

pytestmark = pytest.mark.integration


def _ingest(services, *paths: Path, prune: bool = False):
    return ingest_paths(list(paths), services.knowledge_base, services.settings.ingest, prune=prune)


def _top_sources(services, question: str, k: int = 3, **filters) -> list[str]:
    hits = services.searcher.search(question, top_k=k, filters=SearchFilters(**filters)).hits
    return [Path(hit.chunk.metadata.source).name for hit in hits]


@pytest.fixture
def ingested(services, demo_copy):
    report = _ingest(services, demo_copy)
    assert not report.failed, [(f.path, f.reason) for f in report.failed]
    return services, demo_copy, report


def test_demo_ingest_reads_every_format(ingested):
    services, demo, report = ingested
    suffixes = {Path(outcome.path).suffix for outcome in report.files if outcome.status == "added"}
    assert {".pdf", ".docx", ".html", ".md", ".txt", ".xlsx"} <= suffixes
    stats = services.knowledge_base.stats()
    assert stats.by_kind.get("faq", 0) >= 100
    assert stats.points == stats.chunks


def test_citizen_questions_find_the_right_source(ingested):
    services, _, _ = ingested
    top = services.searcher.search("办理居住证需要哪些材料？", top_k=1).hits[0].chunk
    assert "居住证" in top.search_text and "材料" in top.search_text
    top = services.searcher.search("公积金怎么提取", top_k=1).hits[0].chunk
    assert "公积金" in top.search_text and "提取" in top.search_text


def test_hits_carry_heading_paths_and_metadata(ingested):
    services, _, _ = ingested
    hits = services.searcher.search("居住证", top_k=10, filters=SearchFilters(kinds=["policy", "guide"])).hits
    assert hits and all(hit.chunk.metadata.kind in {"policy", "guide"} for hit in hits)
    assert any(hit.chunk.heading_path for hit in hits)
    assert any(hit.chunk.metadata.document_number for hit in hits)


def test_faq_answers_are_kept_verbatim(ingested):
    services, _, _ = ingested
    hits = services.searcher.search("居住证", top_k=5, filters=SearchFilters(kinds=["faq"])).hits
    assert hits and all(hit.chunk.question for hit in hits)


def test_reingesting_unchanged_files_is_a_no_op(ingested):
    services, demo, _ = ingested
    before = services.knowledge_base.stats()
    report = _ingest(services, demo)
    assert {outcome.status for outcome in report.files} == {"unchanged"}
    assert services.knowledge_base.stats() == before


def test_changed_file_replaces_its_chunks_and_removed_file_is_pruned(ingested):
    services, demo, _ = ingested
    markdown = sorted(demo.rglob("*.md"))[0]
    markdown.write_text(
        markdown.read_text(encoding="utf-8") + "\n\n第九十九条 本办法由示例市蓝鲸办公室负责解释。\n",
        encoding="utf-8",
    )
    report = _ingest(services, demo)
    assert [Path(o.path).name for o in report.files if o.status == "updated"] == [markdown.name]
    assert markdown.name in _top_sources(services, "蓝鲸办公室负责解释", include_expired=True)
    stats = services.knowledge_base.stats()
    assert stats.points == stats.chunks  # old chunks deleted
    markdown.unlink()
    report = _ingest(services, demo, prune=True)
    assert report.removed
    assert markdown.name not in _top_sources(services, "蓝鲸办公室负责解释", include_expired=True)


def test_bad_files_are_reported_and_nothing_else_is_lost(ingested, tmp_path):
    services, _, _ = ingested
    before = services.knowledge_base.stats()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "空文件.txt").write_bytes(b"")
    (bad / "损坏.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 3)
    (bad / "图片.png").write_bytes(b"\x89PNG\r\n")
    (bad / "好文件.txt").write_text("示例市图书馆周一闭馆，周二至周日九点开放。", encoding="gbk")
    services.settings.ingest.max_file_mb = 0.001
    (bad / "超大.txt").write_text("大" * 2000, encoding="utf-8")
    report = _ingest(services, bad)
    failed = {Path(outcome.path).name: outcome.reason for outcome in report.failed}
    assert set(failed) == {"空文件.txt", "损坏.pdf", "图片.png", "超大.txt"}
    assert all(reason for reason in failed.values())
    assert "MAX_FILE_MB" in failed["超大.txt"]
    assert services.knowledge_base.stats().documents == before.documents + 1
    assert "好文件.txt" in _top_sources(services, "图书馆周一开放吗")
    assert "居住证" in services.searcher.search("办理居住证需要哪些材料？", top_k=1).hits[0].chunk.search_text


def test_interrupted_ingest_keeps_the_previous_knowledge_base(ingested, tmp_path):
    services, demo, _ = ingested
    before = services.knowledge_base.stats()

    class Crash(RuntimeError):
        pass

    class CrashingKnowledgeBase(KnowledgeBase):
        def _commit(self, *args, **kwargs):  # chunks are upserted, the manifest swap never happens
            raise Crash

    crashing = CrashingKnowledgeBase(services.index, services.embedder, services.manifests)
    changed = tmp_path / "更新.md"
    changed.write_text("# 临时通知\n\n示例市政务大厅本周六加班办理居住证业务。\n", encoding="utf-8")
    with pytest.raises(Crash):
        ingest_paths([changed], crashing, services.settings.ingest)
    assert services.knowledge_base.stats().documents == before.documents
    assert "更新.md" not in _top_sources(services, "政务大厅周六加班", k=10)
    assert "居住证" in services.searcher.search("办理居住证需要哪些材料？", top_k=1).hits[0].chunk.search_text
    report = _ingest(services, changed)  # the next run cleans up and stores it properly
    assert report.files[0].status == "added"
    stats = services.knowledge_base.stats()
    assert stats.points == stats.chunks


def test_expired_policies_are_excluded_by_default(ingested):
    services, _, _ = ingested
    manifest = services.knowledge_base.manifest()
    hits = services.searcher.search(
        "高新技术企业认定奖励", top_k=20, filters=SearchFilters(include_expired=True)
    ).hits
    expired = [
        h for h in hits if h.chunk.metadata.expiry_date and h.chunk.metadata.expiry_date < date.today()
    ]
    assert expired, "the demo knowledge base has one expired policy"
    expired_doc = expired[0].chunk.doc_id
    default_hits = services.searcher.search("高新技术企业认定奖励", top_k=20).hits
    assert expired_doc not in {h.chunk.doc_id for h in default_hits}
    assert expired_doc in manifest.documents


def test_an_index_built_by_another_embedder_is_refused(ingested):
    services, _, _ = ingested
    manifest_path = services.manifests.path
    raw = json.loads(manifest_path.read_text(encoding="utf-8"))
    raw["embedder"] = "sentence-transformers:bge-m3"
    manifest_path.write_text(json.dumps(raw), encoding="utf-8")
    from assistant.errors import IndexMismatch

    with pytest.raises(IndexMismatch, match="govassist kb reindex"):
        services.searcher.search("居住证")


def test_reindex_rebuilds_an_index_of_another_embedder_and_keeps_every_document(tmp_path, demo_copy):
    from assistant.config import Settings
    from assistant.errors import IndexMismatch
    from assistant.wiring import Services

    old = Services(Settings(_env_file=None, data_dir=tmp_path / "data", embedding={"backend": "use"}))
    _ingest(old, demo_copy / "guides")
    before = old.knowledge_base.stats()
    old.close()
    services = Services(Settings(_env_file=None, data_dir=tmp_path / "data"))  # the e5 default
    with pytest.raises(IndexMismatch):
        services.searcher.search("居住证")
    snapshot = tmp_path / "reindex.jsonl"
    assert services.knowledge_base.reindex(snapshot) == before.chunks
    after = services.knowledge_base.stats()
    assert (after.documents, after.points, after.embedder) == (before.documents, before.chunks, "e5-small-q4")
    assert not snapshot.exists()
    assert "居住证申领办事指南.md" in _top_sources(services, "办居住证要带啥")
    services.close()


def test_the_file_size_limit_is_in_decimal_megabytes(services, tmp_path):
    services.settings.ingest.max_file_mb = 0.001  # 1,000 bytes, not 1,048
    (tmp_path / "略大.txt").write_bytes("示例市".encode() * 116)  # 1,044 bytes
    report = _ingest(services, tmp_path / "略大.txt")
    assert [Path(outcome.path).name for outcome in report.failed] == ["略大.txt"]
    assert "上限为 0.001 MB" in report.failed[0].reason
