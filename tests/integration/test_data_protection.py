"""Personal data through the running service: what is stored is masked however the digits are
disguised; exports are audited and anonymised on request; uploads and the database are private
files, and rejected or deleted uploads do not stay on disk; the scheduled purge runs."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.audit import AuditLog
from assistant.config import Settings
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB

pytestmark = pytest.mark.integration
PHONE_DISGUISES = ["１３８１２３４５６７８", "138\u200b1234\u200d5678", "\ufeff13812345678"]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("protection") / "data",
        llm={"backend": "extractive"},
        api={"public_rate_per_minute": 1000},
    )
    app = create_app(settings)
    services = app.state.services
    ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
    admin = {"Authorization": f"Bearer {create_api_key(services.database, 'admin', '管理员')}"}
    with TestClient(app) as client:
        yield client, admin


def _rows(client, sql: str) -> list[tuple]:
    with client.app.state.services.database.engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def _stored_text(client) -> str:
    tables = (
        "SELECT question || standalone_question FROM conversation_turns",
        "SELECT detail FROM audit_events",
        "SELECT comment FROM ratings",
    )
    return "".join(str(row[0]) for sql in tables for row in _rows(client, sql))


@pytest.mark.parametrize("phone", PHONE_DISGUISES)
def test_disguised_numbers_are_masked_in_conversations_audit_and_ratings(service, phone):
    client, _ = service
    reply = client.post("/v1/chat", json={"question": f"我的电话{phone}，居住证怎么办？"}).json()
    body = {
        "answer_id": reply["answer_id"],
        "session_id": reply["session_id"],
        "helpful": False,
        "reason": f"请打{phone}回电，身份证1101051949\u200b1231002X",
    }
    assert client.post("/v1/feedback", json=body).status_code == 201
    stored = _stored_text(client)
    assert "138****5678" in stored
    assert not any(hidden in stored for hidden in ("13812345678", "１２３４", "1234\u200d", "19491231"))


def test_conversation_exports_are_audited_and_anonymised_with_stable_session_pseudonyms(service):
    client, admin = service
    first = client.post("/v1/chat", json={"question": "申领居住证需要提交哪些材料？"}).json()
    client.post("/v1/chat", json={"question": "收费吗？", "session_id": first["session_id"]})
    turns = client.get("/v1/admin/conversations", params={"anonymise": "true"}, headers=admin).json()["turns"]
    sessions = [turn["session_id"] for turn in turns[-2:]]
    assert (
        sessions[0] == sessions[1]
        and sessions[0].startswith("会话")
        and first["session_id"] not in json.dumps(turns)
    )
    csv = client.get("/v1/admin/conversations", params={"format": "csv"}, headers=admin)
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("会话,时间,问题")
    assert client.get("/v1/admin/conversations").status_code == 401
    client.get("/v1/admin/audit", headers=admin)
    actions = [event["action"] for event in AuditLog(client.app.state.services.database).export()]
    assert actions.count("conversations.export") == 2 and "audit.export" in actions


def test_the_audit_chain_verifies_over_the_api(service):
    client, admin = service
    result = client.get("/v1/admin/audit/verify", headers=admin).json()
    assert result["ok"] and result["rows"] == result["head_seq"] > 0 and result["problem"] == ""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_dir_database_and_uploads_are_private_and_rejected_or_deleted_uploads_are_removed(service):
    client, admin = service
    data_dir = client.app.state.services.settings.data_dir
    assert _mode(data_dir) == 0o700 and _mode(data_dir / "govassist.db") == 0o600
    files = [
        ("files", ("开放时间.txt", "示例市档案馆周三闭馆，其余时间九点开放。".encode(), "text/plain")),
        ("files", ("setup.exe", b"MZ\x90\x00 not a document", "application/octet-stream")),
        ("files", ("坏文件.pdf", b"%PDF-1.4 broken", "application/pdf")),
    ]
    report = client.post("/v1/admin/documents", files=files, headers=admin).json()
    assert report["failed"] == 2
    uploads = data_dir / "uploads"
    kept = [path for path in uploads.rglob("*") if path.is_file()]
    assert [path.name for path in kept] == ["开放时间.txt"]
    assert _mode(uploads) == 0o700 and _mode(kept[0].parent) == 0o700 and _mode(kept[0]) == 0o600
    documents = client.get("/v1/admin/documents", headers=admin).json()["documents"]
    doc_id = next(d["doc_id"] for d in documents if d["source"] == "开放时间.txt")
    assert client.delete("/v1/admin/documents", params={"doc_id": doc_id}, headers=admin).status_code == 200
    assert not any(uploads.iterdir())  # the file and its folder are gone
    actions = [event["action"] for event in AuditLog(client.app.state.services.database).export()]
    assert "documents.upload" in actions and "documents.delete" in actions


def test_the_scheduled_purge_runs_in_the_service(tmp_path):
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        llm={"backend": "extractive"},
        retention={"purge_interval_hours": 0.5 / 3600},
    )  # every half second
    with TestClient(create_app(settings)) as client:
        log = AuditLog(client.app.state.services.database)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(e["action"] == "retention.purge" for e in log.export()):
            time.sleep(0.2)
        purges = [event for event in log.export() if event["action"] == "retention.purge"]
    assert purges and purges[0]["actor"] == "system:retention"
