"""Chat models behind one seam: a local GGUF model (llama-cpp-python) or any OpenAI-compatible
server (vLLM, Ollama, Xinference, DeepSeek, DashScope ...), both streaming.

Both take our own ``ChatMessage`` list and yield text; library errors become
``BackendUnavailable`` at this edge. Models load lazily, once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from assistant.errors import BackendUnavailable, ConfigurationError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


class ChatModel(Protocol):
    name: str

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float) -> Iterator[str]:
        """Yield the reply text piece by piece."""
        ...


def complete(
    model: ChatModel, messages: Sequence[ChatMessage], max_tokens: int = 256, temperature: float = 0.1
) -> str:
    return "".join(model.stream(messages, max_tokens, temperature))


class LlamaCppChatModel:
    """A GGUF model run in-process by llama-cpp-python: loaded once, under a lock, and used by one
    thread at a time (a llama.cpp context is not thread-safe). A second question waits for the
    first one's generation to end or to be closed (a client that goes away closes its stream)."""

    def __init__(self, model_path: Path, context_tokens: int = 4096, threads: int = 2) -> None:
        self.name = f"llama-cpp:{model_path.name}"
        self._model_path = model_path
        self._context_tokens = context_tokens
        self._threads = threads
        self._model: Any = None
        self._in_use = threading.Lock()  # held while loading and for a whole generation

    def _loaded(self) -> Any:
        if self._model is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise BackendUnavailable(
                    "本地大模型需要 llama-cpp-python（pip install 'gov-assistant[llm]'），"
                    "或设置 GOVASSIST_LLM__BACKEND=extractive / openai。"
                ) from exc
            try:
                self._model = Llama(
                    str(self._model_path), n_ctx=self._context_tokens, n_threads=self._threads, verbose=False
                )
            except ValueError as exc:
                raise ConfigurationError(
                    f"无法加载模型 {self._model_path}：{exc}（GOVASSIST_LLM__MODEL_PATH）"
                ) from exc
        return self._model

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float) -> Iterator[str]:
        with self._in_use:
            chunks = self._loaded().create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
            )
            for chunk in chunks:
                delta = chunk["choices"][0]["delta"].get("content")
                if delta:
                    yield delta


class OpenAICompatibleChatModel:
    """Any server speaking the OpenAI chat-completions protocol, with streaming (SSE)."""

    def __init__(
        self, base_url: str, model: str, api_key: str = "", timeout_s: float = 60.0, max_retries: int = 2
    ) -> None:
        if not base_url or not model:
            raise ConfigurationError("OpenAI 兼容服务需要 GOVASSIST_LLM__BASE_URL 和 GOVASSIST_LLM__MODEL。")
        self.name = f"openai:{model}"
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0))
        self._max_retries = max_retries

    def stream(self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float) -> Iterator[str]:
        body = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        for attempt in range(self._max_retries + 1):
            started = False
            try:
                for delta in self._stream_once(body):
                    started = True
                    yield delta
                return
            except (httpx.TransportError, _RetryableStatus) as exc:
                if started or attempt == self._max_retries:
                    raise BackendUnavailable(
                        f"大模型服务 {self._url} 不可用：{exc}（GOVASSIST_LLM__BASE_URL）"
                    ) from exc
                logger.warning("LLM request failed (%s), retrying", exc)
                time.sleep(0.5 * (attempt + 1))

    def _stream_once(self, body: dict[str, Any]) -> Iterator[str]:
        with (
            httpx.Client(timeout=self._timeout) as client,
            client.stream("POST", self._url, json=body, headers=self._headers) as response,
        ):
            if response.status_code >= 500 or response.status_code == 429:
                raise _RetryableStatus(f"HTTP {response.status_code}")
            if response.status_code >= 400:
                response.read()
                raise BackendUnavailable(
                    f"大模型服务拒绝请求：HTTP {response.status_code} {response.text[:200]}"
                )
            for line in response.iter_lines():
                delta = _parse_sse_line(line)
                if delta is None:
                    return
                if delta:
                    yield delta


class _RetryableStatus(Exception):
    pass


def _parse_sse_line(line: str) -> str | None:
    """The content delta of one SSE line; '' for lines without content; None at [DONE]."""
    if not line.startswith("data:"):
        return ""
    data = line[5:].strip()
    if data == "[DONE]":
        return None
    try:
        choices = json.loads(data).get("choices") or [{}]
    except json.JSONDecodeError:
        return ""
    return (choices[0].get("delta") or {}).get("content") or ""
