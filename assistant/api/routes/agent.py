"""Agent routes: who is logged in (the hotline copilot endpoints join this router)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from assistant.api.deps import AgentDep

router = APIRouter(prefix="/v1/agent", tags=["agent"])


class AgentOut(BaseModel):
    role: str = Field(..., description="agent 坐席 / admin 管理员")
    name: str
    department: str = Field(..., description="所属部门（空为全系统）")


@router.get("/me", response_model=AgentOut)
def me(principal: AgentDep) -> dict[str, str]:
    return {"role": principal.role, "name": principal.name, "department": principal.department}
