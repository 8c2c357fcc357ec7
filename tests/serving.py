"""Serving an app in a test: uvicorn in a thread of the test process, on a free loopback port,
with the service's own configuration (``assistant.cli.service.server_config``)."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from assistant.cli.service import server_config


def serve_in_thread(app: Any) -> tuple[uvicorn.Server, str]:
    """The running server (set ``should_exit`` to stop it) and its base URL."""
    server = uvicorn.Server(server_config(app, "127.0.0.1", 0, log_level="warning", limit_concurrency=200))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"
