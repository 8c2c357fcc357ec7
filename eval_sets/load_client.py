"""The load bench's clients: one process of its own, asyncio, HTTP/1.1 keep-alive written by hand.

A client costs what writing a request and reading its answer costs, so that on a machine shared
with the service the clients take as little of its cores as they can (a thread per client, or
httpx's machinery, would cost a large share of what the service spends). The bench process
drives this one over a pipe: a step at a time (one kind of request, one after another, to price
it), a closed loop (``clients`` clients, each search → FAQ chat → 好差评 rating until the
deadline) or an open loop (``rate`` requests a second at their scheduled moments, latency
counted from the moment a request was due). Each step answers with its latencies, errors and
the CPU seconds this process spent on it. Loopback only; bounded in time and count.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from assistant.ratings import LEVELS

FAQ_QUESTIONS = ["申领居住证需要提交哪些材料？", "办理居住证收费吗？", "租房提取公积金多久可以提一次？"]
SEARCHES = ["居住证", "公积金提取", "灵活就业 社保", "高校毕业生 补贴", "营业执照"]
PATHS = {"search": "/v1/search", "chat": "/v1/chat", "rating": "/v1/ratings"}
KINDS = tuple(PATHS)
SPARE_ANSWERS = 20  # answers asked before an open loop starts, for ratings to use
MAX_IN_FLIGHT = 150  # open loop: at most this many requests (and connections) at once


class HttpConnection:
    """One keep-alive connection to the service, reopened when the service closed it."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self._host, self._port = host, port
        self._head = (
            f"Host: {host}:{port}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        )
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        data = json.dumps(body, ensure_ascii=False).encode()
        request = f"POST {path} HTTP/1.1\r\n{self._head}Content-Length: {len(data)}\r\n\r\n".encode() + data
        reused = self._streams is not None
        try:
            return await self._exchange(request)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.close()
            if not reused:
                raise
            return await self._exchange(request)  # a kept-alive connection the service had closed

    async def _exchange(self, request: bytes) -> tuple[int, Any]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        writer.write(request)
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, closing = 0, False
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                closing = True
        payload = await reader.readexactly(length)
        if closing:
            self.close()
        return status, json.loads(payload) if payload else None

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: list[str] = field(default_factory=list)
    warmup: int = 0  # successful requests made outside the tally (their audit rows exist too)

    async def call(
        self, connection: HttpConnection, kind: str, body: dict[str, Any], due: float | None = None
    ) -> Any:
        """One request; its latency counted from ``due`` (its scheduled moment) when given."""
        started = time.perf_counter() if due is None else due
        try:
            status, reply = await connection.post(PATHS[kind], body)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.errors.append(f"{kind}: {type(exc).__name__}")
            return None
        if status not in (200, 201):
            self.errors.append(f"{kind}: HTTP {status}")
            return None
        self.latencies[kind].append(time.perf_counter() - started)
        return reply


class Requests:
    """The bodies of each kind in turn; ratings go through every level (the negative ones open
    follow-up items too), each of an answer not rated before."""

    def __init__(self, offset: int = 0) -> None:
        self._questions = itertools.cycle(FAQ_QUESTIONS[offset % len(FAQ_QUESTIONS) :] + FAQ_QUESTIONS)
        self._searches = itertools.cycle(SEARCHES)
        self._levels: Iterator[str] = itertools.cycle(LEVELS)

    def search(self) -> dict[str, Any]:
        return {"query": next(self._searches), "top_k": 5}

    def chat(self) -> dict[str, Any]:
        return {"question": next(self._questions)}

    def rating(self, answer: dict[str, Any]) -> dict[str, Any]:
        return {
            "answer_id": answer["answer_id"],
            "session_id": answer["session_id"],
            "level": next(self._levels),
            "tags": ["回答准确"],
            "comment": "负载测试",
        }


async def answers(connection: HttpConnection, count: int, tally: Tally) -> list[dict[str, Any]]:
    """``count`` answers to rate, asked outside the tally (counted as its warm-up)."""
    asked = [await Tally().call(connection, "chat", {"question": FAQ_QUESTIONS[0]}) for _ in range(count)]
    if any(answer is None for answer in asked):
        raise RuntimeError("the service did not answer the warm-up question")
    tally.warmup += count
    return asked


async def sequence(
    address: tuple[str, int, str], kind: str, repeats: int, unrated: list[dict[str, Any]]
) -> Tally:
    """``repeats`` requests of one kind, one after another, on one connection (ratings of ``unrated``)."""
    connection, requests, tally = HttpConnection(*address), Requests(), Tally()
    if kind == "rating" and len(unrated) < repeats:
        unrated.extend(await answers(connection, repeats - len(unrated), Tally()))
    body = {"search": requests.search, "chat": requests.chat}.get(kind)
    for _ in range(repeats):
        await tally.call(connection, kind, requests.rating(unrated.pop()) if body is None else body())
    connection.close()
    return tally


async def closed_loop(address: tuple[str, int, str], clients: int, seconds: float) -> Tally:
    tally, deadline = Tally(), time.monotonic() + seconds

    async def client(number: int) -> None:
        connection, requests = HttpConnection(*address), Requests(number)
        while time.monotonic() < deadline:
            await tally.call(connection, "search", requests.search())
            answer = await tally.call(connection, "chat", requests.chat())
            if answer is not None:
                await tally.call(connection, "rating", requests.rating(answer))
        connection.close()

    await asyncio.gather(*(client(number) for number in range(clients)))
    return tally


async def open_loop(address: tuple[str, int, str], rate: float, seconds: float) -> Tally:
    tally, requests = Tally(), Requests()
    idle = [HttpConnection(*address) for _ in range(8)]
    unrated = await answers(idle[0], SPARE_ANSWERS, tally)  # a spare for each rating whose chat is late
    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)

    async def send(kind: str, due: float) -> None:
        async with in_flight:
            connection = idle.pop() if idle else HttpConnection(*address)
            if kind == "rating":
                body = requests.rating(unrated.pop()) if unrated else None
            else:
                body = requests.search() if kind == "search" else requests.chat()
            if body is None:
                tally.errors.append("rating: no unrated answer yet")
            else:
                reply = await tally.call(connection, kind, body, due)
                if kind == "chat" and reply is not None:
                    unrated.append(reply)
            idle.append(connection)

    started, tasks = time.perf_counter(), []
    for number, kind in zip(range(int(rate * seconds)), itertools.cycle(KINDS), strict=False):
        due = started + number / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(send(kind, due)))
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    return tally


async def _answers_on_new(address: tuple[str, int, str], count: int, tally: Tally) -> list[dict[str, Any]]:
    connection = HttpConnection(*address)
    try:
        return await answers(connection, count, tally)
    finally:
        connection.close()


def serve_commands(connection: Connection, host: str, port: int, key: str) -> None:
    """The client process's body: run each command the bench sends until it sends ``None``
    (``answers``: answers for the ratings of the next ``sequence`` to rate, asked beforehand so
    that pricing a rating does not include its chat)."""
    address, unrated = (host, port, key), []
    while (command := connection.recv()) is not None:
        cpu = time.process_time()
        match command["do"]:
            case "answers":
                tally = Tally()
                unrated.extend(asyncio.run(_answers_on_new(address, command["count"], tally)))
            case "sequence":
                tally = asyncio.run(sequence(address, command["kind"], command["repeats"], unrated))
            case "closed":
                tally = asyncio.run(closed_loop(address, command["clients"], command["seconds"]))
            case "open":
                tally = asyncio.run(open_loop(address, command["rate"], command["seconds"]))
        connection.send(
            {
                "latencies": tally.latencies,
                "errors": tally.errors,
                "warmup": tally.warmup,
                "cpu_s": time.process_time() - cpu,
            }
        )
