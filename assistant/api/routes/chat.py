"""``POST /v1/chat`` (JSON, or Server-Sent Events when streaming), ``POST /v1/feedback`` and
``GET /v1/suggestions``: what the citizen page calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.answering.answer import Answer, AnswerMode, AnswerStatus, Citation
from assistant.api.deps import AuditDep, PublicDep, ServicesDep, audit_event
from assistant.database import Base
from assistant.errors import AssistantError
from assistant.privacy import mask_personal_data

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


class FeedbackRequest(BaseModel):
    answer_id: str = Field(..., min_length=1, max_length=64)
    session_id: str = Field(..., min_length=1, max_length=64)
    helpful: bool
    reason: str | None = Field(None, max_length=500)


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")  # masked
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


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
    answer_id: str = Field(..., description="反馈（/v1/feedback）时引用的回答 ID")


class FeedbackReceipt(BaseModel):
    status: Literal["recorded"]


class Suggestions(BaseModel):
    questions: list[str]


def _reply(answer: Answer, answer_id: str) -> dict[str, Any]:
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


@router.post("/chat", response_model=ChatReply, responses={200: {"content": {"text/event-stream": {}}}})
def chat(body: ChatRequest, request: Request, services: ServicesDep, principal: PublicDep, audit: AuditDep) -> Any:
    chain = services.answer_chain
    answer_id = uuid.uuid4().hex

    def record(answer: Answer) -> None:
        sources = [citation.doc_id for citation in answer.citations]
        made = f"{answer.mode}，{answer.model}" if answer.generated else answer.mode  # the audit export marks generated text
        audit.record(audit_event(request, principal, "chat", f"{body.question} → {answer.status}（{made}）", sources))

    if not body.stream:
        answer = chain.answer(body.question, body.session_id, access=principal.access)
        record(answer)
        return _reply(answer, answer_id)

    def events() -> Iterator[str]:
        try:
            for event in chain.stream(body.question, body.session_id, access=principal.access):
                if event.kind == "delta":
                    yield _sse("delta", {"text": event.text})
                elif event.answer is not None:
                    record(event.answer)
                    yield _sse("final", _reply(event.answer, answer_id))
        except AssistantError as exc:
            error = {"type": type(exc).__name__, "message": str(exc), "request_id": request.state.request_id}
            yield _sse("error", {"error": error})

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.post("/feedback", status_code=201, response_model=FeedbackReceipt)
def feedback(body: FeedbackRequest, request: Request, services: ServicesDep, principal: PublicDep, audit: AuditDep) -> dict[str, str]:
    reason = mask_personal_data(body.reason or "")  # a citizen's free text: stored masked, like every other
    with services.database.session() as session:
        session.add(FeedbackRow(answer_id=body.answer_id, session_id=body.session_id, helpful=body.helpful, reason=reason))
    verdict = "有帮助" if body.helpful else f"没帮助：{reason}"
    audit.record(audit_event(request, principal, "feedback", f"{body.answer_id} {verdict}"))
    return {"status": "recorded"}


@router.get("/suggestions", response_model=Suggestions)
def suggestions() -> dict[str, list[str]]:
    return {"questions": SUGGESTED_QUESTIONS}
