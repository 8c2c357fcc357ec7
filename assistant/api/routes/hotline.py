"""Hotline copilot routes (agent role): transcribe a recording, stream a live call over a
WebSocket, ask for suggestions on the call so far, confirm and export tickets (工单; masked or
anonymised, audited), and reveal one ticket's caller fields to the agent who confirmed it (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from assistant import exports
from assistant.api.callers import WEBSOCKET_PROTOCOL
from assistant.api.deps import AgentDep, AuditDep, ServicesDep, audit_event
from assistant.api.uploads import form_files, multipart_body, read_upload
from assistant.errors import BadInput
from assistant.hotline.assist import Assistance
from assistant.hotline.tickets import TicketFields
from assistant.speech.streaming import StreamingOptions, StreamingTranscriber
from assistant.speech.types import CALLER, Segment

router = APIRouter(prefix="/v1/hotline", tags=["hotline"])


class SegmentOut(BaseModel):
    start: float = Field(..., description="开始时间（秒）")
    end: float = Field(..., description="结束时间（秒）")
    text: str
    speaker: str | None = Field(None, description="双声道通话的说话人（来电人 / 坐席）；单声道为空")

    @classmethod
    def of(cls, segment: Segment) -> SegmentOut:
        return cls(
            start=round(segment.start, 2),
            end=round(segment.end, 2),
            text=segment.text,
            speaker=segment.speaker,
        )


class TranscriptionOut(BaseModel):
    duration: float = Field(..., description="录音时长（秒）")
    speakers: list[str]
    segments: list[SegmentOut]
    text: str
    assist: Assistance = Field(..., description="坐席助手对来电人话语的建议")


class TicketOut(BaseModel):
    id: int
    corrections: dict[str, list[str]] = Field(..., description="坐席改动的字段：[助手建议, 坐席确认]")


class TicketRowOut(BaseModel):
    """One exported ticket: these, and every ticket field by name (``TICKET_FIELDS``)."""

    model_config = ConfigDict(extra="allow")

    id: int
    created_at: str
    agent: str
    corrections: dict[str, list[str]]
    transcript: str


class TicketsOut(BaseModel):
    tickets: list[TicketRowOut]


class TaxonomyOut(BaseModel):
    categories: list[str]


def _caller_text(segments: list[Segment]) -> str:
    """What the citizen said (all speech for mono recordings)."""
    return "".join(s.text for s in segments if s.speaker in (None, CALLER))


RecordingFiles = Annotated[list[UploadFile], Depends(form_files("file"))]


@router.post("/transcribe", openapi_extra=multipart_body("file"), response_model=TranscriptionOut)
def transcribe(
    request: Request, services: ServicesDep, principal: AgentDep, audit: AuditDep, files: RecordingFiles
) -> TranscriptionOut:
    """A recorded call → transcript (two speakers for stereo calls) and the copilot's suggestions.
    The recording (``files`` after ``principal``) is read only once the caller is known to be an agent."""
    file = files[0]
    data = read_upload(file, services.settings.asr.max_file_mb)
    transcript = services.speech_to_text.transcribe(data)
    segments = list(transcript.segments)
    help_ = services.copilot.assist(_caller_text(segments), principal.access)
    audit.record(
        audit_event(request, principal, "hotline.transcribe", f"{file.filename} {transcript.duration:.0f}s")
    )
    return TranscriptionOut(
        duration=transcript.duration,
        speakers=list(transcript.speakers),
        segments=[SegmentOut.of(s) for s in segments],
        text=transcript.text,
        assist=help_,
    )


class AssistRequest(BaseModel):
    transcript: str = Field(..., min_length=1, max_length=20000, description="通话至今的来电人话语")


@router.post("/assist", response_model=Assistance)
def suggestions(body: AssistRequest, services: ServicesDep, principal: AgentDep) -> Assistance:
    return services.copilot.assist(body.transcript, principal.access)


class TicketRequest(BaseModel):
    draft: dict[str, str] = Field(default_factory=dict, description="助手生成的草稿")
    fields: dict[str, str] = Field(..., description="坐席确认后的字段")
    transcript: str = Field("", max_length=50000)


@router.get("/taxonomy", response_model=TaxonomyOut)
def taxonomy(services: ServicesDep, principal: AgentDep) -> dict[str, list[str]]:
    """The deployment's categories (分类体系), as the labels the category classifier predicts."""
    return {"categories": services.call_triage.taxonomy.labels()}


@router.post("/tickets", status_code=201, response_model=TicketOut)
def confirm_ticket(
    body: TicketRequest, request: Request, services: ServicesDep, principal: AgentDep, audit: AuditDep
) -> TicketOut:
    ticket = services.ticket_store.confirm(
        principal.name,
        TicketFields.from_mapping(body.draft),
        TicketFields.from_mapping(body.fields),
        body.transcript,
    )
    audit.record(audit_event(request, principal, "ticket.confirm", f"工单 {ticket.id}"))
    return TicketOut(id=ticket.id, corrections=ticket.corrections)


@router.get("/tickets", response_model=TicketsOut, responses={200: {"content": {"text/csv": {}}}})
def export_tickets(
    request: Request,
    services: ServicesDep,
    principal: AgentDep,
    audit: AuditDep,
    format: str = Query("json", pattern="^(json|csv)$"),
    anonymise: bool = Query(
        False, description="匿名化：姓名、电话、证件号、银行卡号、地址换成本次导出内稳定的代号"
    ),
) -> Any:
    """Every ticket (a department's caller: those it handles, 承办单位), its caller fields masked
    (张**, 138****5678), or anonymised for analysis."""
    tickets = exports.tickets(services.ticket_store, anonymise, principal.department)
    audit.record(
        audit_event(
            request,
            principal,
            "tickets.export",
            f"{format}，{'匿名化' if anonymise else '脱敏'}，{len(tickets)} 条",
        )
    )
    if format == "csv":
        return Response(
            exports.to_csv(tickets, exports.TICKET_COLUMNS),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="tickets.csv"'},
        )
    return {"tickets": tickets}


class CallerFields(BaseModel):
    caller_name: str
    callback_number: str
    address: str


@router.get("/tickets/{ticket_id}/caller", response_model=CallerFields)
def reveal_caller(
    ticket_id: int, request: Request, services: ServicesDep, principal: AgentDep, audit: AuditDep
) -> dict[str, str]:
    """The unmasked caller name, callback number and address of a ticket, for the call back: only to
    the agent who confirmed it, and every reveal is audited."""
    agent, fields = services.ticket_store.caller(ticket_id)
    if agent != principal.name:
        audit.record(
            audit_event(
                request, principal, "ticket.reveal_refused", f"工单 {ticket_id}（坐席 {agent} 的工单）"
            )
        )
        raise HTTPException(status_code=403, detail="只有确认该工单的坐席可以查看来电人信息")
    audit.record(
        audit_event(request, principal, "ticket.reveal", f"工单 {ticket_id}：来电人姓名、联系电话、地址")
    )
    return fields


@router.websocket("/live")
async def live(websocket: WebSocket, sample_rate: int = 16000) -> None:
    """Live call audio: binary messages of PCM16 mono (8 or 16 kHz); the text message "end"
    flushes. Replies are JSON: {"type": "partial"|"final", "utterance", "text", "start", "end"}; a
    {"type": "revision", "utterance", "through", ...} replaces utterances ``utterance`` to ``through``
    (closed at short pauses, recognised again as one stretch) with its text; then {"type": "done"}. Authentication: the agent's key as ``Authorization: Bearer``, or, from a
    browser (which cannot set headers on a WebSocket), as the subprotocols ``govassist`` and
    ``bearer.<key>`` (``assistant.api.callers``); never in the URL, which access logs write."""
    services = websocket.app.state.services
    principal = websocket.state.principal
    if principal is None or not principal.allows("agent"):
        await websocket.close(code=4401, reason="unauthorized")
        return
    offered = websocket.scope.get("subprotocols", [])
    await websocket.accept(subprotocol=WEBSOCKET_PROTOCOL if WEBSOCKET_PROTOCOL in offered else None)
    try:
        options = StreamingOptions.from_settings(services.settings.asr)
        transcriber = StreamingTranscriber(services.speech_to_text, sample_rate, options)
    except BadInput as exc:
        await websocket.send_json({"type": "error", "message": str(exc)})
        await websocket.close(code=4400)
        return
    try:
        while True:
            message = await websocket.receive()
            if message.get("bytes") is not None:
                events = await run_in_threadpool(transcriber.push, message["bytes"])
            elif message.get("text") == "end":
                events = await run_in_threadpool(transcriber.flush)
                await _send(websocket, events)
                await websocket.send_json({"type": "done"})
                await websocket.close()
                return
            else:
                raise WebSocketDisconnect()
            await _send(websocket, events)
    except WebSocketDisconnect:
        return
    except BadInput as exc:
        await websocket.send_json({"type": "error", "message": str(exc)})
        await websocket.close(code=4400)


async def _send(websocket: WebSocket, events: list) -> None:  # type: ignore[type-arg]
    for event in events:
        revised = {} if event.through is None else {"through": event.through}
        await websocket.send_json(
            {
                "type": event.kind,
                "utterance": event.utterance,
                **revised,
                **SegmentOut.of(event.segment).model_dump(),
            }
        )
