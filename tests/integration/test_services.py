"""The production seam: ``wiring.Services`` builds everything (the copilot, the ticket store, policy
matching) and takes overrides by name, which ``create_app(services=...)`` serves; route responses are
typed, so the OpenAPI schema shows them; the copilot asks the knowledge base once per refresh and
stores no conversation; a deployment for another city changes the ``deployment`` settings only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.access import Access
from assistant.answering.conversations import ConversationRow, TurnRow
from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.hotline.assist import Assistance, DraftField, KnowledgeItem
from assistant.retrieval.search import HybridSearcher, SearchResult
from assistant.wiring import Services
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB
from tests.stub_openai import stub_server

pytestmark = pytest.mark.integration


def _settings(tmp_path, **groups: Any) -> Settings:
    groups.setdefault("llm", {"backend": "extractive"})
    return Settings(_env_file=None, data_dir=tmp_path / "data", api={"docs_enabled": True}, **groups)


def _agent(services: Services) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_key(services.database, 'agent', '坐席甲')}"}


class CountingSearcher:
    """The real searcher, counting the searches made through it."""

    def __init__(self, searcher: HybridSearcher) -> None:
        self.searcher = searcher
        self.queries: list[str] = []

    def search(self, query: str, *options: Any, **named: Any) -> SearchResult:
        self.queries.append(query)
        return self.searcher.search(query, *options, **named)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.searcher, name)


class FixedCopilot:
    """A copilot that always suggests the same thing (what a test of the panel needs)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def assist(self, caller_text: str, access: Access | None = None) -> Assistance:
        self.asked.append(caller_text)
        item = KnowledgeItem(
            "doc-1", "居住证申领办事指南", "guide", "", ["申请材料"], "居民身份证。", 0.9, "公开"
        )
        field = DraftField("request", "诉求", caller_text, "")
        return Assistance(
            [item],
            "请携带居民身份证办理。",
            "answered",
            "faq",
            draft={"request": caller_text},
            draft_fields=[field],
        )


def _rows(services: Services) -> tuple[int, int]:
    with services.database.session() as session:
        conversations = session.scalar(select(func.count()).select_from(ConversationRow)) or 0
        turns = session.scalar(select(func.count()).select_from(TurnRow)) or 0
    return conversations, turns


def test_services_refuse_an_override_of_something_they_do_not_build(tmp_path):
    with pytest.raises(ConfigurationError, match="copliot"):
        Services(_settings(tmp_path), copliot=FixedCopilot())


def test_a_fake_passed_through_the_production_seam_answers_the_route(tmp_path):
    settings = _settings(tmp_path)
    copilot = FixedCopilot()
    services = Services(settings, copilot=copilot)
    with TestClient(create_app(services=services)) as client:
        reply = client.post(
            "/v1/hotline/assist", json={"transcript": "我想办居住证"}, headers=_agent(services)
        )
    assert reply.status_code == 200 and copilot.asked == ["我想办居住证"]
    body = reply.json()
    assert body["knowledge"][0]["title"] == "居住证申领办事指南" and body["reply"] == "请携带居民身份证办理。"
    assert body["draft_fields"] == [
        {"name": "request", "label": "诉求", "value": "我想办居住证", "evidence": ""}
    ]
    with pytest.raises(ConfigurationError):
        create_app(_settings(tmp_path / "other"), services=services)


def test_the_services_assemble_the_stores_once(tmp_path):
    services = Services(_settings(tmp_path))
    assert services.ticket_store is services.ticket_store
    assert services.policy_matching is services.policy_matching
    services.close()


def test_every_json_route_declares_its_response_model(tmp_path):
    with TestClient(create_app(_settings(tmp_path))) as client:
        schema = client.get("/openapi.json").json()
    untyped = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                json_body = response.get("content", {}).get("application/json")
                if status.startswith("2") and json_body is not None and "$ref" not in json_body["schema"]:
                    untyped.append(f"{method.upper()} {path}")
    assert untyped == []


def test_route_responses_are_typed_in_the_openapi_schema(tmp_path):
    with TestClient(create_app(_settings(tmp_path))) as client:
        schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]

    def response_schema(path: str, method: str = "post", status: str = "200") -> str:
        return schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"][
            "$ref"
        ]

    assert response_schema("/v1/hotline/assist").endswith("/Assistance")
    assert response_schema("/v1/hotline/transcribe").endswith("/TranscriptionOut")
    assert response_schema("/v1/hotline/tickets", status="201").endswith("/TicketOut")
    assert response_schema("/v1/chat").endswith("/ChatReply") and response_schema(
        "/v1/admin/inspect"
    ).endswith("/InspectOut")
    assert response_schema("/v1/policy-matching/match").endswith("/MatchesOut")
    assert "text/event-stream" in schema["paths"]["/v1/chat"]["post"]["responses"]["200"]["content"]
    assert {"knowledge", "reply", "citations", "triage", "draft", "draft_fields"} <= set(
        components["Assistance"]["properties"]
    )
    assert components["KnowledgeItem"]["properties"]["score"]["type"] == "number"


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    settings = _settings(tmp_path_factory.mktemp("counted"))
    plain = Services(settings)
    ingest_paths([DEMO_KB], plain.knowledge_base, settings.ingest)
    searcher = CountingSearcher(plain.searcher)
    services = Services(
        settings, searcher=searcher, database=plain.database, index=plain.index, embedder=plain.embedder
    )
    with TestClient(create_app(services=services)) as client:
        yield client, services, searcher, _agent(services)
    services.close()


def test_a_copilot_refresh_searches_once_and_stores_no_conversation(counted):
    client, services, searcher, headers = counted
    before = _rows(services)
    call = "你好，我刚来这边工作，想问一下办理居住证需要提交哪些材料？"
    for heard in (call[:14], call[:24], call):  # the panel refreshes on every final of a live call
        searcher.queries.clear()
        reply = client.post("/v1/hotline/assist", json={"transcript": heard}, headers=headers).json()
        assert len(searcher.queries) == 1, searcher.queries
    assert reply["reply_status"] == "answered" and any("居住证" in k["title"] for k in reply["knowledge"])
    assert _rows(services) == before


def test_a_call_naming_another_city_is_searched_once_too(counted):
    client, _, searcher, headers = counted
    searcher.queries.clear()
    reply = client.post(
        "/v1/hotline/assist", json={"transcript": "我在北京交的社保，怎么转到这边来？"}, headers=headers
    ).json()
    assert len(searcher.queries) == 1 and reply["reply_mode"] == "refusal"


def test_the_staff_inspector_stores_no_conversation_either(counted):
    client, services, searcher, _ = counted
    admin = {"Authorization": f"Bearer {create_api_key(services.database, 'admin', '管理员')}"}
    before = _rows(services)
    searcher.queries.clear()
    reply = client.post(
        "/v1/admin/inspect", json={"question": "办理居住证需要哪些材料？"}, headers=admin
    ).json()
    assert reply["answer"]["status"] == "answered" and reply["hits"] and len(searcher.queries) == 1
    assert _rows(services) == before


def test_a_citizen_chat_still_keeps_its_conversation(counted):
    client, services, _, _ = counted
    before_conversations, before_turns = _rows(services)
    client.post("/v1/chat", json={"question": "办理居住证需要哪些材料？"})
    assert _rows(services) == (before_conversations + 1, before_turns + 1)


def test_another_city_changes_one_setting_for_pages_prompts_and_refusals(tmp_path):
    def model(body: dict[str, Any]) -> tuple[int, list[str]]:
        evidence = body["messages"][1]["content"].split("[1] ", 1)[1].split("\n", 1)[0]
        return 200, [f"{evidence[:30]}[1]。"]

    deployment = {"city": "样例县", "province": "样例省", "hotline": "12340"}
    with stub_server(model) as (url, requests):
        llm = {"backend": "openai", "base_url": url, "model": "stub"}
        settings = _settings(tmp_path, deployment=deployment, llm=llm, answer={"faq_first": False})
        assert settings.answer.service_regions == ["样例县", "样例省"]
        services = Services(settings)
        ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
        with TestClient(create_app(services=services)) as client:
            pages = [client.get(path).text for path in ("/", "/agent", "/enterprise")]
            client.post("/v1/chat", json={"question": "灵活就业人员可以参加职工养老保险吗？"})
            refusal = client.post("/v1/chat", json={"question": "火星基地的通行证怎么申请？"}).json()
    for page in pages:
        assert "样例县" in page and "示例市" not in page and "{{" not in page
    assert 'href="tel:12340"' in pages[0] and 'data-hotline="12340"' in pages[0]
    system = requests[0]["body"]["messages"][0]["content"]
    assert "样例县" in system and "示例市" not in system
    assert (
        refusal["status"] == "no_evidence" and refusal["handoff"] == "12340" and "12340" in refusal["answer"]
    )


def test_service_regions_set_on_their_own_stay_as_set(tmp_path):
    settings = _settings(tmp_path, deployment={"city": "样例县"}, answer={"service_regions": []})
    assert settings.answer.service_regions == []
