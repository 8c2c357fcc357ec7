"""Managing classified documents through the admin API: the upload form's level, the configured
default, a department admin held to its own department's documents, reclassifying, and a level
that survives re-ingesting the same file."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.audit import AuditLog
from assistant.config import Settings
from ingest.pipeline import ingest_paths

pytestmark = pytest.mark.integration

NOTICE = "示例市社保窗口延时服务安排：工作日窗口延时至晚上七点，周六上午照常办理社保业务。"


def _client(tmp_path, **ingest):
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", llm={"backend": "extractive"}, ingest=ingest
    )
    app = create_app(settings)
    services = app.state.services
    keys = {
        "admin": create_api_key(services.database, "admin", "总管理员"),
        "labour": create_api_key(services.database, "admin", "人社管理员", "示例市人社局"),
        "police": create_api_key(services.database, "admin", "公安管理员", "示例市公安局"),
    }
    return TestClient(app), {name: {"Authorization": f"Bearer {key}"} for name, key in keys.items()}


def _upload(client, headers, name="延时服务.txt", **form):
    files = [("files", (name, NOTICE.encode("utf-8"), "text/plain"))]
    return client.post("/v1/admin/documents", files=files, data=form, headers=headers)


def _documents(client, headers):
    return {d["source"]: d for d in client.get("/v1/admin/documents", headers=headers).json()["documents"]}


def _public_sources(client, question=NOTICE):
    return {
        hit["metadata"]["source"].rsplit("/", 1)[-1]
        for hit in client.post("/v1/search", json={"query": question}).json()["hits"]
    }


def test_the_upload_form_sets_the_level_and_the_uploaders_department_owns_it(tmp_path):
    client, keys = _client(tmp_path)
    with client:
        assert _upload(client, keys["labour"], sensitivity="内部").status_code == 200
        document = _documents(client, keys["admin"])["延时服务.txt"]
        assert (document["sensitivity"], document["department"]) == ("内部", "示例市人社局")
        assert "延时服务.txt" not in _public_sources(client)
        refused = _upload(client, keys["labour"], name="他部门.txt", department="示例市公安局")
        assert refused.status_code == 403 and "本部门" in refused.json()["error"]["message"]
        assert _upload(client, keys["admin"], name="代传.txt", department="示例市公安局").status_code == 200
        assert _documents(client, keys["admin"])["代传.txt"]["department"] == "示例市公安局"


def test_a_bad_level_is_refused_in_chinese_and_nothing_is_written(tmp_path):
    client, keys = _client(tmp_path)
    with client:
        response = _upload(client, keys["admin"], sensitivity="绝密")
        assert response.status_code == 400 and "公开、内部、敏感" in response.json()["error"]["message"]
        assert not _documents(client, keys["admin"])
        assert not any((tmp_path / "data" / "uploads").glob("*/*"))


def test_a_cautious_deployment_defaults_new_uploads_to_internal(tmp_path):
    client, keys = _client(tmp_path, default_sensitivity="内部")
    with client:
        _upload(client, keys["admin"])
        assert _documents(client, keys["admin"])["延时服务.txt"]["sensitivity"] == "内部"
        assert "延时服务.txt" not in _public_sources(client)


def test_a_department_admin_manages_only_its_own_documents(tmp_path):
    client, keys = _client(tmp_path)
    with client:
        _upload(client, keys["labour"])
        doc_id = _documents(client, keys["admin"])["延时服务.txt"]["doc_id"]
        assert not _documents(client, keys["police"])["延时服务.txt"]["manageable"]
        classify = {"doc_ids": [doc_id], "sensitivity": "敏感"}
        assert (
            client.post("/v1/admin/documents/classify", json=classify, headers=keys["police"]).status_code
            == 403
        )
        assert (
            client.delete(
                "/v1/admin/documents", params={"doc_id": doc_id}, headers=keys["police"]
            ).status_code
            == 403
        )
        replaced = _upload(client, keys["police"])  # the same file name would replace the 人社局 document
        assert replaced.status_code == 403 and doc_id in replaced.json()["error"]["message"]
        assert "延时服务.txt" in _public_sources(client)  # refused changes changed nothing
        assert _documents(client, keys["admin"])["延时服务.txt"]["department"] == "示例市人社局"

        assert (
            client.post("/v1/admin/documents/classify", json=classify, headers=keys["labour"]).status_code
            == 200
        )
        assert "延时服务.txt" not in _public_sources(client)
        assert "延时服务.txt" not in _documents(
            client, keys["police"]
        )  # another department's 敏感: not even listed
        assert _documents(client, keys["labour"])["延时服务.txt"]["sensitivity"] == "敏感"
        assert (
            client.delete(
                "/v1/admin/documents", params={"doc_id": doc_id}, headers=keys["labour"]
            ).status_code
            == 200
        )
        audit = list(AuditLog(client.app.state.services.database).export())
        assert {"documents.classify", "documents.delete"} <= {
            row["action"] for row in audit if row["actor"] == "人社管理员"
        }
        assert any(row["action"] == "keys.create" and "示例市人社局" in str(row["detail"]) for row in audit)


def test_a_reclassified_document_keeps_its_level_when_its_file_is_ingested_again(services, tmp_path):
    path = tmp_path / "延时服务.txt"
    path.write_text(NOTICE, encoding="utf-8")
    ingest_paths([path], services.knowledge_base, services.settings.ingest)
    (doc_id,) = services.knowledge_base.manifest().documents
    assert services.knowledge_base.reclassify(doc_id, "内部")
    assert not services.searcher.search(NOTICE).hits
    ingest_paths([path], services.knowledge_base, services.settings.ingest)
    assert services.knowledge_base.manifest().documents[doc_id].sensitivity == "内部"
    assert not services.searcher.search(NOTICE).hits
