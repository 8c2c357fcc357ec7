"""The HTTP service on a freshly ingested demo knowledge base."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from ingest.pipeline import ingest_paths

pytestmark = pytest.mark.integration


@pytest.fixture
def client(settings, services, demo_copy):
    ingest_paths([demo_copy], services.knowledge_base, settings.ingest)
    services.close()
    with TestClient(create_app(settings)) as client:
        yield client


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] > 100


def test_search_returns_sources_with_scores(client):
    response = client.post("/v1/search", json={"query": "办理居住证需要哪些材料？", "top_k": 3})
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert len(hits) == 3
    assert any("居住证" in hit["title"] + hit["question"] for hit in hits)
    assert {"sparse", "dense", "fused"} <= set(hits[0]["scores"])


def test_search_validates_input(client):
    assert client.post("/v1/search", json={"query": ""}).status_code == 422
    assert client.post("/v1/search", json={"query": "x" * 501}).status_code == 422


def test_an_index_from_another_embedder_is_a_clear_json_error(settings):
    manifest = settings.data_dir / f"{settings.qdrant.collection}.manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    entry = {"doc_id": "x", "content_hash": "h", "chunk_count": 1, "token_count": 3}
    raw = {"embedder": "sentence-transformers:bge-m3", "dimension": 1024, "documents": {"x": entry}}
    manifest.write_text(json.dumps(raw), encoding="utf-8")
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/search", json={"query": "居住证"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["type"] == "IndexMismatch" and "GOVASSIST_EMBEDDING__BACKEND" in error["message"]
    assert len(error["request_id"]) == 32
