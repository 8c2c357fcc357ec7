"""``govassist serve``: run the HTTP service on the embedded defaults.

uvicorn runs with its proxy-header handling off: by default it rewrites the client's address from
``X-Forwarded-For`` for any connection from 127.0.0.1, so a client on the machine (or behind a
proxy that passes the header through) could pose as any address and shed its rate limit. The app
believes the header only from ``api.trusted_proxies`` (``assistant.api.callers``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import uvicorn


def server_config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration the service runs with (the tests serve the app with it too)."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, server_header=False, **options)


def serve(
    host: str = typer.Option("127.0.0.1", help="监听地址"),
    port: int = typer.Option(8000, help="监听端口"),
) -> None:
    """启动 HTTP 服务（API 文档 /docs 默认关闭，见 GOVASSIST_API__DOCS_ENABLED）。"""
    import uvicorn

    from assistant.api.app import create_app

    uvicorn.Server(server_config(create_app(), host, port, log_level="info")).run()
