"""``govassist bench load``: the service as it is deployed, loaded by clients of their own.

Ingests the demo knowledge base into a fresh data dir, then starts ``govassist serve --workers N``
(a subprocess: uvicorn's supervisor, N workers and, with the embedded index, the index process
they share; extractive answers, SQLite) and the clients (``eval_sets.load_client``: one process,
asyncio, raw HTTP/1.1). Every server process's CPU time is read with psutil, the client's by
itself, so each request kind's single-request cost is known per side (one request at a time, on
one warm worker), and the ideal throughput they imply for ``cores`` is said with what it counts:
cores ÷ (server + client CPU of the mix: one search, one FAQ chat, one rating), and cores ÷
server CPU alone (the clients are elsewhere in a real deployment). Afterwards the service is
stopped and its database checked: rating and audit rows against the requests that succeeded
(nothing may be lost), the audit chain verified, and one audit write timed alone.

The load average at the start and the end is printed: on a shared machine the numbers are
only as good as the cores were idle. Bounded in time and count; loopback only.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
from sqlalchemy import func, select

from assistant.api.security import create_api_key
from assistant.audit import AuditEvent, AuditEventRow, AuditLog
from assistant.config import Settings
from assistant.ratings import RatingRow
from assistant.retention import audit_checkpoint_key
from assistant.wiring import Services, build_database
from eval_sets.demo_eval import DEMO_KB
from eval_sets.load_client import KINDS, serve_commands
from ingest.pipeline import ingest_paths

STARTUP_S = 300  # workers import the models' libraries before they answer
_REPEATS = 20  # requests of each kind to price it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(service: subprocess.Popen[bytes], port: int) -> int:
    """How many of the service's processes listen on ``port`` (every worker, once it has started)."""
    root = psutil.Process(service.pid)
    return sum(
        any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in process.net_connections("tcp"))
        for process in [root, *root.children()]
    )


def _start_service(data_dir: Path, workers: int, port: int) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "GOVASSIST_DATA_DIR": str(data_dir), "GOVASSIST_LLM__BACKEND": "extractive"}
    log = (data_dir.parent / "service.log").open("wb")  # uvicorn's access log: every request
    command = [sys.executable, "-c", "from assistant.cli import main; main()", "serve"]
    service = subprocess.Popen(
        [*command, "--workers", str(workers), "--port", str(port)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if service.poll() is not None:
            raise RuntimeError(f"govassist serve exited; see {log.name}")
        try:
            answered = httpx.get(f"http://127.0.0.1:{port}/v1/suggestions", timeout=5).status_code == 200
            if answered and _listening(service, port) == workers:
                return service
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    service.terminate()
    raise RuntimeError("govassist serve did not start in time")


def _roles(service: subprocess.Popen[bytes], socket_path: Path) -> dict[psutil.Process, str]:
    """Every process of the service, named: the supervisor, the index process, the workers."""
    root = psutil.Process(service.pid)
    roles = {root: "supervisor" if root.children() else "worker"}
    for child in root.children(recursive=True):
        command = " ".join(child.cmdline())
        if "resource_tracker" in command:
            roles[child] = "resource tracker"
        elif any(c.laddr == str(socket_path) for c in child.net_connections(kind="unix")):
            roles[child] = "index"
        else:
            roles[child] = "worker"
    return roles


def _cpu(processes: dict[psutil.Process, str]) -> dict[psutil.Process, float]:
    return {process: process.cpu_times().user + process.cpu_times().system for process in processes}


class Driver:
    """The client process and the service's processes, measured around each command."""

    def __init__(self, port: int, key: str, processes: dict[psutil.Process, str]) -> None:
        self._ours, theirs = multiprocessing.get_context("spawn").Pipe()
        self._client = multiprocessing.get_context("spawn").Process(
            target=serve_commands, args=(theirs, "127.0.0.1", port, key), name="govassist-load-clients"
        )
        self._client.start()
        self.processes = processes

    def run(self, command: dict[str, Any]) -> tuple[dict[str, Any], dict[psutil.Process, float], float]:
        """The client's report, each server process's CPU seconds, and the wall seconds."""
        before, started = _cpu(self.processes), time.perf_counter()
        self._ours.send(command)
        report: dict[str, Any] = self._ours.recv()
        after = _cpu(self.processes)
        return report, {p: after[p] - before[p] for p in self.processes}, time.perf_counter() - started

    def close(self) -> None:
        self._ours.send(None)
        self._client.join(30)


def _single_request_costs(driver: Driver) -> dict[str, dict[str, float]]:
    """Each kind's CPU milliseconds per request, server (all its processes) and client apart."""
    costs = {}
    driver.run({"do": "answers", "count": _REPEATS})  # answers to rate, asked before pricing ratings
    for kind in KINDS:
        report, server, _ = driver.run({"do": "sequence", "kind": kind, "repeats": _REPEATS})
        if report["errors"]:
            raise RuntimeError(f"pricing {kind} failed: {report['errors'][:3]}")
        costs[kind] = {
            "server": sum(server.values()) / _REPEATS * 1000,
            "client": report["cpu_s"] / _REPEATS * 1000,
        }
    return costs


def _rows(database: Any) -> dict[str, int]:
    with database.session() as session:
        return {
            "audit": session.scalar(select(func.count()).select_from(AuditEventRow)) or 0,
            "rating": session.scalar(select(func.count()).select_from(RatingRow)) or 0,
        }


def _audit_write_ms(database: Any, writes: int = 50) -> float:
    """One audit write (masking, chaining under the lock, commit), alone: the median of ``writes``."""
    audit, times = AuditLog(database), []
    for number in range(writes):
        started = time.perf_counter()
        audit.record(AuditEvent("负载测试", "agent", "bench.audit_write", f"第 {number} 次", (), "bench"))
        times.append(time.perf_counter() - started)
    return float(np.percentile(times, 50) * 1000)


def _prepare(data_dir: Path) -> tuple[Settings, str]:
    settings = Settings(data_dir=data_dir, llm={"backend": "extractive"})
    services = Services(settings)
    ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
    key = create_api_key(services.database, "agent", "负载测试")  # itself audited: one row before the load
    services.close()  # the index is the index process's from now on
    return settings, key


def run(
    clients: int = 50,
    seconds: float = 30.0,
    rate: float | None = None,
    cores: int = 2,
    workers: int | None = None,
) -> dict[str, Any]:
    """Closed loop with ``clients`` clients, or open loop at ``rate`` requests/s when given, against
    ``workers`` worker processes (default: one per core, as the README recommends)."""
    workers = workers or cores
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="govassist-load-") as work:
        settings, key = _prepare(Path(work) / "data")
        port = _free_port()
        service = _start_service(settings.data_dir, workers, port)
        try:
            driver = Driver(port, key, _roles(service, settings.data_dir / "index.sock"))
            driver.run(
                {"do": "closed", "clients": 4 * workers, "seconds": 3}
            )  # every worker loads its models
            costs = _single_request_costs(driver)
            database = build_database(settings)
            before = _rows(database)
            command = (
                {"do": "open", "rate": rate, "seconds": seconds}
                if rate
                else {"do": "closed", "clients": clients, "seconds": seconds}
            )
            report, server_cpu, wall = driver.run(command)
            driver.close()
        finally:
            service.terminate()
            service.wait(60)
        after = _rows(database)
        chain = AuditLog(database).verify(audit_checkpoint_key(settings))
        audit_write_ms = _audit_write_ms(database)
        database.close()
    measured = {
        "report": report,
        "costs": costs,
        "server_cpu": server_cpu,
        "wall": wall,
        "roles": driver.processes,
        "before": before,
        "after": after,
        "chain": chain,
        "audit_write_ms": audit_write_ms,
        "load": (load_before[0], os.getloadavg()[0]),
    }
    return _summary(measured, clients=clients, rate=rate, seconds=seconds, workers=workers, cores=cores)


def _summary(
    run: dict[str, Any], clients: int, rate: float | None, seconds: float, workers: int, cores: int
) -> dict[str, Any]:
    report, costs = run["report"], run["costs"]
    latencies: dict[str, list[float]] = report["latencies"]
    succeeded = {kind: len(values) for kind, values in latencies.items()}
    rows = [
        {
            "request": kind,
            "count": succeeded[kind],
            "per_s": succeeded[kind] / seconds,
            "p50_ms": float(np.percentile(values, 50) * 1000) if values else 0.0,
            "p95_ms": float(np.percentile(values, 95) * 1000) if values else 0.0,
        }
        for kind, values in latencies.items()
    ]
    server_ms = sum(cost["server"] for cost in costs.values()) / len(costs)  # the mix: one of each kind
    client_ms = sum(cost["client"] for cost in costs.values()) / len(costs)
    ideal, ideal_server = cores * 1000 / (server_ms + client_ms), cores * 1000 / server_ms
    total = sum(succeeded.values()) / seconds
    processes = [
        {"role": run["roles"][process], "pid": process.pid, "cpu_s": cpu, "cores_used": cpu / run["wall"]}
        for process, cpu in run["server_cpu"].items()
    ]
    return {
        "clients": clients,
        "rate": rate,
        "seconds": seconds,
        "workers": workers,
        "cores": cores,
        "load_average": {"start": run["load"][0], "end": run["load"][1]},
        "cpu_ms": costs,
        "ideal_per_s": ideal,
        "ideal_server_only_per_s": ideal_server,
        "per_s": total,
        "of_ideal": total / ideal,
        "of_ideal_server_only": total / ideal_server,
        "processes": processes,
        "client_cores_used": report["cpu_s"] / run["wall"],
        "errors": len(report["errors"]),
        "error_samples": report["errors"][:5],
        "rating_lost": succeeded["rating"] - (run["after"]["rating"] - run["before"]["rating"]),
        "audit_lost": sum(succeeded.values())
        + report["warmup"]
        - (run["after"]["audit"] - run["before"]["audit"]),
        "audit_write_idle_p50_ms": run["audit_write_ms"],
        "audit_chain_ok": run["chain"].ok,
        "audit_chain_problem": run["chain"].problem,
        "rows": rows,
    }
