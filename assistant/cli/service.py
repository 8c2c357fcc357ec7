"""``govassist serve``: run the HTTP service on the embedded defaults.

uvicorn runs with its proxy-header handling off: by default it rewrites the client's address from
``X-Forwarded-For`` for any connection from 127.0.0.1, so a client on the machine (or behind a
proxy that passes the header through) could pose as any address and shed its rate limit. The app
believes the header only from ``api.trusted_proxies`` (``assistant.api.callers``).

``--workers N`` (``api.workers``) runs N uvicorn worker processes, each with its own models and
its own listening socket (``assistant.cli.workers``). With the embedded index, this process first
starts one index process that opens it and serves every worker
(``assistant.retrieval.shared_index``); with a Qdrant server (``qdrant.url``) the workers connect
to it directly.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from assistant.cli.workers import refuse_if_served, serve_workers
from assistant.config import Settings, get_settings
from assistant.errors import BackendUnavailable

if TYPE_CHECKING:
    import uvicorn


def server_config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration the service runs with (the tests serve the app with it too)."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, server_header=False, **options)


def _run_index_process(settings: Settings, address: str, key: bytes) -> None:
    from pathlib import Path

    from assistant.retrieval.shared_index import serve_index
    from assistant.wiring import build_embedded_index

    serve_index(build_embedded_index(settings), Path(address), key)


@contextmanager
def shared_embedded_index(settings: Settings) -> Iterator[dict[str, str]]:
    """An index process for the embedded index while the block runs; the settings (as environment
    variables) that point workers at it."""
    address = settings.data_dir / "index.sock"
    key = secrets.token_hex(32)
    process = multiprocessing.get_context("spawn").Process(
        target=_run_index_process,
        args=(settings, str(address), key.encode()),
        name="govassist-index",
        daemon=True,
    )
    address.unlink(missing_ok=True)
    process.start()
    try:
        deadline = time.monotonic() + 60
        while not address.exists():
            if not process.is_alive() or time.monotonic() > deadline:
                raise BackendUnavailable(f"索引进程未能启动（{address}），请查看日志")
            time.sleep(0.1)
        yield {"GOVASSIST_QDRANT__SHARED_INDEX": str(address), "GOVASSIST_QDRANT__SHARED_INDEX_KEY": key}
    finally:
        process.terminate()
        process.join(10)
        address.unlink(missing_ok=True)


def serve(
    host: str = typer.Option("127.0.0.1", help="监听地址"),
    port: int = typer.Option(8000, help="监听端口"),
    workers: int | None = typer.Option(
        None, min=1, max=64, help="工作进程数（默认 GOVASSIST_API__WORKERS，1）"
    ),
) -> None:
    """启动 HTTP 服务（API 文档 /docs 默认关闭，见 GOVASSIST_API__DOCS_ENABLED）。"""
    import uvicorn

    from assistant.api.app import create_app

    settings = get_settings()
    workers = workers or settings.api.workers
    if workers == 1:
        uvicorn.Server(server_config(create_app(), host, port, log_level="info")).run()
        return
    refuse_if_served(host, port)  # before the index process, which would find the index taken
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _workers_index(settings) as environment:
        os.environ.update(environment)  # the workers are spawned: they read their settings from it
        config = server_config(
            "assistant.api.app:create_app", host, port, log_level="info", factory=True, workers=workers
        )
        serve_workers(config)


@contextmanager
def _workers_index(settings: Settings) -> Iterator[dict[str, str]]:
    if settings.qdrant.url:  # every worker connects to the Qdrant server itself
        yield {}
        return
    with shared_embedded_index(settings) as environment:
        yield environment
