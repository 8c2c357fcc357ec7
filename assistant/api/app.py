"""The FastAPI application: routers, the request guard (request ids, the caller, body limits,
security headers, metrics), CORS, the scheduled retention purge (``assistant.retention``, every
``retention.purge_interval_hours``), and the handlers that turn every failure, expected or not, into
the one JSON error shape {"error": {"type", "message", "request_id"}} (``assistant.api.responses``).

/docs, /redoc and /openapi.json are off unless ``api.docs_enabled``: Swagger UI and ReDoc load their
scripts from a CDN, which an offline deployment cannot reach and should not try to."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import retention
from assistant.api import log_redaction
from assistant.api.deps import RateLimiter
from assistant.api.guard import RequestGuard
from assistant.api.metrics import Metrics
from assistant.api.responses import error_response
from assistant.api.routes import (
    admin,
    agent,
    call_summary,
    chat,
    health,
    hot_issues,
    hotline,
    openai_compat,
    pages,
    policy_matching,
    ratings,
    records,
    search,
)
from assistant.config import Settings, get_settings
from assistant.errors import (
    AssistantError,
    BackendUnavailable,
    BadInput,
    ConfigurationError,
    Conflict,
    IndexMismatch,
    NotFound,
)
from assistant.wiring import Services

logger = logging.getLogger(__name__)
_STATUS = {
    BadInput: 400,
    NotFound: 404,
    IndexMismatch: 409,
    Conflict: 409,
    BackendUnavailable: 503,
    ConfigurationError: 503,
}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssistantError)
    def _assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 500)
        return error_response(status, type(exc).__name__, str(exc), request)

    @app.exception_handler(StarletteHTTPException)
    def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "请求无法处理"
        if exc.status_code == 404 and message == "Not Found":
            message = "请求的地址不存在"
        return error_response(exc.status_code, "HTTPError", message, request, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises after answering, so the server log gets the traceback; the client never does.
        logger.error("request %s failed: %s", getattr(request.state, "request_id", "-"), type(exc).__name__)
        return error_response(
            500, "InternalError", "服务内部错误，请稍后重试；如持续出现，请联系管理员并提供请求编号", request
        )

    @app.exception_handler(RequestValidationError)
    def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = "；".join(f"{'.'.join(str(p) for p in e['loc'][1:])}：{e['msg']}" for e in exc.errors())
        return error_response(422, "ValidationError", f"请求参数有误：{fields}", request)


def _install_middleware(app: FastAPI, settings: Settings, services: Services, metrics: Metrics) -> None:
    app.add_middleware(RequestGuard, settings=settings, services=services, metrics=metrics)
    if settings.api.cors_origins:  # outside the guard, so that its 401 and 413 answers carry CORS headers too
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.api.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )


async def _purge_periodically(services: Services, interval_s: float) -> None:
    """Purge what is past its retention every ``interval_s``; a failed run is logged and retried next time."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            report = await run_in_threadpool(retention.purge, services.database, services.settings)
            logger.info("Retention purge: %s", report.summary())
        except (AssistantError, SQLAlchemyError, OSError) as exc:
            logger.error("Retention purge failed: %s", exc)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The application for ``settings`` (default: the environment's), on ``services`` when given
    (tests pass ``Services(settings, copilot=fake)``: the production seam, with a fake in it)."""
    if services is None:
        services = Services(settings or get_settings())
    elif settings is not None and settings is not services.settings:
        raise ConfigurationError("create_app: pass the settings or services built from them, not both.")
    settings = services.settings
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        interval_s = settings.retention.purge_interval_hours * 3600
        purging = asyncio.create_task(_purge_periodically(services, interval_s)) if interval_s else None
        yield
        if purging is not None:
            purging.cancel()
        services.close()

    docs = settings.api.docs_enabled
    app = FastAPI(
        title="gov-assistant",
        description="政务服务智能助手 API（离线运行）",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.services = services
    app.state.rate_limiter = RateLimiter(settings.api.public_rate_per_minute)
    for router in (
        health.router,
        search.router,
        chat.router,
        agent.router,
        hotline.router,
        admin.router,
        records.router,
        pages.router,
    ):
        app.include_router(router)
    for router in (
        policy_matching.router,
        hot_issues.router,
        call_summary.router,
        openai_compat.router,
        ratings.router,
    ):
        app.include_router(router)

    @app.get("/metrics", include_in_schema=False)
    def _metrics() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    _install_error_handlers(app)
    _install_middleware(app, settings, services, metrics)
    log_redaction.install()
    return app
