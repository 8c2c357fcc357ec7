"""``/healthz`` (the process is up) and ``/readyz`` (models and stores are loaded)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from assistant.api.deps import ServicesDep
from assistant.errors import AssistantError

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    status: Literal["ready"]
    documents: int
    chunks: int


class NotReadyOut(BaseModel):
    status: Literal["not_ready"]
    reason: str


@router.get("/healthz", response_model=HealthOut)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": NotReadyOut}})
def readyz(services: ServicesDep) -> JSONResponse:
    try:
        services.embedder.embed_query("就绪检查")
        stats = services.knowledge_base.stats()
    except AssistantError as exc:
        return JSONResponse({"status": "not_ready", "reason": str(exc)}, status_code=503)
    return JSONResponse({"status": "ready", "documents": stats.documents, "chunks": stats.chunks})
