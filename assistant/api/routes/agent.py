"""Agent routes: who is logged in (the hotline copilot endpoints join this router)."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import AgentDep

router = APIRouter(prefix="/v1/agent", tags=["agent"])


@router.get("/me")
def me(principal: AgentDep) -> dict[str, str]:
    return {"role": principal.role, "name": principal.name, "department": principal.department}
