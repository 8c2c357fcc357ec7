"""Uploading documents through the admin API (finding 5 of issue 10): the same file twice is one
document (未变, or 更新 when it changed), a failed or refused re-upload loses nothing, deleting a
document deletes its file, and nothing a caller sees names a server path. Real service, real
embedder and embedded Qdrant."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings

pytestmark = pytest.mark.integration
LIBRARY = "示例市图书馆周一闭馆，周二至周日九点开放，办理借书证需携带身份证。"
CHANGED = "示例市图书馆周一闭馆，周二至周日八点半开放，办理借书证需携带身份证。"


@pytest.fixture
def service(tmp_path):
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        llm={"backend": "extractive"},
        api={"public_rate_per_minute": 1000, "max_upload_mb": 0.01},
    )
    app = create_app(settings)
    admin = {"Authorization": f"Bearer {create_api_key(app.state.services.database, 'admin', '管理员')}"}
    with TestClient(app) as client:
        yield client, admin, settings.data_dir / "uploads"


def _upload(client, admin, name: str, content: bytes):
    return client.post("/v1/admin/documents", files=[("files", (name, content, "text/plain"))], headers=admin)


def _documents(client, admin) -> list[dict]:
    return client.get("/v1/admin/documents", headers=admin).json()["documents"]


def _files(uploads: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(uploads)): path.read_bytes() for path in uploads.rglob("*") if path.is_file()
    }


def test_the_same_file_uploaded_twice_is_one_document(service):
    client, admin, uploads = service
    statuses = [
        _upload(client, admin, "图书馆.txt", LIBRARY.encode()).json()["files"][0]["status"] for _ in range(2)
    ]
    assert statuses == ["added", "unchanged"]
    assert _upload(client, admin, "图书馆.txt", CHANGED.encode()).json()["files"][0]["status"] == "updated"
    assert (
        _upload(client, admin, "ｄｕｐ/图书馆.txt", CHANGED.encode()).json()["files"][0]["status"]
        == "unchanged"
    )
    [document] = _documents(client, admin)
    assert document["source"] == "图书馆.txt" and document["chunks"] == 1
    assert _files(uploads) == {"图书馆.txt": CHANGED.encode()}  # one place per name, no uuid folders
    hits = client.post("/v1/search", json={"query": "图书馆几点开放"}).json()["hits"]
    assert [hit["text"] for hit in hits] == [CHANGED]  # the old version is not searchable any more
    assert str(uploads.parent) not in repr(hits)


def test_a_failed_or_refused_reupload_loses_nothing(service):
    client, admin, uploads = service
    _upload(client, admin, "图书馆.txt", LIBRARY.encode())
    failed = _upload(client, admin, "图书馆.txt", b"").json()  # an empty file: 失败, with the reason
    assert failed["failed"] == 1 and failed["files"][0]["reason"]
    refused = _upload(client, admin, "图书馆.txt", "大".encode() * 5000)  # past the 0.01 MB limit
    assert refused.status_code == 413 and "上限" in refused.json()["error"]["message"]
    rejected = _upload(client, admin, "新的.exe", b"MZ\x90\x00")
    assert rejected.json()["files"][0]["status"] == "failed"
    assert _files(uploads) == {"图书馆.txt": LIBRARY.encode()}  # the earlier file back, nothing else left
    [document] = _documents(client, admin)
    hits = client.post("/v1/search", json={"query": "图书馆几点开放"}).json()["hits"]
    assert [hit["text"] for hit in hits] == [LIBRARY]
    assert (
        client.delete("/v1/admin/documents", params={"doc_id": document["doc_id"]}, headers=admin).status_code
        == 200
    )
    assert not any(uploads.iterdir())  # its file went with it


def test_one_request_may_not_name_two_files_alike(service):
    client, admin, uploads = service
    files = [
        ("files", ("通知.txt", LIBRARY.encode(), "text/plain")),
        ("files", ("通知.txt", CHANGED.encode(), "text/plain")),
    ]
    response = client.post("/v1/admin/documents", files=files, headers=admin)
    assert response.status_code == 400 and "重名" in response.json()["error"]["message"]
    assert not uploads.exists() or not any(uploads.iterdir())  # nothing written
