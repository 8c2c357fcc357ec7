"""``POST /v1/chat`` (JSON, or Server-Sent Events when streaming) and ``GET /v1/suggestions``: what
the citizen page calls. ``answer_events`` is the one answer path: this route and the
OpenAI-compatible one (``openai_compat``) render its events, each in its own format."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.answering.answer import Answer, AnswerEvent, AnswerMode, AnswerStatus, Citation
from assistant.api.deps import AuditDep, PublicDep, ServicesDep, audit_event
from assistant.api.security import Principal
from assistant.audit import AuditLog
from assistant.errors import AssistantError
from assistant.wiring import Services

router = APIRouter(prefix="/v1", tags=["chat"])
SUGGESTED_QUESTIONS = [
    "办理居住证需要哪些材料？",
    "租房提取住房公积金需要什么条件？",
    "灵活就业人员怎么参加社保？",
    "高校毕业生有哪些就业创业补贴？",
    "新生儿怎么办理出生登记落户？",
    "个体工商户营业执照怎么办？",
]


class ChatRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=500, description="市民的问题")
    session_id: str | None = Field(None, max_length=64, description="多轮对话的会话 ID")
    stream: bool = Field(False, description="true：以 Server-Sent Events 逐步返回")


class ChatReply(BaseModel):
    """The answer as the pages and API clients get it (also the ``final`` event of a stream)."""

    answer: str
    status: AnswerStatus
    mode: AnswerMode
    generated: bool = Field(..., description="由模型生成（须显示 ai_notice，GB 45438-2025）")
    model: str
    ai_notice: str
    citations: list[Citation]
    session_id: str
    handoff: str = Field(..., description="无法作答时建议转往的部门或热线")
    answer_id: str = Field(..., description="评价（/v1/ratings）时引用的回答 ID")


class Suggestions(BaseModel):
    questions: list[str]


def reply(answer: Answer, answer_id: str) -> dict[str, Any]:
    """The answer as the pages and API clients get it; a generated answer says so (``generated``,
    ``model``, and the ``ai_notice`` to show beside it, GB 45438-2025)."""
    as_dict = answer.to_dict()
    return {
        "answer": answer.text,
        "status": answer.status,
        "mode": answer.mode,
        "generated": answer.generated,
        "model": answer.model,
        "ai_notice": as_dict["ai_notice"],
        "citations": as_dict["citations"],
        "session_id": answer.session_id,
        "handoff": answer.handoff,
        "answer_id": answer_id,
    }


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_events(
    request: Request,
    services: Services,
    principal: Principal,
    audit: AuditLog,
    question: str,
    session_id: str | None,
) -> Iterator[AnswerEvent]:
    """The answer chain's events for one question; the final answer is audited before it is yielded."""
    for event in services.answer_chain.stream(question, session_id, access=principal.access):
        if event.answer is not None:
            answer = event.answer
            sources = [citation.doc_id for citation in answer.citations]
            made = (
                f"{answer.mode}，{answer.model}" if answer.generated else answer.mode
            )  # the audit export marks generated text
            audit.record(
                audit_event(request, principal, "chat", f"{question} → {answer.status}（{made}）", sources)
            )
        yield event


def final_answer(events: Iterator[AnswerEvent]) -> Answer:
    answer = None
    for event in events:
        answer = event.answer or answer
    assert answer is not None, "the answer chain ends with a final event"
    return answer


def error_body(exc: AssistantError, request: Request) -> dict[str, Any]:
    """The JSON error shape, for an error raised once a stream has begun."""
    return {
        "error": {"type": type(exc).__name__, "message": str(exc), "request_id": request.state.request_id}
    }


@router.post("/chat", response_model=ChatReply, responses={200: {"content": {"text/event-stream": {}}}})
def chat(
    body: ChatRequest, request: Request, services: ServicesDep, principal: PublicDep, audit: AuditDep
) -> Any:
    answer_id = uuid.uuid4().hex
    events = answer_events(request, services, principal, audit, body.question, body.session_id)
    if not body.stream:
        return reply(final_answer(events), answer_id)

    def stream() -> Iterator[str]:
        try:
            for event in events:
                if event.kind == "delta":
                    yield _sse("delta", {"text": event.text})
                elif event.answer is not None:
                    yield _sse("final", reply(event.answer, answer_id))
        except AssistantError as exc:
            yield _sse("error", error_body(exc, request))

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get("/suggestions", response_model=Suggestions)
def suggestions() -> dict[str, list[str]]:
    return {"questions": SUGGESTED_QUESTIONS}
