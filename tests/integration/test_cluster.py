"""Several machines as one, tested as a whole: two `govassist serve` processes with their own data
dirs, configured by `deploy/cluster.env` (its addresses replaced by local stand-ins: PostgreSQL
from ``GOVASSIST_TEST_POSTGRES_URL``, the Qdrant REST stand-in of ``tests.stub_qdrant``, the
OpenAI-compatible stub of ``tests.stub_openai``). A document ingested through one is answered
with its citation by the other; a rating made on one is the other's follow-up item; a key made
once works on both; deleting the document through one removes it from both (the answers each
had cached included); both write one audit chain, which verifies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from dotenv import dotenv_values

from assistant.answering import grounding
from assistant.api.security import create_api_key
from assistant.config import Settings
from assistant.database import Base
from assistant.wiring import build_database
from tests.conftest import PROJECT
from tests.stub_openai import stub_server
from tests.stub_qdrant import stub_qdrant_server

pytestmark = pytest.mark.integration
CLUSTER_ENV = PROJECT / "deploy" / "cluster.env"
DOCUMENT = (
    "# 示例市老年人助餐服务补贴办法\n\n"
    "年满80周岁的示例市户籍老年人在社区长者食堂就餐，每人每餐补贴3元。"
    "申请人持居民身份证到户籍所在地社区居委会办理助餐登记。\n"
)
QUESTION = "示例市老年人在社区长者食堂就餐每餐补贴多少钱？"


def _restating_model(body: dict) -> tuple[int, list[str]]:
    """An LLM server that restates its first evidence sentence, citing it."""
    evidence = body["messages"][1]["content"].split("[1] ", 1)[1].split("\n", 1)[0]
    return 200, [grounding.split_sentences(evidence)[0].rstrip("。；;") + "[1]。"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cluster_environment(postgres_url: str, qdrant_url: str, llm_url: str) -> dict[str, str]:
    """`deploy/cluster.env` with its addresses and secrets replaced by the local stand-ins'."""
    configured = {name: value or "" for name, value in dotenv_values(CLUSTER_ENV).items()}
    local = {
        "GOVASSIST_QDRANT__URL": qdrant_url,
        "GOVASSIST_QDRANT__API_KEY": "cluster-test-key",
        "GOVASSIST_DATABASE__URL": postgres_url,
        "GOVASSIST_LLM__BASE_URL": llm_url,
        "GOVASSIST_LLM__API_KEY": "stub",
        "GOVASSIST_AUDIT__CHECKPOINT_KEY": "cluster-test-checkpoint-key",
    }
    assert set(local) <= set(configured), "deploy/cluster.env names every address the test replaces"
    return {**configured, **local}


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("GOVASSIST_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("GOVASSIST_TEST_POSTGRES_URL is not set: several machines need PostgreSQL")
    return url


def _wait_until_serving(base_url: str, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "a service exited"
        try:
            if httpx.get(f"{base_url}/v1/suggestions", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError("a service did not start in time")


@pytest.fixture
def machines(tmp_path: Path, postgres_url: str) -> Iterator[tuple[list[httpx.Client], list[dict]]]:
    """Two services (one worker each, to spare the two test cores) and the LLM stub's requests."""
    with ExitStack() as stack:
        qdrant_url = stack.enter_context(stub_qdrant_server(api_key="cluster-test-key"))
        llm_url, llm_requests = stack.enter_context(stub_server(_restating_model))
        environment = cluster_environment(postgres_url, qdrant_url, llm_url)
        settings = Settings(_env_file=None, data_dir=tmp_path / "setup", database={"url": postgres_url})
        database = build_database(settings)
        Base.metadata.drop_all(database.engine)  # a clean schema for the test
        database.close()
        processes = []
        for name in ("a", "b"):
            port = _free_port()
            command = [sys.executable, "-c", "from assistant.cli import main; main()", "serve"]
            process = subprocess.Popen(
                [*command, "--workers", "1", "--port", str(port)],
                env={**os.environ, **environment, "GOVASSIST_DATA_DIR": str(tmp_path / name)},
                cwd=PROJECT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            processes.append((process, f"http://127.0.0.1:{port}"))
        try:
            for process, base_url in processes:
                _wait_until_serving(base_url, process)
            clients = [
                stack.enter_context(httpx.Client(base_url=base_url, timeout=60)) for _, base_url in processes
            ]
            yield clients, llm_requests
        finally:
            for process, _ in processes:
                process.terminate()
            for process, _ in processes:
                _, errors = process.communicate(timeout=60)
                # One worker is uvicorn itself, which ends by re-raising the SIGTERM it handled.
                assert process.returncode in (0, -signal.SIGTERM), errors.decode()[-2000:]
                assert b"Application shutdown complete" in errors


def _admin_key(postgres_url: str, tmp_path: Path) -> dict[str, str]:
    """A key made once, in the shared database (as `govassist keys create` on any machine)."""
    database = build_database(
        Settings(_env_file=None, data_dir=tmp_path / "keys", database={"url": postgres_url})
    )
    key = create_api_key(database, "admin", "集群测试管理员")
    database.close()
    return {"Authorization": f"Bearer {key}"}


def _cites(reply: dict, doc_id: str) -> bool:
    return doc_id in [citation["doc_id"] for citation in reply["citations"]]


def test_two_machines_share_one_knowledge_base_database_and_audit_chain(machines, postgres_url, tmp_path):
    (first, second), llm_requests = machines
    admin = _admin_key(postgres_url, tmp_path)

    uploaded = first.post(
        "/v1/admin/documents",
        files=[("files", ("助餐补贴办法.md", DOCUMENT.encode(), "text/markdown"))],
        headers=admin,
    )
    assert uploaded.status_code == 200 and uploaded.json()["failed"] == 0, uploaded.text
    listed = second.get("/v1/admin/documents", headers=admin).json()["documents"]
    doc_id = next(d["doc_id"] for d in listed if d["title"] == "示例市老年人助餐服务补贴办法")

    answers = [machine.post("/v1/chat", json={"question": QUESTION}).json() for machine in (second, first)]
    for answer in answers:
        assert answer["status"] == "answered" and answer["generated"] and _cites(answer, doc_id), answer
        assert "3元" in answer["answer"]
    assert llm_requests, "the answers were written by the OpenAI-compatible server"
    repeated = [machine.post("/v1/chat", json={"question": QUESTION}).json() for machine in (second, first)]
    assert all(_cites(answer, doc_id) for answer in repeated)  # now in each machine's answer cache

    rating = {
        "answer_id": answers[0]["answer_id"],
        "session_id": answers[0]["session_id"],
        "level": "非常不满意",
    }
    assert first.post("/v1/ratings", json=rating).status_code == 201  # the answer was given by the other
    items = second.get("/v1/admin/follow-ups", headers=admin).json()["items"]
    assert [item["rating"]["answer_id"] for item in items] == [answers[0]["answer_id"]]
    sources = [source for turn in items[0]["conversation"] for source in turn["sources"]]
    assert {"doc_id": doc_id, "title": "示例市老年人助餐服务补贴办法"} in sources

    deleted = second.delete("/v1/admin/documents", params={"doc_id": doc_id}, headers=admin)
    assert deleted.json()["removed"] == [doc_id], deleted.text
    for machine in (first, second):
        assert not _cites(machine.post("/v1/chat", json={"question": QUESTION}).json(), doc_id)
        hits = machine.post("/v1/search", json={"query": "老年人助餐补贴"}).json()["hits"]
        assert doc_id not in [hit["doc_id"] for hit in hits]

    verified = first.get("/v1/admin/audit/verify", headers=admin).json()
    assert verified["ok"] and verified["rows"] >= 4, verified  # upload (a), delete (b), chats of both
