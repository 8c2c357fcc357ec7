"""The worker processes of ``govassist serve --workers N``, each listening on a socket of its own.

uvicorn's supervisor binds one socket and hands it to every worker: each new connection wakes
every worker's event loop, and the first one awake accepts all the connections waiting, so
clients that connect at once (a load balancer's pool, the bench's keep-alive clients) all land on
one worker while the others idle (BENCHMARKS.md, "Service under load"). Here every worker binds
its own socket on the same port with ``SO_REUSEPORT`` and the kernel spreads new connections over
them evenly. The supervisor holds the port with one more such socket that never listens (a port
in use fails at once, and nothing else can take it while a worker restarts), starts a worker
again when one exits, and stops them all on SIGTERM or SIGINT.

What it leaves to uvicorn: serving, graceful shutdown and logging inside each worker. Linux
(``SO_REUSEPORT`` with the kernel's balancing); the single-process service needs none of this.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
from multiprocessing.context import SpawnProcess
from typing import TYPE_CHECKING

from assistant.errors import ConfigurationError

if TYPE_CHECKING:
    import uvicorn

logger = logging.getLogger(__name__)
_CHECK_S = 0.5  # how often the supervisor looks for a worker that exited


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` that other such sockets may share (not yet listening)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bound = socket.socket(family, socket.SOCK_STREAM)
    bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        bound.bind((host, port))
    except OSError as exc:
        bound.close()
        raise ConfigurationError(
            f"无法监听 {host}:{port}：{exc.strerror}（端口已被占用？请换用 --port）"
        ) from exc
    return bound


def refuse_if_served(host: str, port: int) -> None:
    """``SO_REUSEPORT`` lets another process of the same user bind the port as well: a second
    service started on it would silently take half its connections. Refuse when something
    already answers there."""
    probe_host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    try:
        socket.create_connection((probe_host, port), timeout=1).close()
    except OSError:
        return
    raise ConfigurationError(f"{host}:{port} 已有服务在监听，请换用 --port 或先停止它")


def _run_worker(config: uvicorn.Config) -> None:
    """A worker's body: uvicorn on a socket of its own."""
    import uvicorn

    config.configure_logging()
    own = reuse_port_socket(config.host, config.port)
    own.listen(config.backlog)
    uvicorn.Server(config).run(sockets=[own])


def _start_worker(config: uvicorn.Config) -> SpawnProcess:
    process = multiprocessing.get_context("spawn").Process(
        target=_run_worker, args=(config,), name="govassist-worker"
    )
    process.start()
    return process


def serve_workers(config: uvicorn.Config) -> None:
    """Run ``config.workers`` workers on ``config.host:config.port`` until SIGTERM or SIGINT (the
    caller has checked the port with ``refuse_if_served`` before starting anything it needs)."""
    holder = reuse_port_socket(config.host, config.port)  # the port is ours while we run
    stopping = threading.Event()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: stopping.set())
    workers = [_start_worker(config) for _ in range(config.workers)]
    logger.info("Started %d workers on %s:%d", len(workers), config.host, config.port)
    try:
        while not stopping.wait(_CHECK_S):
            for number, worker in enumerate(workers):
                if not worker.is_alive():
                    logger.warning(
                        "Worker %s exited (code %s); starting another", worker.pid, worker.exitcode
                    )
                    workers[number] = _start_worker(config)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(30)
        holder.close()
