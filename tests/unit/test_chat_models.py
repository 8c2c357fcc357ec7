"""The OpenAI-compatible backend against a local stub server speaking the real protocol."""

import socket

import pytest

from assistant.answering.chat_models import ChatMessage, OpenAICompatibleChatModel, complete
from assistant.errors import BackendUnavailable, ConfigurationError
from tests.stub_openai import stub_server

MESSAGES = [ChatMessage("system", "只依据资料回答。"), ChatMessage("user", "居住证怎么办？")]


def test_streams_deltas_and_sends_the_request_the_protocol_expects():
    with stub_server(lambda body: (200, ["需提交", "身份证", "[1]。"])) as (url, requests):
        model = OpenAICompatibleChatModel(url, "qwen2.5-7b", api_key="secret")
        pieces = list(model.stream(MESSAGES, max_tokens=64, temperature=0.1))
    assert pieces == ["需提交", "身份证", "[1]。"]
    request = requests[0]
    assert request["path"] == "/v1/chat/completions" and request["authorization"] == "Bearer secret"
    assert request["body"]["stream"] is True and request["body"]["model"] == "qwen2.5-7b"
    assert request["body"]["messages"][1] == {"role": "user", "content": "居住证怎么办？"}


def test_retries_a_failing_server_then_succeeds():
    calls = []

    def flaky(body):
        calls.append(body)
        return (503, []) if len(calls) == 1 else (200, ["好的"])

    with stub_server(flaky) as (url, _):
        assert complete(OpenAICompatibleChatModel(url, "m", max_retries=2), MESSAGES) == "好的"
    assert len(calls) == 2


def test_rejected_request_is_a_clear_error():
    with stub_server(lambda body: (401, [])) as (url, _), pytest.raises(BackendUnavailable, match="401"):
        complete(OpenAICompatibleChatModel(url, "m", max_retries=0), MESSAGES)


def test_unreachable_server_names_the_setting():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    model = OpenAICompatibleChatModel(f"http://127.0.0.1:{port}/v1", "m", timeout_s=2, max_retries=1)
    with pytest.raises(BackendUnavailable, match="GOVASSIST_LLM__BASE_URL"):
        complete(model, MESSAGES)


def test_missing_configuration_is_refused():
    with pytest.raises(ConfigurationError, match="GOVASSIST_LLM__BASE_URL"):
        OpenAICompatibleChatModel("", "m")
