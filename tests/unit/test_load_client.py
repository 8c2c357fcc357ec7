"""The load bench's hand-written HTTP/1.1 client against a real HTTP server on loopback: answers
read by their length over one kept-alive connection, a connection the server closes (``Connection:
close``, or silently while idle) reopened for the next request, and failures counted as errors."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from eval_sets.load_client import HttpConnection, Tally

T = TypeVar("T")


def _run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright leaves an event loop
    running in the main thread of the same test session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main).result()


@contextmanager
def echo_server(close_every: int = 0) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Echoes each JSON body with its request number (404 for a body asking for it); with
    ``close_every`` it ends every n-th connection after answering (saying so)."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"body": body, "port": self.client_address[1], "key": self.headers["Authorization"]})
            status = 404 if body.get("missing") else 200
            data = json.dumps({"number": len(seen), "echo": body}, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            closing = close_every and len(seen) % close_every == 0
            if closing:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_requests_share_one_kept_alive_connection():
    with echo_server() as (port, seen):

        async def three() -> list[tuple[int, Any]]:
            connection = HttpConnection("127.0.0.1", port, "gva_test")
            replies = [await connection.post("/v1/search", {"query": f"居住证 {n}"}) for n in range(3)]
            connection.close()
            return replies

        replies = _run(three())
    assert [reply for _, reply in replies] == [
        {"number": n + 1, "echo": {"query": f"居住证 {n}"}} for n in range(3)
    ]
    assert {entry["port"] for entry in seen} == {seen[0]["port"]} and seen[0]["key"] == "Bearer gva_test"


def test_a_connection_the_server_closed_is_reopened():
    with echo_server(close_every=2) as (port, seen):

        async def five() -> list[int]:
            connection = HttpConnection("127.0.0.1", port, "k")
            statuses = [(await connection.post("/v1/chat", {"n": n}))[0] for n in range(5)]
            connection.close()
            return statuses

        assert _run(five()) == [200] * 5
    assert len(seen) == 5 and len({entry["port"] for entry in seen}) == 3  # closed after the 2nd and 4th


def test_failures_are_errors_not_latencies():
    with echo_server() as (port, _):

        async def calls() -> Tally:
            tally = Tally()
            await tally.call(HttpConnection("127.0.0.1", port, "k"), "search", {"query": "x"})
            await tally.call(HttpConnection("127.0.0.1", port, "k"), "chat", {"missing": True})
            return tally

        tally = _run(calls())
    assert len(tally.latencies["search"]) == 1 and not tally.latencies["chat"]
    assert tally.errors == ["chat: HTTP 404"]

    async def refused() -> Tally:
        tally = Tally()
        await tally.call(HttpConnection("127.0.0.1", port, "k"), "rating", {"level": "满意"})
        return tally

    tally = _run(refused())  # the server is gone
    assert tally.errors == ["rating: ConnectionRefusedError"] and not tally.latencies["rating"]
