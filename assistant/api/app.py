"""The FastAPI application factory and the mapping of our errors to one JSON error shape."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from assistant.api.routes import health, search
from assistant.config import Settings, get_settings
from assistant.errors import AssistantError, BackendUnavailable, BadInput, IndexMismatch, NotFound
from assistant.wiring import Services

_STATUS = {BadInput: 400, NotFound: 404, IndexMismatch: 409, BackendUnavailable: 503}


def create_app(settings: Settings | None = None) -> FastAPI:
    services = Services(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        services.close()

    app = FastAPI(
        title="gov-assistant", description="政务服务智能助手 API（离线运行）", version="0.1.0", lifespan=lifespan
    )
    app.state.services = services
    app.include_router(health.router)
    app.include_router(search.router)

    @app.exception_handler(AssistantError)
    def _assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 500)
        body = {"error": {"type": type(exc).__name__, "message": str(exc), "request_id": uuid.uuid4().hex}}
        return JSONResponse(body, status_code=status)

    return app
