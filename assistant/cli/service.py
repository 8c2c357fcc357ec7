"""``govassist serve``: run the HTTP service on the embedded defaults."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="监听地址"),
    port: int = typer.Option(8000, help="监听端口"),
) -> None:
    """启动 HTTP 服务（API 文档见 /docs）。"""
    import uvicorn

    from assistant.api.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")
