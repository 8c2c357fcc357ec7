"""FastAPI dependencies: the process's backends, the caller's identity and role, rate limits.

Route signatures use the ``Annotated`` aliases at the bottom. Credentials are read from the headers
by the request guard alone (``assistant.api.callers``); these dependencies check the role it found.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from assistant.api.security import Principal, Role
from assistant.audit import AuditEvent, AuditLog
from assistant.wiring import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def client_address(request: Request) -> str:
    """The client's address, as the request guard decided it (``assistant.api.callers``)."""
    client: str = request.state.client
    return client


def get_principal(request: Request) -> Principal:
    """The caller, identified by the request guard before the body was read: a key holder
    (Authorization: Bearer <key>) or the anonymous public; a wrong key never gets this far."""
    principal: Principal = request.state.principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Callable[[Principal], Principal]:
    def check(principal: PrincipalDep) -> Principal:
        if principal.role == "public" and role != "public":
            raise HTTPException(
                status_code=401, detail="需要登录（API 密钥）", headers={"WWW-Authenticate": "Bearer"}
            )
        if not principal.allows(role):
            raise HTTPException(status_code=403, detail="当前账号没有此操作的权限")
        return principal

    return check


AgentDep = Annotated[Principal, Depends(require("agent"))]
AdminDep = Annotated[Principal, Depends(require("admin"))]


def require_installation_admin(principal: AdminDep) -> Principal:
    """An admin of the whole installation (no department): what covers every department, such as
    the audit log, which names other departments' documents."""
    if principal.department:
        raise HTTPException(status_code=403, detail="此操作仅限全局管理员（不属于某个部门的管理员）")
    return principal


InstallationAdminDep = Annotated[Principal, Depends(require_installation_admin)]


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests, refilled continuously. In memory,
    per process (a multi-process deployment puts its gateway's limiter in front)."""

    def __init__(self, per_minute: int) -> None:
        self._rate = per_minute / 60.0
        self._capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - last) * self._rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            return allowed


def rate_limited(request: Request, principal: PrincipalDep) -> Principal:
    """Public callers are rate limited per client address; key holders are not."""
    if principal.role == "public" and not request.app.state.rate_limiter.allow(client_address(request)):
        raise HTTPException(status_code=429, detail="请求过于频繁，请稍后再试", headers={"Retry-After": "10"})
    return principal


PublicDep = Annotated[Principal, Depends(rate_limited)]


def get_audit(services: ServicesDep) -> AuditLog:
    return AuditLog(services.database)


AuditDep = Annotated[AuditLog, Depends(get_audit)]


def audit_event(
    request: Request, principal: Principal, action: str, detail: str = "", sources: Iterable[str] = ()
) -> AuditEvent:
    return AuditEvent(
        principal.name, principal.role, action, detail, tuple(sources), request.state.request_id
    )
