"""The manifest in the shared database (several machines, one Qdrant server), on SQLite and on
PostgreSQL when ``GOVASSIST_TEST_POSTGRES_URL`` is set: what one machine saves the other loads, a
save on a stale manifest is refused rather than dropping the other's change, and a manifest file
kept before is the table's start."""

from __future__ import annotations

import os

import pytest

from assistant.config import Settings
from assistant.database import Base
from assistant.errors import Conflict
from assistant.retrieval.manifest import Manifest, ManifestEntry, ManifestFile
from assistant.retrieval.manifest_table import ManifestTable
from assistant.wiring import Services, build_database

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    options = {}
    if request.param == "postgresql":
        url = os.environ.get("GOVASSIST_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("GOVASSIST_TEST_POSTGRES_URL is not set (run the tests through `make test`)")
        options["database"] = {"url": url}
    database = build_database(Settings(_env_file=None, data_dir=tmp_path, **options))
    Base.metadata.drop_all(database.engine)
    database.create_tables()
    yield database
    database.close()


def _with_document(manifest: Manifest, doc_id: str) -> Manifest:
    manifest.embedder, manifest.dimension = "e5", 384
    manifest.documents[doc_id] = ManifestEntry(doc_id, f"hash-{doc_id}", chunk_count=2, token_count=20)
    return manifest


def test_what_one_machine_saves_the_other_loads(database):
    first, second = ManifestTable(database, "kb"), ManifestTable(database, "kb")
    assert first.version() is None and second.load().documents == {}
    first.save(_with_document(first.load(), "d1"))
    assert second.version() == first.version() is not None
    assert second.load().live_versions() == {"d1": "hash-d1"}
    second.save(_with_document(second.load(), "d2"))
    assert set(first.load().documents) == {"d1", "d2"}
    assert ManifestTable(database, "other").load().documents == {}  # one row per collection


def test_a_save_on_a_stale_manifest_is_refused_and_loses_nothing(database):
    first, second = ManifestTable(database, "kb"), ManifestTable(database, "kb")
    first.save(_with_document(first.load(), "d1"))
    stale = second.load()
    first.save(_with_document(first.load(), "d2"))
    with pytest.raises(Conflict, match="请重试"):
        second.save(_with_document(stale, "d3"))
    assert set(second.load().documents) == {"d1", "d2"}
    second.save(_with_document(second.load(), "d3"))  # the retry, on the current manifest
    assert set(first.load().documents) == {"d1", "d2", "d3"}


def test_two_first_saves_at_once_keep_one(database):
    first, second = ManifestTable(database, "kb"), ManifestTable(database, "kb")
    empty_first, empty_second = first.load(), second.load()
    first.save(_with_document(empty_first, "d1"))
    with pytest.raises(Conflict):
        second.save(_with_document(empty_second, "d2"))
    assert set(second.load().documents) == {"d1"}


def test_a_manifest_file_kept_before_is_the_start(database, tmp_path):
    legacy = tmp_path / "kb.manifest.json"
    ManifestFile(legacy).save(_with_document(Manifest(), "d1"))
    table = ManifestTable(database, "kb", legacy_file=legacy)
    assert table.load().live_versions() == {"d1": "hash-d1"}
    assert ManifestTable(database, "kb").load().live_versions() == {"d1": "hash-d1"}


def test_services_keep_the_manifest_in_the_database_only_with_a_qdrant_server(tmp_path):
    embedded = Services(Settings(_env_file=None, data_dir=tmp_path / "one"))
    server = Services(Settings(_env_file=None, data_dir=tmp_path / "two", qdrant={"url": ":memory:"}))
    assert isinstance(embedded.manifests, ManifestFile) and isinstance(server.manifests, ManifestTable)
    embedded.close(), server.close()
