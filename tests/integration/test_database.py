"""The application database, for real, on SQLite and on PostgreSQL (started by
scripts/test-services.sh; skipped with the reason when it is not available)."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient

from assistant.answering.conversations import ConversationStore, Turn
from assistant.api.app import create_app
from assistant.api.security import authenticate, create_api_key, revoke_key
from assistant.audit import AuditEvent, AuditLog
from assistant.config import PrivacySettings, Settings
from assistant.database import Base
from assistant.hotline.tickets import TicketFields, TicketStore
from assistant.wiring import build_database

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path) -> Settings:
    if request.param == "sqlite":
        return Settings(_env_file=None, data_dir=tmp_path, llm={"backend": "extractive"})
    url = os.environ.get("GOVASSIST_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("GOVASSIST_TEST_POSTGRES_URL is not set (run the tests through `make test`)")
    settings = Settings(
        _env_file=None, data_dir=tmp_path, llm={"backend": "extractive"}, database={"url": url}
    )
    database = build_database(settings)
    Base.metadata.drop_all(database.engine)  # a clean schema for every test
    database.close()
    return settings


@pytest.fixture
def database(settings):
    database = build_database(settings)
    yield database
    database.close()


def test_conversations_keep_their_turns_in_order(database):
    store = ConversationStore(database)
    session = store.ensure(None)
    for number in range(4):
        store.append(session, Turn(f"问题{number}", f"问题{number}", f"回答{number}", "answered"), ["doc"])
    assert [turn.question for turn in store.history(session, 3)] == ["问题1", "问题2", "问题3"]
    assert store.ensure(session) == session


def test_api_keys_are_stored_hashed_and_can_be_revoked(database):
    key = create_api_key(database, "agent", "坐席甲")
    principal = authenticate(database, key)
    assert principal is not None and principal.role == "agent" and principal.name == "坐席甲"
    with database.engine.connect() as connection:
        stored = [row[0] for row in connection.exec_driver_sql("SELECT key_hash FROM api_keys")]
    assert key not in stored and all(len(value) == 64 for value in stored)
    assert revoke_key(database, principal.key_id)
    assert authenticate(database, key) is None


def test_audit_log_masks_personal_data(database):
    log = AuditLog(database)
    log.record(
        AuditEvent("public:127.0.0.1", "public", "chat", "我的电话13812345678，居住证怎么办", ("doc-1",))
    )
    [event] = list(log.export())
    assert "13812345678" not in event["detail"] and "138****5678" in event["detail"]
    assert event["sources"] == ["doc-1"] and event["action"] == "chat"


CALL = "喂，我叫张小明，住在示例市东城区幸福路88号锦绣花园，楼下饭店油烟太大。我电话是13812345678。张小明。"


@pytest.mark.parametrize(
    ("privacy", "kept", "gone"),
    [
        ({}, ["张小明", "幸福路88号锦绣花园", "138****5678"], ["13812345678"]),
        (
            {"mask_names": True, "mask_addresses": True},
            ["张**", "示例市东城区**", "138****5678"],
            ["小明", "幸福路", "锦绣花园", "13812345678"],
        ),
    ],
)
def test_stored_call_transcripts_mask_what_the_deployment_asks(database, privacy, kept, gone):
    store = TicketStore(database, PrivacySettings(**privacy))
    confirmed = TicketFields.from_mapping(
        {
            "caller_name": "张小明",
            "address": "东城区幸福路88号锦绣花园",
            "callback_number": "13812345678",
            "request": "饭店油烟扰民",
        }
    )
    store.confirm("坐席甲", TicketFields.from_mapping({}), confirmed, CALL)
    [ticket] = store.all()
    assert all(text in ticket["transcript"] for text in kept) and not any(
        text in ticket["transcript"] for text in gone
    )
    assert (
        ticket["caller_name"] == "张小明" and ticket["callback_number"] == "13812345678"
    )  # the agent's fields


def test_the_service_writes_rating_and_audit_rows(settings):
    with TestClient(create_app(settings)) as client:
        reply = client.post("/v1/chat", json={"question": "办事大厅几点开门？"}).json()
        feedback = {"answer_id": reply["answer_id"], "session_id": reply["session_id"], "helpful": True}
        assert client.post("/v1/feedback", json=feedback).status_code == 201
        database = client.app.state.services.database
        with database.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT level FROM ratings").all()
        actions = [event["action"] for event in AuditLog(database).export()]
    assert rows == [(4,)] and actions == ["chat", "rating"]  # 有帮助 is recorded as 满意


def test_recent_tickets_come_back_in_order_with_aware_times_for_grouping(database):
    from datetime import UTC, datetime, timedelta

    store = TicketStore(database)
    before = datetime.now(UTC) - timedelta(seconds=1)
    fields = TicketFields.from_mapping(
        {"address": "东城区幸福小区3号楼", "category": "城乡建设/供水供气", "request": "停水了"}
    )
    first, second = (store.confirm("坐席甲", fields, fields, "").id for _ in range(2))
    recent = store.since(before)
    assert [t["id"] for t in recent] == [first, second]
    assert recent[0]["created_at"].tzinfo is not None and recent[0]["address"] == "东城区幸福小区3号楼"
    assert store.since(datetime.now(UTC) + timedelta(minutes=1)) == []
