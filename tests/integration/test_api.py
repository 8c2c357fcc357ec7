"""The HTTP service on a freshly ingested demo knowledge base: every route, role and error."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB

pytestmark = pytest.mark.integration


def _settings(tmp_path, **api) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", llm={"backend": "extractive"}, api=api)


@pytest.fixture(scope="module")
def app_env(tmp_path_factory):
    settings = _settings(tmp_path_factory.mktemp("api"), public_rate_per_minute=1000, max_upload_mb=0.05)
    app = create_app(settings)
    services = app.state.services
    ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
    keys = {
        "agent": create_api_key(services.database, "agent", "坐席一"),
        "admin": create_api_key(services.database, "admin", "管理员"),
    }
    with TestClient(app) as client:
        yield client, keys


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _error(response) -> dict:
    error = response.json()["error"]
    assert set(error) == {"type", "message", "request_id"} and error["message"]
    return error


def test_health_readiness_and_metrics(app_env):
    client, _ = app_env
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] > 100
    metrics = client.get("/metrics").text
    assert "govassist_http_requests_total" in metrics and 'route="/healthz"' in metrics


def test_search_returns_sources_with_scores(app_env):
    client, _ = app_env
    response = client.post("/v1/search", json={"query": "办理居住证需要哪些材料？", "top_k": 3})
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert len(hits) == 3 and any("居住证" in hit["title"] + hit["question"] for hit in hits)
    assert {"sparse", "bigram", "dense", "fused"} <= set(hits[0]["scores"])


@pytest.mark.parametrize("query", ["   ", "？？？！", "\u200b\u200d\ufeff", "…… 。，"])
def test_a_question_with_nothing_to_search_is_refused_the_same_way_everywhere(app_env, query):
    client, keys = app_env
    search = client.post("/v1/search", json={"query": query})
    chat = client.post("/v1/chat", json={"question": query})
    agent = client.post("/v1/hotline/assist", json={"transcript": query}, headers=_auth(keys["agent"]))
    assert (search.status_code, chat.status_code) == (400, 400)
    assert _error(search)["message"] == _error(chat)["message"] == "问题不能为空"
    assert (
        agent.status_code == 200 and agent.json()["knowledge"] == []
    )  # the copilot suggests nothing rather than anything


def test_invisible_and_full_width_characters_do_not_change_the_hits(app_env):
    client, _ = app_env
    plain = client.post("/v1/search", json={"query": "灵活就业人员怎么参加社保？", "top_k": 3}).json()
    disguised = client.post(
        "/v1/search", json={"query": "灵\u200b活就\u200d业人员怎么参加社保\ufeff？", "top_k": 3}
    ).json()
    assert [h["doc_id"] for h in disguised["hits"]] == [h["doc_id"] for h in plain["hits"]]
    assert disguised["query"] == plain["query"]
    wide = client.post("/v1/search", json={"query": "２０２５年　高校毕业生补贴", "top_k": 3}).json()
    assert wide["query"] == "2025年 高校毕业生补贴"


def test_chat_answers_with_citations_and_keeps_the_session(app_env):
    client, _ = app_env
    first = client.post("/v1/chat", json={"question": "申领居住证需要提交哪些材料？"}).json()
    assert first["status"] == "answered" and first["citations"] and first["answer_id"]
    assert first["citations"][0]["title"] and first["citations"][0]["quote"]
    again = client.post("/v1/chat", json={"question": "收费吗？", "session_id": first["session_id"]}).json()
    assert again["session_id"] == first["session_id"]


def test_chat_streams_server_sent_events_ending_with_the_cited_answer(app_env):
    client, _ = app_env
    with client.stream(
        "POST", "/v1/chat", json={"question": "灵活就业人员怎么参加社保？", "stream": True}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = [block for block in body.split("\n\n") if block.strip()]
    assert events[-1].startswith("event: final")
    final = json.loads(events[-1].split("data: ", 1)[1])
    assert final["status"] == "answered" and final["citations"]


def test_no_evidence_answer_hands_off(app_env):
    client, _ = app_env
    reply = client.post("/v1/chat", json={"question": "火星移民签证怎么申请"}).json()
    assert reply["status"] == "no_evidence" and "12345" in reply["answer"] and not reply["citations"]


def test_feedback_is_recorded_and_audited(app_env):
    client, keys = app_env
    reply = client.post("/v1/chat", json={"question": "居住证怎么签注？"}).json()
    response = client.post(
        "/v1/feedback",
        json={
            "answer_id": reply["answer_id"],
            "session_id": reply["session_id"],
            "helpful": False,
            "reason": "没说清地址",
        },
    )
    assert response.status_code == 201
    lines = client.get("/v1/admin/audit", headers=_auth(keys["admin"])).text.splitlines()
    actions = [json.loads(line)["action"] for line in lines]
    assert "rating" in actions and "chat" in actions
    [item] = client.get("/v1/admin/follow-ups", headers=_auth(keys["admin"])).json()[
        "items"
    ]  # 没帮助 is 不满意
    assert item["rating"]["level"] == "不满意" and item["rating"]["comment"] == "没说清地址"


def test_suggestions(app_env):
    client, _ = app_env
    assert len(client.get("/v1/suggestions").json()["questions"]) >= 3


def test_roles_are_enforced(app_env):
    client, keys = app_env
    assert _error(client.get("/v1/agent/me")) and client.get("/v1/agent/me").status_code == 401
    assert client.get("/v1/agent/me", headers=_auth("gva_wrong")).status_code == 401
    assert client.get("/v1/agent/me", headers=_auth(keys["agent"])).json() == {
        "role": "agent",
        "name": "坐席一",
        "department": "",
    }
    assert client.get("/v1/agent/me", headers=_auth(keys["admin"])).json()["role"] == "admin"
    assert client.get("/v1/admin/documents", headers=_auth(keys["agent"])).status_code == 403
    assert client.get("/v1/admin/documents").status_code == 401


def test_admin_uploads_lists_and_deletes_documents(app_env, tmp_path):
    client, keys = app_env
    admin = _auth(keys["admin"])
    files = [
        ("files", ("图书馆.txt", "示例市图书馆周一闭馆，周二至周日九点开放。".encode(), "text/plain")),
        ("files", ("空.txt", b"", "text/plain")),
    ]
    report = client.post("/v1/admin/documents", files=files, headers=admin).json()
    statuses = {line["file"]: line for line in report["files"]}
    assert statuses["图书馆.txt"]["status"] == "added" and statuses["空.txt"]["status"] == "failed"
    assert statuses["空.txt"]["reason"] and report["failed"] == 1
    documents = client.get("/v1/admin/documents", headers=admin).json()["documents"]
    library = next(d for d in documents if d["source"] == "图书馆.txt")
    assert (
        client.delete("/v1/admin/documents", params={"doc_id": library["doc_id"]}, headers=admin).status_code
        == 200
    )
    assert (
        client.delete("/v1/admin/documents", params={"doc_id": library["doc_id"]}, headers=admin).status_code
        == 404
    )
    too_big = [("files", ("大.txt", "大".encode() * 30000, "text/plain"))]
    response = client.post("/v1/admin/documents", files=too_big, headers=admin)
    assert response.status_code == 413 and "上限" in _error(response)["message"]


def test_errors_share_one_shape(app_env):
    client, _ = app_env
    response = client.post("/v1/chat", json={"question": ""})
    assert response.status_code == 422 and "question" in _error(response)["message"]
    response = client.post("/v1/chat", json={"question": "问" * 501})
    assert response.status_code == 422
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404 and _error(response)["type"] == "HTTPError"
    response = client.post(
        "/v1/search", content=b"{" + b" " * 70000 + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["X-Request-ID"] == _error(response)["request_id"]


def test_public_clients_are_rate_limited(tmp_path):
    with TestClient(create_app(_settings(tmp_path, public_rate_per_minute=3))) as client:
        codes = [client.post("/v1/search", json={"query": "居住证"}).status_code for _ in range(5)]
        limited = client.post("/v1/search", json={"query": "居住证"})
        key = create_api_key(client.app.state.services.database, "agent", "坐席")
        agent = client.post("/v1/search", json={"query": "居住证"}, headers=_auth(key))
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert limited.status_code == 429 and "频繁" in _error(limited)["message"]
    assert agent.status_code == 200  # key holders are not rate limited


def test_an_index_from_another_embedder_is_a_clear_json_error(tmp_path):
    settings = _settings(tmp_path)
    manifest = settings.data_dir / f"{settings.qdrant.collection}.manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    entry = {"doc_id": "x", "content_hash": "h", "chunk_count": 1, "token_count": 3}
    raw = {"embedder": "sentence-transformers:bge-m3", "dimension": 1024, "documents": {"x": entry}}
    manifest.write_text(json.dumps(raw), encoding="utf-8")
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/search", json={"query": "居住证"})
    assert response.status_code == 409
    error = _error(response)
    assert error["type"] == "IndexMismatch" and "GOVASSIST_EMBEDDING__BACKEND" in error["message"]
