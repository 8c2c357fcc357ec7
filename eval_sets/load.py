"""``govassist bench load``: many concurrent clients against the real service on loopback.

Starts the service (uvicorn, in this process, on 127.0.0.1) over a fresh copy of the demo
knowledge base, then runs ``clients`` threads for ``seconds``: each loops over a search, an
FAQ-answered chat and a 好差评 rating, with an agent key (the public rate limit would otherwise
stop one address). Afterwards it counts the rating and audit rows the database holds against
the requests that succeeded (nothing may be lost), verifies the audit chain, and reports what one
audit write (masking, chaining under the lock, commit) cost per request: alone (while the
single-request costs are measured) and under the load (waiting for the lock and the interpreter
included). Bounded in time and
count; loopback only.
"""

from __future__ import annotations

import itertools
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
from sqlalchemy import func, select

from assistant.api.app import create_app
from assistant.api.deps import get_audit
from assistant.api.security import create_api_key
from assistant.audit import AuditEventRow, AuditLog
from assistant.cli.service import server_config
from assistant.config import Settings
from assistant.ratings import LEVELS, RatingRow
from assistant.retention import audit_checkpoint_key
from eval_sets.demo_eval import DEMO_KB
from ingest.pipeline import ingest_paths

_SPARE_ANSWERS = 20  # answers asked before an open loop starts, for ratings to use
_OPEN_LOOP_SENDERS = 150  # at most this many requests in flight (the server admits 200)
FAQ_QUESTIONS = ["申领居住证需要提交哪些材料？", "办理居住证收费吗？", "租房提取公积金多久可以提一次？"]
SEARCHES = ["居住证", "公积金提取", "灵活就业 社保", "高校毕业生 补贴", "营业执照"]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"search": [], "chat": [], "feedback": []}
    )
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    warmup: int = 0  # successful requests made outside the tally (their audit rows exist too)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors.append(f"{kind}: {error}")
            else:
                self.latencies[kind].append(seconds)


def _call(
    client: httpx.Client,
    tally: Tally,
    kind: str,
    path: str,
    body: dict[str, Any],
    started: float | None = None,
) -> dict[str, Any] | None:
    started = time.perf_counter() if started is None else started
    try:
        response = client.post(path, json=body)
        ok = response.status_code in (200, 201)
        tally.add(kind, time.perf_counter() - started, None if ok else f"HTTP {response.status_code}")
        return response.json() if ok else None
    except httpx.HTTPError as exc:
        tally.add(kind, time.perf_counter() - started, type(exc).__name__)
        return None


_PATHS = {"search": "/v1/search", "chat": "/v1/chat", "feedback": "/v1/ratings"}
_RATINGS = itertools.cycle(LEVELS)  # every level in turn: the negative ones open follow-up items too


def _feedback_body(reply: dict[str, Any]) -> dict[str, Any]:
    """A 好差评 rating of the answer (next() on a shared cycle is atomic under the GIL)."""
    return {
        "answer_id": reply["answer_id"],
        "session_id": reply["session_id"],
        "level": next(_RATINGS),
        "tags": ["回答准确"],
        "comment": "负载测试",
    }


def _client_loop(base_url: str, key: str, deadline: float, tally: Tally, offset: int) -> None:
    """Closed loop: one client's search → chat → feedback, again and again until the deadline."""
    questions, searches = (
        itertools.cycle(FAQ_QUESTIONS[offset % 3 :] + FAQ_QUESTIONS),
        itertools.cycle(SEARCHES),
    )
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        while time.monotonic() < deadline:
            _call(client, tally, "search", "/v1/search", {"query": next(searches), "top_k": 5})
            reply = _call(client, tally, "chat", "/v1/chat", {"question": next(questions)})
            if reply:
                _call(client, tally, "feedback", _PATHS["feedback"], _feedback_body(reply))


def _open_loop(base_url: str, key: str, rate: float, seconds: float, tally: Tally) -> None:
    """Open loop: ``rate`` requests per second, each sent at its scheduled moment whatever the
    service's pace (search, chat, feedback in turn), so a slow service meets a queue rather than
    fewer requests. A latency is counted from the scheduled moment (no coordinated omission)."""
    total = int(rate * seconds)
    kinds = itertools.cycle(["search", "chat", "feedback"])
    questions, searches = itertools.cycle(FAQ_QUESTIONS), itertools.cycle(SEARCHES)
    replies: list[dict[str, Any]] = []  # the answers not rated yet: what the ratings refer to
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=_OPEN_LOOP_SENDERS, max_keepalive_connections=_OPEN_LOOP_SENDERS)
    # One client (a connection pool) for every sender thread: a client per thread costs more CPU
    # to set up than the requests it would send, in the process the service runs in.
    with (
        httpx.Client(base_url=base_url, headers=headers, timeout=30, limits=limits) as client,
        ThreadPoolExecutor(max_workers=_OPEN_LOOP_SENDERS) as pool,
    ):

        def send(kind: str, body: dict[str, Any] | None, scheduled: float) -> None:
            if body is None:  # a rating: of an answer nobody has rated yet (one rating per answer)
                with lock:
                    unrated = replies.pop() if replies else None
                if unrated is None:
                    tally.add(kind, 0.0, "no unrated answer yet")
                    return
                body = _feedback_body(unrated)
            reply = _call(client, tally, kind, _PATHS[kind], body, scheduled)
            if kind == "chat" and reply:
                with lock:
                    replies.append(reply)

        # Warm-up answers, a spare for each rating whose chat has not come back yet (a slow chat
        # must not leave a rating with nothing to rate).
        for _ in range(_SPARE_ANSWERS):
            reply = _call(client, Tally(), "chat", "/v1/chat", {"question": FAQ_QUESTIONS[0]})
            assert reply is not None, "the warm-up question was not answered"
            replies.append(reply)
        started = time.perf_counter()
        for number in range(total):
            scheduled = started + number / rate
            time.sleep(max(0.0, scheduled - time.perf_counter()))
            kind = next(kinds)
            body: dict[str, Any] | None = (
                {"query": next(searches), "top_k": 5}
                if kind == "search"
                else {"question": next(questions)}
                if kind == "chat"
                else None
            )
            pool.submit(send, kind, body, scheduled)
    # The warm-up chats wrote audit rows too; they are counted as successes below.
    tally.warmup = _SPARE_ANSWERS


def _single_request_costs(base_url: str, key: str, repeats: int = 20) -> dict[str, float]:
    """Each request kind's CPU cost, one request at a time on the idle service: the process's CPU
    seconds per request (the client's share included: it runs in this process)."""
    costs: dict[str, float] = {}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        # One answer per rating (an answer is rated once), asked before the ratings are timed.
        answers = [
            client.post("/v1/chat", json={"question": FAQ_QUESTIONS[0]}).json() for _ in range(repeats + 1)
        ]
        bodies: dict[str, Callable[[int], dict[str, Any]]] = {
            "search": lambda n: {"query": SEARCHES[n % len(SEARCHES)], "top_k": 5},
            "chat": lambda n: {"question": FAQ_QUESTIONS[n % len(FAQ_QUESTIONS)]},
            "feedback": lambda n: _feedback_body(answers[n]),
        }
        for kind, body in bodies.items():
            client.post(_PATHS[kind], json=body(repeats))  # warm (the spare answer, for ratings)
            started = time.process_time()
            for number in range(repeats):
                client.post(_PATHS[kind], json=body(number)).raise_for_status()
            costs[kind] = (time.process_time() - started) / repeats
    return costs


def _audit_rows(services: Any) -> dict[str, int]:
    with services.database.session() as session:
        return {
            "audit": session.scalar(select(func.count()).select_from(AuditEventRow)) or 0,
            "feedback": session.scalar(select(func.count()).select_from(RatingRow)) or 0,
        }


def _serve(app: Any) -> tuple[uvicorn.Server, str]:
    config = server_config(app, "127.0.0.1", 0, log_level="warning", limit_concurrency=200)
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


def run(
    clients: int = 50, seconds: float = 60.0, rate: float | None = None, cores: int = 2
) -> dict[str, Any]:
    """Closed loop with ``clients`` clients, or open loop at ``rate`` requests/s when given."""
    with tempfile.TemporaryDirectory(prefix="govassist-load-") as work:
        settings = Settings(data_dir=Path(work), llm={"backend": "extractive"})
        app = create_app(settings)
        services = app.state.services
        ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
        key = create_api_key(
            services.database, "agent", "负载测试"
        )  # itself audited: one row before the load
        audit_writes: list[float] = []  # list.append is atomic: safe from the server's worker threads
        app.dependency_overrides[get_audit] = lambda: AuditLog(
            services.database, on_write=audit_writes.append
        )
        server, base_url = _serve(app)
        costs = _single_request_costs(base_url, key)
        before = _audit_rows(services)  # the cost measurement wrote its own rows
        idle_writes = audit_writes[:]  # one at a time: what a write costs, without waiting for others
        audit_writes.clear()
        tally = Tally()
        if rate:
            _open_loop(base_url, key, rate, seconds, tally)
        else:
            deadline = time.monotonic() + seconds
            threads = [
                threading.Thread(target=_client_loop, args=(base_url, key, deadline, tally, n))
                for n in range(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        server.should_exit = True
        with services.database.session() as session:
            feedback_rows = (session.scalar(select(func.count()).select_from(RatingRow)) or 0) - before[
                "feedback"
            ]
        audit_rows = _audit_rows(services)["audit"] - before["audit"] - tally.warmup
        chain = AuditLog(services.database).verify(audit_checkpoint_key(settings))
        services.close()
    succeeded = {kind: len(values) for kind, values in tally.latencies.items()}
    rows = [
        {
            "request": kind,
            "count": succeeded[kind],
            "per_s": succeeded[kind] / seconds,
            "p50_ms": float(np.percentile(values, 50) * 1000) if values else 0.0,
            "p95_ms": float(np.percentile(values, 95) * 1000) if values else 0.0,
        }
        for kind, values in tally.latencies.items()
    ]
    mean_cost = sum(costs.values()) / len(costs)  # the mix is one of each kind
    ideal = cores / mean_cost if mean_cost else 0.0
    total = sum(succeeded.values()) / seconds
    return {
        "clients": clients,
        "rate": rate,
        "seconds": seconds,
        "cpu_ms": {kind: cost * 1000 for kind, cost in costs.items()},
        "cores": cores,
        "ideal_per_s": ideal,
        "per_s": total,
        "of_ideal": total / ideal if ideal else 0.0,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "feedback_lost": succeeded["feedback"] - feedback_rows,
        "audit_lost": sum(succeeded.values()) - audit_rows,
        "audit_write_idle_p50_ms": float(np.percentile(idle_writes, 50) * 1000) if idle_writes else 0.0,
        "audit_write_p50_ms": float(np.percentile(audit_writes, 50) * 1000) if audit_writes else 0.0,
        "audit_write_p95_ms": float(np.percentile(audit_writes, 95) * 1000) if audit_writes else 0.0,
        "audit_chain_ok": chain.ok,
        "audit_chain_problem": chain.problem,
        "rows": rows,
    }
