"""``/healthz`` (the process is up), ``/readyz`` (models and stores are loaded) and
``/v1/deployment`` (whose service this is: the names clients such as the staff console show)."""

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


class DeploymentOut(BaseModel):
    city: str
    province: str
    hotline: str


@router.get("/v1/deployment", response_model=DeploymentOut)
def deployment(services: ServicesDep) -> dict[str, str]:
    """The city, province and hotline this service is configured for (public: the pages show them)."""
    settings = services.settings.deployment
    return {"city": settings.city, "province": settings.province, "hotline": settings.hotline}
