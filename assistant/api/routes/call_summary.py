"""The call summary in the standard ticket form (agent role): written by the chat model from the
transcript and checked against it, or the extractive summary (``assistant.hotline.call_summary``)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from assistant.api.deps import AgentDep, ServicesDep
from assistant.hotline.assist import ticket_draft
from assistant.hotline.call_summary import summarise_call

router = APIRouter(prefix="/v1/hotline", tags=["hotline"])


class SummaryRequest(BaseModel):
    transcript: str = Field(..., min_length=1, max_length=20000, description="通话记录（来电人话语）")


class SummaryOut(BaseModel):
    text: str = Field(description="通话摘要：来电人反映……，诉求……。")
    mode: str = Field(description="generated：大模型撰写并经通话原文核对；extractive：摘录来电人原话")
    model: str = Field(description="撰写摘要的模型（摘录时为空，或为未通过核对的模型）")
    dropped: list[str] = Field(description="通话中没有依据、已删去的分句")


@router.post("/summary", response_model=SummaryOut)
def call_summary(body: SummaryRequest, services: ServicesDep, principal: AgentDep) -> SummaryOut:
    draft = ticket_draft(services.call_triage.analyse(body.transcript))
    summary = summarise_call(
        body.transcript,
        draft,
        services.chat_model,
        services.settings.hotline.summary_min_support,
        services.settings.llm.max_tokens,
        deployment=services.settings.deployment,
    )
    return SummaryOut(text=summary.text, mode=summary.mode, model=summary.model, dropped=summary.dropped)
