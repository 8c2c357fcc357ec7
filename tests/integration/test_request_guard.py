"""The request guard against an attacker without a key, on the real app and its real database:
bodies are counted as they stream and stopped at the limit, a caller without the right key gets its
401/403 before a byte of an upload is read, bad upload names get a clear 400, unexpected failures
keep the JSON error shape, every page carries the security headers, and, under the real uvicorn
configuration of ``govassist serve``, X-Forwarded-For neither resets a rate limit nor does a key
reach the access log."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings
from assistant.retrieval.search import HybridSearcher
from tests.browser.harness import serving

pytestmark = pytest.mark.integration
CHUNK = 1000


def _settings(tmp_path, **api) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", llm={"backend": "extractive"}, api=api)


@pytest.fixture
def app(tmp_path):
    return create_app(_settings(tmp_path))


def _keys(app) -> dict[str, str]:
    database = app.state.services.database
    return {role: create_api_key(database, role, f"测试{role}") for role in ("agent", "admin")}


def _error(response) -> dict:
    error = response.json()["error"]
    assert set(error) == {"type", "message", "request_id"} and error["message"]
    assert response.headers["X-Request-ID"] == error["request_id"]
    return error


@dataclass
class ChunkedBody:
    """An ASGI client sending a 5 MB chunked body in 1 KB chunks, counting the chunks the app pulls."""

    chunks: int = 5000
    pulled: int = 0
    sent: list[Message] = field(default_factory=list)

    async def receive(self) -> Message:
        self.pulled += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": self.pulled < self.chunks}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    def status(self) -> int:
        return next(m["status"] for m in self.sent if m["type"] == "http.response.start")


def _post(app, path: str, headers: dict[str, str], content_type: str = "application/json") -> ChunkedBody:
    client = ChunkedBody()
    raw = [(b"content-type", content_type.encode()), (b"transfer-encoding", b"chunked")]
    raw += [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("203.0.113.7", 40000),
        "server": ("testserver", 80),
    }
    # A loop of its own, in a thread of its own: a browser test's Playwright may hold this thread's loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, client.receive, client.send)).result()
    return client


def test_a_chunked_public_body_is_stopped_at_the_limit_not_buffered(app):
    client = _post(app, "/v1/chat", {})
    assert client.status() == 413
    assert (
        client.pulled <= app.state.services.settings.api.max_body_kb + 1
    )  # 1 KB chunks: stopped just past 64 KB


def test_uploads_without_the_right_key_read_no_byte_of_the_body(app):
    keys = _keys(app)
    multipart = "multipart/form-data; boundary=x"
    cases = [
        ("/v1/admin/documents", {}, 401),
        ("/v1/admin/documents", {"Authorization": "Bearer gva_not-a-key"}, 401),
        ("/v1/admin/documents", {"Authorization": f"Bearer {keys['agent']}"}, 403),
        ("/v1/hotline/transcribe", {}, 401),
        ("/v1/policy-matching/enterprises/import", {}, 401),
        ("/v1/hotline/assist", {"Authorization": "Bearer gva_not-a-key"}, 401),
    ]
    for path, headers, status in cases:
        client = _post(app, path, headers, multipart)
        assert (client.status(), client.pulled) == (status, 0), path


def test_uploads_are_held_to_their_own_limits(tmp_path):
    settings = _settings(tmp_path)
    settings.policy_matching.max_import_mb = 0.1  # 100,000 bytes
    app = create_app(settings)
    auth = {"Authorization": f"Bearer {_keys(app)['agent']}"}
    with TestClient(app) as client:
        big = client.post(
            "/v1/policy-matching/enterprises/import", files={"file": ("e.csv", b"a" * 100_001)}, headers=auth
        )
        assert big.status_code == 413 and "上限 0.1 MB" in _error(big)["message"]
        huge = client.post(
            "/v1/policy-matching/enterprises/import", files={"file": ("e.csv", b"a" * 300_000)}, headers=auth
        )
        assert huge.status_code == 413 and "上限 0.1 MB" in _error(huge)["message"]  # stopped by the guard
        declared = client.post(
            "/v1/chat",
            content=b"{}",
            headers={"content-length": "10000000", "content-type": "application/json"},
        )
        assert declared.status_code == 413 and "64 KB" in _error(declared)["message"]


def test_bad_upload_names_and_oversized_csv_cells_get_a_clear_400(app, tmp_path):
    keys = _keys(app)
    admin, agent = ({"Authorization": f"Bearer {keys[role]}"} for role in ("admin", "agent"))
    text = "示例市图书馆周一闭馆，周二至周日九点开放。".encode()
    with TestClient(app) as client:
        for name in ("..", ".", "a/..", "名" * 90 + ".txt"):
            response = client.post(
                "/v1/admin/documents",
                files=[("files", ("好.txt", text)), ("files", (name, text))],
                headers=admin,
            )
            assert response.status_code == 400 and "文件名" in _error(response)["message"], name
        assert not any((app.state.services.settings.data_dir / "uploads").glob("*/*"))  # nothing half-stored
        assert client.get("/v1/admin/documents", headers=admin).json()["total"] == 0
        cell = "企业编号,企业名称\nE1," + "长" * 140_000 + "\n"
        response = client.post(
            "/v1/policy-matching/enterprises/import", files={"file": ("e.csv", cell.encode())}, headers=agent
        )
        assert response.status_code == 400 and "第 2 行" in _error(response)["message"]
        response = client.post(
            "/v1/policy-matching/enterprises/import", files={"file": ("..", b"x")}, headers=agent
        )
        assert response.status_code == 400 and "文件名" in _error(response)["message"]


def test_an_unexpected_failure_keeps_the_error_shape_and_hides_the_cause(app, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("/srv/secret/index is corrupt")

    monkeypatch.setattr(HybridSearcher, "search", broken)
    with caplog.at_level(logging.ERROR), TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/v1/search", json={"query": "居住证"})
    error = _error(response)
    assert response.status_code == 500 and error["type"] == "InternalError"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert error["request_id"] in caplog.text  # the server log can be matched to the caller's report


def test_pages_carry_the_security_headers_and_the_docs_are_off(app):
    with TestClient(app) as client:
        for path in ("/", "/agent", "/enterprise", "/static/agent.js", "/v1/suggestions"):
            headers = client.get(path).headers
            assert "frame-ancestors 'none'" in headers["content-security-policy"], path
            assert "unsafe-inline" not in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "no-referrer"
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404, path


def test_docs_can_be_turned_on(tmp_path):
    with TestClient(create_app(_settings(tmp_path, docs_enabled=True))) as client:
        docs = client.get("/docs")
        assert (
            docs.status_code == 200 and "content-security-policy" not in docs.headers
        )  # Swagger UI runs inline scripts
        upload = client.get("/openapi.json").json()["paths"]["/v1/admin/documents"]["post"]
        assert "multipart/form-data" in upload["requestBody"]["content"]


def test_the_live_call_takes_its_key_from_a_subprotocol_or_header_never_the_url(app):
    key = _keys(app)["agent"]
    with TestClient(app) as client:
        with client.websocket_connect(
            "/v1/hotline/live", subprotocols=["govassist", f"bearer.{key}"]
        ) as socket:
            assert socket.accepted_subprotocol == "govassist"
            socket.send_text("end")
            assert socket.receive_json() == {"type": "done"}
        with client.websocket_connect(
            "/v1/hotline/live", headers={"Authorization": f"Bearer {key}"}
        ) as socket:
            socket.send_text("end")
            assert socket.receive_json() == {"type": "done"}
        for url in (f"/v1/hotline/live?token={key}", "/v1/hotline/live"):
            with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(url) as socket:
                socket.receive_json()
            assert closed.value.code == 4401


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_under_uvicorn_forwarded_for_resets_no_limit_and_no_key_is_logged(tmp_path):
    settings = _settings(tmp_path, public_rate_per_minute=2)
    access, access_log = _Records(), logging.getLogger("uvicorn.access")
    feedback = {"answer_id": "a", "session_id": "s", "helpful": True}
    with serving(settings, "", log_level="info") as server:
        access_log.addHandler(access)  # after uvicorn configured its logging, which drops other handlers
        key = _keys(server.app)["agent"]
        try:
            with httpx.Client(base_url=server.url) as http:
                codes = [
                    http.post(
                        "/v1/feedback", json=feedback, headers={"X-Forwarded-For": f"198.51.100.{n}"}
                    ).status_code
                    for n in range(4)
                ]
                assert (
                    http.get(
                        f"/v1/agent/me?token={key}", headers={"Authorization": f"Bearer {key}"}
                    ).status_code
                    == 200
                )
        finally:
            access_log.removeHandler(access)
    # One client, whatever address it claims: two requests pass the limit (and find no such
    # conversation to rate: 404), the next two are limited.
    assert codes == [404, 404, 429, 429]
    assert access.lines and not any(key in line for line in access.lines)
    assert any(
        "/v1/agent/me?token=" in line for line in access.lines
    )  # the request was logged, its key redacted


def test_recording_limits_are_decimal_megabytes_in_the_check_and_the_message(tmp_path):
    settings = _settings(tmp_path)
    settings.asr.max_file_mb = 0.1  # 100,000 bytes; 0.1 MiB would be 104,857
    app = create_app(settings)
    auth = {"Authorization": f"Bearer {_keys(app)['agent']}"}
    with TestClient(app) as client:
        over = client.post(
            "/v1/hotline/transcribe", files={"file": ("call.wav", b"R" * 104_000)}, headers=auth
        )
        assert over.status_code == 413 and "上限 0.1 MB" in _error(over)["message"]
        under = client.post(
            "/v1/hotline/transcribe", files={"file": ("call.wav", b"R" * 99_000)}, headers=auth
        )
        assert (
            under.status_code == 400 and "MB" not in _error(under)["message"]
        )  # read, then refused as not audio
