"""The one JSON error shape every failure takes: ``{"error": {"type", "message", "request_id"}}``,
with the request id also in the ``X-Request-ID`` header. The request guard and the exception
handlers both answer through ``error_response``."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import JSONResponse


def error_response(
    status: int, kind: str, message: str, request: Request, headers: dict[str, str] | None = None
) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None) or uuid.uuid4().hex
    body = {"error": {"type": kind, "message": message, "request_id": request_id}}
    return JSONResponse(body, status_code=status, headers={**(headers or {}), "X-Request-ID": request_id})
