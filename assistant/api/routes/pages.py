"""The web pages: the citizen chat at ``/``, the agent panel at ``/agent``, 企业找政策 at
``/enterprise``, and their static files under ``/static/``.

The pages are plain HTML, CSS and JavaScript in the ``ui`` package's ``web/`` folder (package data;
no build step, nothing fetched from the network) and are clients of the JSON API like any other.
This router serves the files, filling the pages' ``{{city}}`` and ``{{hotline}}`` with the
deployment settings (HTML-escaped); the scripts read them from the ``<body>``'s data attributes.
Authentication for the agent panel happens in the browser against ``/v1/agent/me``: the page
itself holds no data and is public.
"""

from __future__ import annotations

import html
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from assistant.api.deps import ServicesDep
from assistant.config import DeploymentSettings

# Wheels install unpacked, so the package data are plain files on disk.
WEB_DIR = Path(str(files("ui") / "web"))
# Pages and scripts change with each release; browsers must check back rather than run stale code.
_NO_CACHE = {"Cache-Control": "no-cache"}


class _RevalidatedStaticFiles(StaticFiles):
    """Static files that browsers revalidate (cheaply, by ETag) instead of running stale scripts."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.update(_NO_CACHE)
        return response


router = APIRouter(include_in_schema=False)
router.mount("/static", _RevalidatedStaticFiles(directory=WEB_DIR), name="static")


@lru_cache(maxsize=8)
def _template(name: str) -> str:
    return (WEB_DIR / name).read_text(encoding="utf-8")


def _page(name: str, deployment: DeploymentSettings) -> HTMLResponse:
    text = _template(name).replace("{{city}}", html.escape(deployment.city))
    return HTMLResponse(text.replace("{{hotline}}", html.escape(deployment.hotline)), headers=_NO_CACHE)


@router.get("/")
def citizen_page(services: ServicesDep) -> HTMLResponse:
    return _page("index.html", services.settings.deployment)


@router.get("/enterprise")
def enterprise_page(services: ServicesDep) -> HTMLResponse:
    return _page("enterprise.html", services.settings.deployment)


@router.get("/agent")
def agent_page(services: ServicesDep) -> HTMLResponse:
    return _page("agent.html", services.settings.deployment)
