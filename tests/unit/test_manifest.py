import json

import pytest

from assistant.errors import IndexMismatch
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
