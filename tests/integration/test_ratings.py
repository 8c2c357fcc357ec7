"""好差评 through the service, on SQLite and PostgreSQL: a five-level rating of a real answer, the
follow-up a negative one opens (deadline in working days, owner, the conversation and its
sources, resolution), trends, the CSV export, the audit log, and a restart in between."""

from __future__ import annotations

import ast
import csv
import io
import subprocess
import sys
from datetime import date

import pytest
from fastapi.testclient import TestClient

from assistant.answering.conversations import ConversationStore, Turn
from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.audit import AuditLog
from assistant.config import RatingSettings
from assistant.errors import BadInput, NotFound
from assistant.ratings import RatingInput, RatingStore, add_working_days
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB, PROJECT
from tests.integration import test_database as on_both_databases

pytestmark = pytest.mark.integration
settings = on_both_databases.settings  # SQLite, and PostgreSQL when it is available
database = on_both_databases.database


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days():
    plain = RatingSettings()
    assert add_working_days(date(2026, 12, 4), 1, plain) == date(2026, 12, 7)  # Friday → Monday
    assert add_working_days(date(2026, 12, 2), 5, plain) == date(2026, 12, 9)
    national_day = RatingSettings(
        holidays=[date(2026, 10, d) for d in range(1, 8)], extra_workdays=[date(2026, 10, 10)]
    )
    assert add_working_days(date(2026, 9, 30), 1, national_day) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 9), 1, national_day) == date(
        2026, 10, 10
    )  # a Saturday worked in lieu


def _rated_app(settings):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    database = app.state.services.database
    return app, {"Authorization": f"Bearer {create_api_key(database, 'admin', '好差评管理员')}"}


def test_a_negative_rating_opens_a_follow_up_that_survives_a_restart_and_is_audited(settings):
    settings.ratings.follow_up_working_days = 3
    app, admin = _rated_app(settings)
    ingest_paths([DEMO_KB], app.state.services.knowledge_base, settings.ingest)
    with TestClient(app) as client:
        first = client.post("/v1/chat", json={"question": "办理居住证收费吗？"}).json()
        liked = {
            "answer_id": first["answer_id"],
            "session_id": first["session_id"],
            "level": "非常满意",
            "tags": ["回答准确"],
        }
        good = client.post("/v1/ratings", json=liked)
        assert good.status_code == 201 and good.json()["follow_up_id"] is None
        answer = client.post("/v1/chat", json={"question": "申领居住证需要提交哪些材料？"}).json()
        rated = {"answer_id": answer["answer_id"], "session_id": answer["session_id"]}
        bad = client.post(
            "/v1/ratings",
            json={
                **rated,
                "level": "非常不满意",
                "tags": ["信息过时", "答非所问"],
                "comment": "请回电１３８１２３４５６７８",
                "channel": "widget",
            },
        ).json()
        assert (
            bad["follow_up_id"]
            and bad["due_on"] == add_working_days(date.today(), 3, settings.ratings).isoformat()
        )
        again = client.post("/v1/ratings", json={**rated, "level": "满意"})
        assert again.status_code == 400 and "已经评价过了" in again.json()["error"]["message"]  # 一次一评
        assert client.get("/v1/admin/follow-ups").status_code == 401  # staff only
    app.state.services.close()

    app, admin = _rated_app(settings)  # a restart: a new process's services on the same database
    with TestClient(app) as client:
        [item] = client.get("/v1/admin/follow-ups", headers=admin).json()["items"]
        assert (
            item["status"] == "open"
            and item["owner"] == settings.ratings.default_owner
            and not item["overdue"]
        )
        assert item["rating"]["level"] == "非常不满意" and item["rating"]["tags"] == ["答非所问", "信息过时"]
        assert item["rating"]["comment"] == "请回电138****5678" and item["rating"]["channel"] == "网站挂件"
        [turn] = item["conversation"]
        assert turn["question"] == "申领居住证需要提交哪些材料？" and turn["answer"] == answer["answer"]
        assert turn["sources"] == [{"doc_id": c["doc_id"], "title": c["title"]} for c in answer["citations"]]

        path = f"/v1/admin/follow-ups/{item['id']}"
        assert (
            client.patch(path, json={"owner": "市公安局人口管理处"}, headers=admin).json()["owner"]
            == "市公安局人口管理处"
        )
        done = client.patch(
            path, json={"resolution": "已更新材料清单，并回电13812345678说明"}, headers=admin
        ).json()
        assert (
            done["status"] == "resolved"
            and done["resolved_by"] == "好差评管理员"
            and "138****5678" in done["resolution"]
        )
        again = client.patch(path, json={"resolution": "再次办结"}, headers=admin)
        assert again.status_code == 400 and "已整改完毕" in again.json()["error"]["message"]

        trends = client.get("/v1/admin/ratings/trends", headers=admin).json()["rows"]
        assert (
            len(trends) == settings.ratings.trend_days * 5 and trends[-5]["day"] == date.today().isoformat()
        )
        assert [(row["level"], row["count"]) for row in trends[-5:]] == [
            ("非常满意", 1),
            ("满意", 0),
            ("基本满意", 0),
            ("不满意", 0),
            ("非常不满意", 1),
        ]
        assert sum(row["count"] for row in trends) == 2  # every day and level, the quiet ones as zeros
        exported = client.get("/v1/admin/ratings/export.csv", headers=admin)
        rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert [(row["评价等级"], row["评价等级代码"], row["整改状态"]) for row in rows] == [
            ("非常满意", "5", ""),
            ("非常不满意", "1", "已整改"),
        ]
        assert rows[1]["责任人"] == "市公安局人口管理处" and "13812345678" not in exported.text
        database = app.state.services.database
    actions = [event["action"] for event in AuditLog(database).export()]
    assert (
        actions.count("rating") == 2
        and actions.count("follow_up.update") == 2
        and "ratings.export" in actions
    )
    app.state.services.close()


def test_bad_ratings_get_a_clear_chinese_error_and_store_nothing(settings):
    app, admin = _rated_app(settings)
    session_id = ConversationStore(app.state.services.database).ensure(None)
    with TestClient(app) as client:
        rated = {"answer_id": "a1", "session_id": session_id}
        cases = [
            ({**rated, "level": "一般"}, 422, "level"),
            ({**rated, "level": "满意", "tags": ["很好"]}, 400, "未知的评价标签：很好"),
            ({"answer_id": "a1", "session_id": "nobody", "level": "满意"}, 404, "会话不存在"),
            ({**rated, "level": "不满意", "channel": "agent"}, 403, "需要坐席账号"),
        ]
        for body, status, message in cases:
            response = client.post("/v1/ratings", json=body)
            assert response.status_code == status and message in response.json()["error"]["message"]
        assert (
            client.get("/v1/admin/ratings/export.csv", headers=admin).text.lstrip("\ufeff").count("\n") == 1
        )  # the header
    app.state.services.close()


def test_overdue_items_are_those_open_past_their_working_day_deadline(settings, database):
    store = RatingStore(database, settings.ratings)
    conversations = ConversationStore(database)
    session_id = conversations.ensure(None)
    for _ in range(3):
        conversations.append(
            session_id,
            Turn("火星移民签证怎么申请？", "火星移民签证怎么申请？", "未找到依据", "no_evidence"),
            [],
        )
    store.record(RatingInput("x", session_id, "不满意"), today=date(2026, 11, 2))
    store.record(RatingInput("y", session_id, "非常不满意"), today=date(2026, 11, 30))
    store.update_follow_up(
        store.record(RatingInput("z", session_id, "不满意"), today=date(2026, 11, 2)).follow_up_id or 0,
        "管理员",
        resolution="已补充",
    )
    items = store.follow_ups(today=date(2026, 12, 2))
    assert [(item["rating"]["answer_id"], item["overdue"]) for item in items] == [
        ("x", True),
        ("y", False),
        ("z", False),
    ]
    assert items[0]["due_on"] == "2026-11-23" and items[0]["overdue_days"] == 9
    assert [item["rating"]["answer_id"] for item in store.follow_ups("open", today=date(2026, 12, 2))] == [
        "x",
        "y",
    ]
    with pytest.raises(NotFound):
        store.update_follow_up(999, "管理员", owner="某人")
    with pytest.raises(BadInput, match="评价等级应为"):
        store.record(RatingInput("x", session_id, "还行"))
    with pytest.raises(BadInput, match="回答都已评价过了"):  # three answers, three ratings: no made-up fourth
        store.record(RatingInput("w", session_id, "不满意"))
    assert len(store.follow_ups()) == 3


def test_the_database_has_every_table_without_importing_a_route(tmp_path):
    """wiring → a route → api.deps → wiring was a cycle (issue 14): the tables live where
    build_database imports them, and building the database loads no route."""
    script = (
        "import sys; from pathlib import Path; from sqlalchemy import inspect\n"
        "from assistant.config import Settings; from assistant.wiring import build_database\n"
        f"database = build_database(Settings(_env_file=None, data_dir=Path({str(tmp_path)!r})))\n"
        "print(sorted(inspect(database.engine).get_table_names()))\n"
        "print(sorted(name for name in sys.modules if name.startswith('assistant.api.routes')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=PROJECT
    )
    tables, routes = result.stdout.splitlines()
    assert {"ratings", "rating_follow_ups", "conversation_turns", "api_keys", "audit_events"} <= set(
        ast.literal_eval(tables)
    )
    assert routes == "[]"
