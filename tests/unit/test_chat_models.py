"""The chat-model backends: the OpenAI-compatible one against a local stub server speaking the real protocol, and the local llama-cpp wrapper's one-thread-at-a-time rule."""

import socket
import threading
import time

import pytest

from assistant.answering.chat_models import (
    ChatMessage,
    LlamaCppChatModel,
    OpenAICompatibleChatModel,
    complete,
)
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


class _OneThreadEngine:
    """Stands in for a loaded ``llama_cpp.Llama`` (a real 1.5B model is the integration test's):
    records how many generations run at once, as a llama.cpp context must never see two."""

    def __init__(self) -> None:
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def create_chat_completion(self, **_options):  # type: ignore[no-untyped-def]
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            for piece in ("需", "提交", "身份证"):
                time.sleep(0.02)
                yield {"choices": [{"delta": {"content": piece}}]}
        finally:
            with self._lock:
                self.running -= 1


def test_one_local_model_generates_for_one_thread_at_a_time(tmp_path):
    model = LlamaCppChatModel(tmp_path / "model.gguf")
    engine = _OneThreadEngine()
    model._model = engine  # as if loaded: the lock under test is the wrapper's
    answers: list[str] = []
    threads = [threading.Thread(target=lambda: answers.append(complete(model, MESSAGES))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["需提交身份证"] * 4 and engine.most_at_once == 1


def test_a_closed_local_stream_frees_the_model_for_the_next_question(tmp_path):
    model = LlamaCppChatModel(tmp_path / "model.gguf")
    model._model = _OneThreadEngine()
    first = model.stream(MESSAGES, 64, 0.1)
    assert next(first) == "需"
    first.close()  # the citizen closed the page mid-answer
    assert complete(model, MESSAGES) == "需提交身份证"
