import json

import pytest

from assistant.errors import Conflict, IndexMismatch
from assistant.retrieval.manifest import Manifest, ManifestEntry, ManifestFile


def test_save_is_atomic_and_reload_sees_changes(tmp_path):
    store = ManifestFile(tmp_path / "kb.manifest.json")
    assert store.load().documents == {}
    manifest = Manifest(embedder="use", dimension=512)
    manifest.documents["d1"] = ManifestEntry("d1", "h1", chunk_count=3, token_count=30, title="标题")
    store.save(manifest)
    assert not list(tmp_path.glob("*.tmp"))
    assert (
        json.loads((tmp_path / "kb.manifest.json").read_text(encoding="utf-8"))["documents"]["d1"]["title"]
        == "标题"
    )
    other_process = ManifestFile(tmp_path / "kb.manifest.json")
    loaded = other_process.load()
    assert loaded.chunk_count == 3 and loaded.average_chunk_length("words") == 10
    assert loaded.live_versions() == {"d1": "h1"}


def test_mixing_embedders_is_refused_with_the_settings_to_change():
    manifest = Manifest(embedder="use-multilingual-v3", dimension=512)
    manifest.check_embedder("use-multilingual-v3", 512)
    with pytest.raises(IndexMismatch, match="GOVASSIST_EMBEDDING__BACKEND"):
        manifest.check_embedder("sentence-transformers:bge-m3", 1024)


def test_a_save_on_a_manifest_another_process_replaced_is_refused(tmp_path):
    path = tmp_path / "kb.manifest.json"
    first, second = ManifestFile(path), ManifestFile(path)  # two workers on one data dir
    first.save(Manifest(embedder="e5", dimension=384))
    stale = first.load()
    changed = second.load()
    changed.documents["d2"] = ManifestEntry("d2", "h2", chunk_count=1, token_count=5)
    second.save(changed)
    stale.documents["d1"] = ManifestEntry("d1", "h1", chunk_count=1, token_count=5)
    with pytest.raises(Conflict, match="请重试"):
        first.save(stale)
    assert set(first.load().documents) == {"d2"}  # the other worker's change is kept
    current = first.load()
    current.documents["d1"] = ManifestEntry("d1", "h1", chunk_count=1, token_count=5)
    first.save(current)  # the retry, on what is there now
    assert set(second.load().documents) == {"d1", "d2"}
