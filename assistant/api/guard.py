"""The request guard: the pure ASGI layer in front of every route.

For each request it sets the request id (``X-Request-ID``, echoed on the response), decides who
is calling from the headers (``assistant.api.callers``: a key that is not valid gets its 401 here,
before a byte of the body is read), holds the body to its limit by counting bytes as they stream
(a declared ``Content-Length`` over the limit is refused at once; a chunked body is stopped at the
limit, never buffered), adds the security headers and records the request in the metrics.

Limits: every route takes ``api.max_body_kb``, except the three upload routes, which take their
file limit plus room for the multipart framing; each upload route then holds every file to its
exact limit. Role checks stay with the routes' dependencies; upload routes read their files only
after them (``assistant.api.uploads``). It is plain ASGI rather than ``@app.middleware("http")``,
which would wrap every request and response in extra tasks and streams.
"""

from __future__ import annotations

import time
import uuid

from fastapi import HTTPException, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.callers import TrustedProxies, identify, presented_key
from assistant.api.metrics import Metrics
from assistant.api.responses import error_response
from assistant.api.uploads import FRAMING_BYTES, KB, megabytes
from assistant.config import Settings
from assistant.wiring import Services

# No inline script or style, nothing from another origin, never framed (the agent panel holds a key).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# Swagger UI and ReDoc (only when api.docs_enabled) run inline scripts from a CDN.
_DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")


class BodyLimit:
    """The most bytes one path's request body may have, and what the caller is told beyond it."""

    def __init__(self, limit_bytes: int, message: str) -> None:
        self.limit_bytes = limit_bytes
        self.message = message

    def counting(self, receive: Receive) -> Receive:
        """``receive`` that raises 413 as soon as the body so far exceeds the limit."""
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit_bytes:
                    raise HTTPException(status_code=413, detail=self.message)
            return message

        return counted


def body_limits(settings: Settings) -> tuple[BodyLimit, dict[str, BodyLimit]]:
    """The default limit and the upload routes' own (1 KB = 1,000 bytes, 1 MB = 1,000,000)."""
    uploads = {
        "/v1/admin/documents": settings.api.max_upload_mb,
        "/v1/hotline/transcribe": settings.asr.max_file_mb,
        "/v1/policy-matching/enterprises/import": settings.policy_matching.max_import_mb,
    }
    default = BodyLimit(settings.api.max_body_kb * KB, f"请求体过大（上限 {settings.api.max_body_kb} KB）")
    return default, {
        path: BodyLimit(megabytes(mb) + FRAMING_BYTES, f"上传内容过大（上限 {mb:g} MB）")
        for path, mb in uploads.items()
    }


class RequestGuard:
    """Wraps the app (inside CORS, outside the exception handlers): its own 401 and 413 answers are
    built by ``error_response``; a 413 raised while a route reads the body reaches the handlers as
    any ``HTTPException`` does."""

    def __init__(self, app: ASGIApp, settings: Settings, services: Services, metrics: Metrics) -> None:
        self.app = app
        self._default_limit, self._upload_limits = body_limits(settings)
        self._proxies = TrustedProxies(settings.api.trusted_proxies)
        self._services = services
        self._metrics = metrics
        self._docs_paths = _DOCS_PATHS if settings.api.docs_enabled else ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        state = scope.setdefault("state", {})
        state["request_id"] = headers.get("x-request-id", "")[:32] or uuid.uuid4().hex
        state["client"] = self._proxies.client_address(scope, headers)
        state["principal"] = await identify(self._services, presented_key(scope, headers), state["client"])
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)  # the socket's route refuses a missing or wrong key
            return
        await self._http(scope, receive, send, headers)

    async def _http(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        started, status = time.perf_counter(), 500
        security_headers = self._security_headers(scope["path"])

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = MutableHeaders(scope=message)
                response_headers["X-Request-ID"] = scope["state"]["request_id"]
                for name, value in security_headers.items():
                    response_headers.setdefault(name, value)
            await send(message)

        try:
            await self._checked(scope, receive, send_with_headers, headers)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self._metrics.observe(scope["method"], route, status, time.perf_counter() - started)

    async def _checked(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        if scope["state"]["principal"] is None:
            await self._reject(
                scope, receive, send, 401, "API 密钥无效或已停用", {"WWW-Authenticate": "Bearer"}
            )
            return
        limit = self._upload_limits.get(scope["path"].rstrip("/"), self._default_limit)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit.limit_bytes:
            await self._reject(scope, receive, send, 413, limit.message)
            return
        await self.app(scope, limit.counting(receive), send)

    @staticmethod
    async def _reject(
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        await error_response(status, "HTTPError", message, Request(scope), headers)(scope, receive, send)

    def _security_headers(self, path: str) -> dict[str, str]:
        if path in self._docs_paths:
            return {
                name: value for name, value in SECURITY_HEADERS.items() if name != "Content-Security-Policy"
            }
        return SECURITY_HEADERS
