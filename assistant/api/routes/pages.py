"""The web pages: the citizen chat at ``/``, the agent panel at ``/agent``, 企业找政策 at
``/enterprise``, and their static files under ``/static/``.

The pages are plain HTML, CSS and JavaScript in ``ui/web/`` (no build step, nothing fetched from
the network) and are clients of the JSON API like any other; this router only serves the files.
Authentication for the agent panel happens in the browser against ``/v1/agent/me``: the page
itself holds no data and is public.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

WEB_DIR = Path(__file__).resolve().parents[3] / "ui" / "web"
# Pages and scripts change with each release; browsers must check back rather than run stale code.
_NO_CACHE = {"Cache-Control": "no-cache"}



class _RevalidatedStaticFiles(StaticFiles):
    """Static files that browsers revalidate (cheaply, by ETag) instead of running stale scripts."""

    def file_response(self, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers.update(_NO_CACHE)
        return response


router = APIRouter(include_in_schema=False)
router.mount("/static", _RevalidatedStaticFiles(directory=WEB_DIR), name="static")


@router.get("/")
def citizen_page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", headers=_NO_CACHE)


@router.get("/enterprise")
def enterprise_page() -> FileResponse:
    return FileResponse(WEB_DIR / "enterprise.html", headers=_NO_CACHE)


@router.get("/agent")
def agent_page() -> FileResponse:
    return FileResponse(WEB_DIR / "agent.html", headers=_NO_CACHE)
