"""The OpenAI-compatible API: ``POST /v1/chat/completions`` (JSON, or Server-Sent Events in OpenAI's
chunk format ending with ``data: [DONE]``) and ``GET /v1/models``, so the ``openai`` client and chat
front ends that speak the protocol use the assistant by changing their base URL.

It renders the events of ``chat.answer_events``, the path ``/v1/chat`` takes: the same answers,
refusals, hand-offs, audit rows, roles (``Authorization: Bearer`` key) and rate limits. The question
is the last user message; earlier turns come from the server's conversation when the caller passes
the ``session_id`` it was given (an extra request field), not from the messages sent. Citations
are numbered footnotes in the content and, structured, the extra ``govassist`` field of the
completion (or of the last chunk). Content is sent once checked against the sources: a client of
this protocol cannot take text back, so a sentence the check removes must never reach it; the role
chunk goes out at once, the checked text follows paragraph by paragraph.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.answering.answer import Answer
from assistant.api.deps import AuditDep, PublicDep, ServicesDep
from assistant.api.routes.chat import ChatReply, answer_events, error_body, final_answer, reply
from assistant.errors import AssistantError

router = APIRouter(prefix="/v1", tags=["openai"])
MODEL_ID = "gov-assistant"


class TextPart(BaseModel):
    type: Literal["text"]
    text: str = Field(..., max_length=2000)


class Message(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[TextPart] | None = Field(None, description="文本，或 OpenAI 的文本片段列表")

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class CompletionRequest(BaseModel):
    model: str = Field(MODEL_ID, max_length=100, description=f"模型名，见 GET /v1/models（{MODEL_ID}）")
    messages: list[Message] = Field(..., min_length=1, max_length=100)
    stream: bool = False
    session_id: str | None = Field(
        None, max_length=64, description="扩展字段：多轮对话的会话 ID（上一回答 govassist.session_id）"
    )
    # Accepted as OpenAI clients send them; the answer is made the same way whatever they say.
    temperature: float | None = None
    max_tokens: int | None = None
    user: str | None = Field(None, max_length=200)


def _question(body: CompletionRequest) -> str:
    if body.model != MODEL_ID:
        raise HTTPException(status_code=404, detail=f"模型 {body.model} 不存在，可用的模型：{MODEL_ID}")
    questions = [message.text().strip() for message in body.messages if message.role == "user"]
    if not questions or not questions[-1]:
        raise HTTPException(status_code=400, detail="messages 中没有用户问题（role 为 user 的消息）")
    return questions[-1]


def content(answer: Answer) -> str:
    """The answer text, the AI-generated label when a model wrote it, and the citations as numbered footnotes."""
    # An official FAQ answer is quoted whole, without markers: its source is marked at its end.
    unmarked = "".join(f"[{c.number}]" for c in answer.citations if f"[{c.number}]" not in answer.text)
    parts = [answer.text + unmarked]
    extra = answer.to_dict()
    if extra["ai_notice"]:
        parts.append(f"（{extra['ai_notice']}）")
    if answer.citations:
        notes = []
        for citation in answer.citations:
            details = "，".join(
                value
                for value in (citation.document_number, citation.department, citation.publish_date or "")
                if value
            )
            notes.append(
                f"[{citation.number}] {citation.title}"
                + (f"（{details}）" if details else "")
                + (f" {citation.url}" if citation.url else "")
            )
        parts.append("参考来源：\n" + "\n".join(notes))
    return "\n\n".join(parts)


def _chunk(
    completion_id: str, created: int, delta: dict[str, str], finish: str | None = None, **extra: Any
) -> str:
    body = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class CompletionMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class CompletionChoice(BaseModel):
    index: int
    message: CompletionMessage
    finish_reason: Literal["stop"]


class Completion(BaseModel):
    """OpenAI's chat completion, plus ``govassist``: what ``/v1/chat`` returns for the same answer."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[CompletionChoice]
    govassist: ChatReply = Field(..., description="状态、引用来源、转办建议、会话与回答 ID、AI 生成标识")


MODEL = ModelCard(id=MODEL_ID, created=0, owned_by="gov-assistant")


@router.get("/models", response_model=ModelList)
def models() -> ModelList:
    return ModelList(data=[MODEL])


@router.get("/models/{model_id}", response_model=ModelCard)
def model(model_id: str) -> ModelCard:
    if model_id != MODEL_ID:
        raise HTTPException(status_code=404, detail=f"模型 {model_id} 不存在，可用的模型：{MODEL_ID}")
    return MODEL


@router.post(
    "/chat/completions", response_model=Completion, responses={200: {"content": {"text/event-stream": {}}}}
)
def chat_completions(
    body: CompletionRequest, request: Request, services: ServicesDep, principal: PublicDep, audit: AuditDep
) -> Any:
    """An OpenAI chat completion of the last user message; ``govassist`` holds what ``/v1/chat`` returns
    (status, citations, hand-off, session_id, answer_id for a rating, the AI-generated label)."""
    question = _question(body)
    answer_id = uuid.uuid4().hex
    completion_id, created = f"chatcmpl-{answer_id}", int(time.time())
    events = answer_events(request, services, principal, audit, question, body.session_id)
    if not body.stream:
        answer = final_answer(events)
        return {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": MODEL_ID,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content(answer)},
                    "finish_reason": "stop",
                }
            ],
            "govassist": reply(answer, answer_id),
        }

    def stream() -> Iterator[str]:
        yield _chunk(completion_id, created, {"role": "assistant", "content": ""})
        shown, answer = "", None
        try:
            for event in events:  # checked sentences as they complete, then the answer
                if event.kind == "delta":
                    shown += event.text
                    yield _chunk(completion_id, created, {"content": event.text})
                answer = event.answer or answer
        except AssistantError as exc:
            yield f"data: {json.dumps(error_body(exc, request), ensure_ascii=False)}\n\n"
            return
        assert answer is not None, "the answer chain ends with a final event"
        whole = content(answer)
        # The rest of the content: what the deltas did not show (the whole of it after a withheld answer).
        rest = whole[len(shown) :] if whole.startswith(shown) else "\n\n" + whole
        if rest:
            yield _chunk(completion_id, created, {"content": rest})
        yield _chunk(completion_id, created, {}, "stop", govassist=reply(answer, answer_id))
        yield "data: [DONE]\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
