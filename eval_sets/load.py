"""``govassist bench load``: many concurrent clients against the real service on loopback.

Starts the service (uvicorn, in this process, on 127.0.0.1) over a fresh copy of the demo
knowledge base, then runs ``clients`` threads for ``seconds``: each loops over a search, an
FAQ-answered chat and a 好差评 rating, with an agent key (the public rate limit would otherwise
stop one address). Afterwards it counts the rating and audit rows the database holds against
the requests that succeeded (nothing may be lost), verifies the audit chain, and reports what one
audit write (masking, chaining under the lock, commit) cost per request. Bounded in time and
count; loopback only.
"""

from __future__ import annotations

import itertools
import tempfile
import threading
import time
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

FAQ_QUESTIONS = ["申领居住证需要提交哪些材料？", "办理居住证收费吗？", "租房提取公积金多久可以提一次？"]
SEARCHES = ["居住证", "公积金提取", "灵活就业 社保", "高校毕业生 补贴", "营业执照"]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"search": [], "chat": [], "feedback": []})
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors.append(f"{kind}: {error}")
            else:
                self.latencies[kind].append(seconds)


def _call(client: httpx.Client, tally: Tally, kind: str, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
    started = time.perf_counter()
    try:
        response = client.post(path, json=body)
        ok = response.status_code in (200, 201)
        tally.add(kind, time.perf_counter() - started, None if ok else f"HTTP {response.status_code}")
        return response.json() if ok else None
    except httpx.HTTPError as exc:
        tally.add(kind, time.perf_counter() - started, type(exc).__name__)
        return None


def _client_loop(base_url: str, key: str, deadline: float, tally: Tally, offset: int) -> None:
    questions, searches = itertools.cycle(FAQ_QUESTIONS[offset % 3 :] + FAQ_QUESTIONS), itertools.cycle(SEARCHES)
    levels = itertools.cycle(list(LEVELS)[offset % 5 :] + list(LEVELS))
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        while time.monotonic() < deadline:
            _call(client, tally, "search", "/v1/search", {"query": next(searches), "top_k": 5})
            reply = _call(client, tally, "chat", "/v1/chat", {"question": next(questions)})
            if reply:  # a 好差评 rating; the negative levels open follow-up items too
                feedback = {"answer_id": reply["answer_id"], "session_id": reply["session_id"], "level": next(levels),
                            "tags": ["回答准确"], "comment": "负载测试"}
                _call(client, tally, "feedback", "/v1/ratings", feedback)


def _serve(app: Any) -> tuple[uvicorn.Server, str]:
    config = server_config(app, "127.0.0.1", 0, log_level="warning", limit_concurrency=200)
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


def run(clients: int = 50, seconds: float = 60.0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="govassist-load-") as work:
        settings = Settings(data_dir=Path(work), llm={"backend": "extractive"})
        app = create_app(settings)
        services = app.state.services
        ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
        key = create_api_key(services.database, "agent", "负载测试")  # itself audited: one row before the load
        audit_writes: list[float] = []  # list.append is atomic: safe from the server's worker threads
        app.dependency_overrides[get_audit] = lambda: AuditLog(services.database, on_write=audit_writes.append)
        server, base_url = _serve(app)
        tally, deadline = Tally(), time.monotonic() + seconds
        threads = [threading.Thread(target=_client_loop, args=(base_url, key, deadline, tally, n)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        server.should_exit = True
        with services.database.session() as session:
            feedback_rows = session.scalar(select(func.count()).select_from(RatingRow)) or 0
            audit_rows = (session.scalar(select(func.count()).select_from(AuditEventRow)) or 0) - 1
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
    return {
        "clients": clients,
        "seconds": seconds,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "feedback_lost": succeeded["feedback"] - feedback_rows,
        "audit_lost": sum(succeeded.values()) - audit_rows,
        "audit_write_p50_ms": float(np.percentile(audit_writes, 50) * 1000) if audit_writes else 0.0,
        "audit_write_p95_ms": float(np.percentile(audit_writes, 95) * 1000) if audit_writes else 0.0,
        "audit_chain_ok": chain.ok,
        "audit_chain_problem": chain.problem,
        "rows": rows,
    }
