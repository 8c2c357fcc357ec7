"""Admin routes for accountability: the audit log (export, verification of its chain) and
exports of citizens' conversations for analysis (masked, or anonymised on request). Every export
is audited before it is served."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from assistant import exports
from assistant.access import readable_documents
from assistant.answering.conversations import ConversationStore
from assistant.api.deps import AdminDep, AuditDep, InstallationAdminDep, ServicesDep, audit_event
from assistant.retention import audit_checkpoint_key

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get(
    "/audit", response_class=StreamingResponse, responses={200: {"content": {"application/x-ndjson": {}}}}
)
def export_audit(
    request: Request,
    principal: InstallationAdminDep,
    audit: AuditDep,
    since: datetime | None = None,
    limit: int = Query(10000, ge=1, le=100000),
) -> StreamingResponse:
    """The audit log as JSON Lines (masked personal data), for the installation's admins only (it
    names every department's documents); the export is audited first."""
    audit.record(
        audit_event(
            request,
            principal,
            "audit.export",
            f"起始 {since.isoformat() if since else '全部'}，至多 {limit} 条",
        )
    )
    lines = (json.dumps(event, ensure_ascii=False) + "\n" for event in audit.export(since, limit))
    return StreamingResponse(lines, media_type="application/x-ndjson")


class AuditVerificationReply(BaseModel):
    ok: bool
    rows: int
    head_seq: int
    head_hash: str
    checkpoint_seq: int
    problem: str
    row_id: int | None
    seq: int | None


@router.get("/audit/verify", response_model=AuditVerificationReply)
def verify_audit(services: ServicesDep, principal: AdminDep, audit: AuditDep) -> dict[str, Any]:
    """Check the audit chain (as ``govassist audit verify``): the first broken or missing row, if any."""
    return asdict(audit.verify(audit_checkpoint_key(services.settings)))


class TurnOut(BaseModel):
    session_id: str = Field(..., description="会话 ID（匿名化导出时为代号）")
    created_at: str
    question: str
    standalone_question: str
    answer: str
    status: str
    mode: str
    model: str
    citations: list[str] = Field(..., description="引用的文档 ID")


class ConversationsOut(BaseModel):
    turns: list[TurnOut]


@router.get("/conversations", response_model=ConversationsOut, responses={200: {"content": {"text/csv": {}}}})
def export_conversations(
    request: Request,
    services: ServicesDep,
    principal: AdminDep,
    audit: AuditDep,
    since: datetime | None = None,
    format: str = Query("json", pattern="^(json|csv)$"),
    anonymise: bool = Query(False, description="匿名化：会话 ID、姓名、号码、地址换成本次导出内稳定的代号"),
) -> Any:
    """Citizens' conversation turns for analysis (stored masked), optionally anonymised; an admin of a
    department gets only the turns citing documents it may read."""
    readable = readable_documents(principal.access, services.knowledge_base.manifest())
    turns = exports.conversations(ConversationStore(services.database), since, anonymise, readable)
    audit.record(
        audit_event(
            request,
            principal,
            "conversations.export",
            f"{format}，{'匿名化' if anonymise else '脱敏'}，{len(turns)} 条",
        )
    )
    if format == "csv":
        return Response(
            exports.to_csv(turns, exports.CONVERSATION_COLUMNS),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="conversations.csv"'},
        )
    return {"turns": turns}
