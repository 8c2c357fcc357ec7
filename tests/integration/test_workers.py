"""`govassist serve --workers 2` for real: two worker processes and the index process they share,
on the demo knowledge base. Connections opened at once are spread over both workers; a document
deleted through one worker is gone for every worker, and so is the answer each of them had cached
from it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from assistant.api.security import create_api_key
from assistant.config import Settings
from assistant.wiring import Services
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB, PROJECT

pytestmark = pytest.mark.integration
QUESTION = "申领居住证需要提交哪些材料？"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(base_url: str, process: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the service exited"
        try:
            if httpx.get(f"{base_url}/v1/suggestions", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError("the workers did not start in time")


def _workers(service: subprocess.Popen, port: int) -> set[int]:
    """The pids of the service's children that listen on ``port``."""
    return {
        child.pid
        for child in psutil.Process(service.pid).children()
        if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in child.net_connections("tcp"))
    }


def _connections_per_worker(service: subprocess.Popen, port: int) -> list[int]:
    """How many established connections to ``port`` each worker (a child that listens on it) holds."""
    counts = []
    for child in psutil.Process(service.pid).children():
        ours = [c for c in child.net_connections(kind="tcp") if c.laddr and c.laddr.port == port]
        if any(c.status == psutil.CONN_LISTEN for c in ours):
            counts.append(sum(c.status == psutil.CONN_ESTABLISHED for c in ours))
    return counts


def test_two_workers_share_one_index_and_see_each_others_changes(tmp_path):
    data_dir = tmp_path / "data"
    settings = Settings(_env_file=None, data_dir=data_dir, llm={"backend": "extractive"})
    services = Services(settings)
    ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
    admin_key = create_api_key(services.database, "admin", "测试管理员")
    services.close()  # the index is the index process's from now on

    port = _free_port()
    environment = {**os.environ, "GOVASSIST_DATA_DIR": str(data_dir), "GOVASSIST_LLM__BACKEND": "extractive"}
    command = [
        sys.executable,
        "-c",
        "from assistant.cli import main; main()",
        "serve",
        "--workers",
        "2",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command, env=environment, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base_url, process)
        deadline = time.monotonic() + 240
        while len(_connections_per_worker(process, port)) < 2:  # the other worker is still starting
            assert process.poll() is None and time.monotonic() < deadline, "the second worker did not start"
            time.sleep(0.5)
        # Sixteen keep-alive clients connecting together: each worker gets some (a socket each).
        clients = [httpx.Client(base_url=base_url, timeout=60) for _ in range(16)]
        for client in clients:
            assert client.get("/v1/suggestions").status_code == 200
        spread = _connections_per_worker(process, port)
        for client in clients:
            client.close()
        assert len(spread) == 2 and min(spread) >= 2, spread
        # New connections each time: the kernel spreads them over both workers' accept queues.
        answers = [
            httpx.post(f"{base_url}/v1/chat", json={"question": QUESTION}, timeout=60).json()
            for _ in range(6)
        ]
        sources = {answer["citations"][0]["doc_id"] for answer in answers}
        assert all(answer["mode"] == "faq" for answer in answers) and len(sources) == 1
        deleted = httpx.delete(
            f"{base_url}/v1/admin/documents",
            params={"doc_id": sources.pop()},
            timeout=60,
            headers={"Authorization": f"Bearer {admin_key}"},
        )
        assert deleted.status_code == 200, deleted.text
        for _ in range(6):
            answer = httpx.post(f"{base_url}/v1/chat", json={"question": QUESTION}, timeout=60).json()
            assert answers[0]["citations"][0]["doc_id"] not in [c["doc_id"] for c in answer["citations"]]
            hits = httpx.post(f"{base_url}/v1/search", json={"query": "居住证 材料"}, timeout=60).json()[
                "hits"
            ]
            assert answers[0]["citations"][0]["doc_id"] not in [hit["doc_id"] for hit in hits]
        # A second service on the same port is refused (SO_REUSEPORT would let it take half the traffic).
        second = subprocess.run(command, env=environment, cwd=PROJECT, capture_output=True, timeout=120)
        assert second.returncode != 0 and "已有服务在监听" in (second.stdout + second.stderr).decode()
        # A worker that dies is replaced, and the service keeps answering.
        before = _workers(process, port)
        os.kill(min(before), signal.SIGKILL)
        deadline = time.monotonic() + 240
        while len(after := _workers(process, port)) < 2 or after == before:
            assert process.poll() is None and time.monotonic() < deadline, "the worker was not replaced"
            time.sleep(0.5)
        assert httpx.post(f"{base_url}/v1/search", json={"query": "居住证"}, timeout=60).status_code == 200
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors.decode()[-2000:]
    assert not (data_dir / "index.sock").exists()  # the index process was stopped with the service
