"""The OpenAI-compatible API driven by the official ``openai`` client over a real socket: models,
a cited answer and a refusal, streamed and not, the key and rate limits of /v1/chat, and a
generated answer whose unchecked sentence never reaches the client."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import openai
import pytest

from assistant.api.security import create_api_key
from assistant.audit import AuditLog
from assistant.config import Settings
from assistant.wiring import Services
from ingest.pipeline import ingest_paths
from tests.browser.harness import serving
from tests.conftest import DEMO_KB
from tests.stub_openai import stub_server

pytestmark = pytest.mark.integration
CITED = "申领居住证需要提交哪些材料？"
REFUSED = "火星移民签证怎么申请？"
INVENTED = "此外，每位申请人每月还可以领取五千元的住房租金补贴。"


def _settings(data_dir: Path, **overrides) -> tuple[Settings, str]:  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, data_dir=data_dir, api={"public_rate_per_minute": 3}, **overrides)
    services = Services(settings)
    ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
    key = create_api_key(services.database, role="agent", name="接口测试")
    services.close()
    return settings, key


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # type: ignore[no-untyped-def]
    with serving(
        *_settings(tmp_path_factory.mktemp("openai") / "data", llm={"backend": "extractive"})
    ) as live:
        yield live


@pytest.fixture
def client(server) -> openai.OpenAI:  # type: ignore[no-untyped-def]
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=server.agent_key, max_retries=0)


def _complete(client: openai.OpenAI, question: str, stream: bool) -> tuple[str, dict]:
    """The content and the ``govassist`` extra field, streamed or not."""
    messages = [{"role": "system", "content": "你是政务助手"}, {"role": "user", "content": question}]
    if not stream:
        completion = client.chat.completions.create(model="gov-assistant", messages=messages)  # type: ignore[arg-type]
        assert completion.choices[0].finish_reason == "stop" and completion.object == "chat.completion"
        return completion.choices[0].message.content or "", (completion.model_extra or {})["govassist"]
    chunks = list(client.chat.completions.create(model="gov-assistant", messages=messages, stream=True))  # type: ignore[arg-type]
    assert chunks[0].choices[0].delta.role == "assistant" and chunks[-1].choices[0].finish_reason == "stop"
    assert len({chunk.id for chunk in chunks}) == 1 and all(
        chunk.object == "chat.completion.chunk" for chunk in chunks
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks), (chunks[-1].model_extra or {})[
        "govassist"
    ]


def test_models_lists_the_assistant(client):
    assert [model.id for model in client.models.list()] == ["gov-assistant"]
    assert client.models.retrieve("gov-assistant").owned_by == "gov-assistant"
    with pytest.raises(openai.NotFoundError, match="模型 gpt-4o 不存在"):
        client.models.retrieve("gpt-4o")


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_cited_answer_has_numbered_footnotes_and_structured_citations(client, server, stream):
    content, extra = _complete(client, CITED, stream)
    assert extra["status"] == "answered" and extra["citations"] and extra["answer_id"]
    body, notes = content.split("参考来源：\n")
    assert body.startswith(extra["answer"]) and "[1]" in body
    for citation, note in zip(extra["citations"], notes.splitlines(), strict=True):
        assert note.startswith(f"[{citation['number']}] {citation['title']}")
    assert "居住证" in body


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_refusal_hands_off_as_on_v1_chat(client, server, stream):
    content, extra = _complete(client, REFUSED, stream)
    direct = httpx.post(
        f"{server.url}/v1/chat",
        json={"question": REFUSED},
        headers={"Authorization": f"Bearer {server.agent_key}"},
    ).json()
    assert extra["status"] == direct["status"] == "no_evidence" and not extra["citations"]
    assert content == direct["answer"] and "12345" in content and extra["handoff"] == direct["handoff"]


def test_the_session_carries_a_follow_up_question(client):
    first = client.chat.completions.create(
        model="gov-assistant", messages=[{"role": "user", "content": CITED}]
    )
    session_id = (first.model_extra or {})["govassist"]["session_id"]
    follow = client.chat.completions.create(
        model="gov-assistant",
        messages=[{"role": "user", "content": "收费吗？"}],
        extra_body={"session_id": session_id},
    )
    extra = follow.model_extra or {}
    assert extra["govassist"]["session_id"] == session_id and extra["govassist"]["status"] == "answered"


def test_keys_roles_rate_limits_and_audit_are_those_of_v1_chat(server):
    wrong = openai.OpenAI(base_url=f"{server.url}/v1", api_key="gva_not-a-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="API 密钥无效"):
        wrong.chat.completions.create(model="gov-assistant", messages=[{"role": "user", "content": CITED}])
    with pytest.raises(openai.NotFoundError, match="模型 gpt-4o 不存在"):
        openai.OpenAI(
            base_url=f"{server.url}/v1", api_key=server.agent_key, max_retries=0
        ).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": CITED}])
    public = [
        httpx.post(
            f"{server.url}/v1/chat/completions",
            json={"model": "gov-assistant", "messages": [{"role": "user", "content": CITED}]},
        ).status_code
        for _ in range(4)
    ]
    assert public[:3] == [200, 200, 200] and public[3] == 429  # the public limit is 3 a minute here
    empty = httpx.post(
        f"{server.url}/v1/chat/completions",
        json={"model": "gov-assistant", "messages": [{"role": "assistant", "content": "您好"}]},
        headers={"Authorization": f"Bearer {server.agent_key}"},
    )
    assert empty.status_code == 400 and "没有用户问题" in empty.json()["error"]["message"]
    events = AuditLog(server.app.state.services.database).export()
    assert any(
        e["action"] == "chat" and e["actor"] == "接口测试" and CITED in str(e["detail"]) for e in events
    )


def _grounded_then_invented(body):  # type: ignore[no-untyped-def]
    evidence = re.search(r"\[1\] ([^\n]+?。)", body["messages"][-1]["content"])
    return 200, [(evidence.group(1) if evidence else "") + "[1]", INVENTED + "[1]"]


def test_a_generated_answer_is_labelled_and_only_its_checked_text_is_sent(tmp_path):
    with stub_server(_grounded_then_invented) as (base_url, requests):
        llm = {"backend": "openai", "base_url": base_url, "model": "stub", "max_retries": 0}
        with serving(*_settings(tmp_path / "data", llm=llm, answer={"faq_first": False})) as live:
            client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.agent_key, max_retries=0)
            content, extra = _complete(client, "高校毕业生有哪些就业创业补贴？", stream=True)
    assert requests, "the model was asked"
    assert extra["generated"] and extra["model"] == "openai:stub" and extra["citations"]
    assert "五千元" not in content and "（内容由人工智能生成，仅供参考，以官方发布为准）" in content
