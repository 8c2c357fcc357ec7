"""The call summary over HTTP (an OpenAI-compatible stub as the model, speaking the real protocol),
and with the real packaged local model where llama-cpp-python is installed."""

from __future__ import annotations

import importlib.util

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings
from assistant.hotline.assist import PLAIN_REQUESTS
from assistant.hotline.call_summary import check_summary, summarise_call
from assistant.wiring import Services
from tests.stub_openai import stub_server

pytestmark = pytest.mark.integration

TRANSCRIPT = (
    "您好，我是李明，北岸区阳光花园门口的路灯全都不亮了，已经三天了，晚上走路很危险，"
    "老人摔了一跤。希望尽快派人修好路灯。我的电话是13912345678。"
)


def test_the_summary_route_checks_the_model_and_needs_an_agent(tmp_path):
    reply = [
        "来电人反映北岸区阳光花园门口路灯全都不亮已经三天，",
        "已造成两人骨折，",
        "诉求尽快派人修好路灯。",
    ]
    with stub_server(lambda body: (200, reply)) as (url, _):
        settings = Settings(
            _env_file=None, data_dir=tmp_path, llm={"backend": "openai", "base_url": url, "model": "stub"}
        )
        app = create_app(settings)
        key = create_api_key(app.state.services.database, "agent", "坐席王")
        with TestClient(app) as client:
            assert client.post("/v1/hotline/summary", json={"transcript": TRANSCRIPT}).status_code == 401
            summary = client.post(
                "/v1/hotline/summary",
                json={"transcript": TRANSCRIPT},
                headers={"Authorization": f"Bearer {key}"},
            )
            empty = client.post(
                "/v1/hotline/summary", json={"transcript": ""}, headers={"Authorization": f"Bearer {key}"}
            )
    assert summary.status_code == 200
    body = summary.json()
    assert body["mode"] == "generated" and body["text"].startswith("来电人反映") and "诉求" in body["text"]
    assert body["dropped"] == ["已造成两人骨折，"] and "骨折" not in body["text"]
    assert empty.status_code == 422 and "error" in empty.json()


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python is not installed")
def test_the_local_model_writes_a_summary_the_transcript_supports(tmp_path):
    services = Services(Settings(_env_file=None, data_dir=tmp_path, llm={"backend": "local"}))
    draft = {"request_type": "投诉求助", "request": "希望尽快派人修好路灯"}
    summary = summarise_call(TRANSCRIPT, draft, services.chat_model, min_support=0.6)
    services.close()
    assert summary.text and "13912345678" not in summary.text
    if summary.mode == "generated":  # every clause it kept is in the call, but the form's plain request
        kept, dropped = check_summary(summary.text, TRANSCRIPT, 0.6)
        assert dropped in ([], [PLAIN_REQUESTS["投诉求助"] + "。"])
        assert summary.text.startswith("来电人反映") and "诉求" in summary.text
    else:
        assert "希望尽快派人修好路灯" in summary.text
