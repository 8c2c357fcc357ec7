"""Tried as a new user would: ingest the demo knowledge base and one 内部 document with the
command line, create a department's agent key, start the service, then ask the document's exact
title on the public chat (nothing of it appears) and as the agent (it is cited)."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.cli import app as cli_app
from assistant.config import get_settings
from assistant.wiring import get_services
from tests.conftest import DEMO_KB
from tests.serving import serve_in_thread

pytestmark = pytest.mark.integration

TITLE = "示例市居住证申领窗口内部办理口径"
SENTENCES = (
    "申请人缺少居住登记证明的，窗口先行收件并出具补正告知单，申请人在十个工作日内补交即可。",
    "遇系统故障时，窗口人员拨打内部值班电话0000-7731报修，该号码不对外公布。",
)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVASSIST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOVASSIST_LLM__BACKEND", "extractive")
    get_settings.cache_clear()
    get_services.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, [str(arg) for arg in args])
    get_settings.cache_clear()
    get_services.cache_clear()


def test_an_internal_document_reaches_agents_and_never_the_public_page(cli, tmp_path):
    document = tmp_path / "窗口口径.md"
    document.write_text(
        f"# {TITLE}\n\n## 一、材料不全\n\n{SENTENCES[0]}\n\n## 二、内部联络\n\n{SENTENCES[1]}\n",
        encoding="utf-8",
    )
    assert cli("ingest", DEMO_KB).exit_code == 0
    result = cli("ingest", document, "--sensitivity", "内部", "--department", "示例市公安局")
    assert result.exit_code == 0, result.output
    found = json.loads(cli("search", TITLE, "--json").output)["hits"][0][
        "metadata"
    ]  # the operator sees every level
    assert (found["title"], found["sensitivity"], found["owner_department"]) == (
        TITLE,
        "内部",
        "示例市公安局",
    )
    created = cli("keys", "create", "--role", "agent", "--name", "张三", "--department", "示例市人社局")
    assert created.exit_code == 0 and "示例市人社局" in created.output
    agent_key = created.output.strip().splitlines()[-1]
    assert "示例市人社局" in cli("keys", "list").output
    get_services().close()  # the service opens the knowledge base next, as `govassist serve` would

    app = create_app(get_settings())
    server, url = serve_in_thread(app)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            public = client.post("/v1/chat", json={"question": TITLE})
            assert public.status_code == 200
            shown = public.text
            assert TITLE not in shown and not any(sentence[:15] in shown for sentence in SENTENCES)
            assert not [c for c in public.json()["citations"] if c["title"] == TITLE]

            agent = client.post(
                "/v1/chat", json={"question": TITLE}, headers={"Authorization": f"Bearer {agent_key}"}
            )
            assert agent.status_code == 200
            assert TITLE in {citation["title"] for citation in agent.json()["citations"]}
    finally:
        server.should_exit = True


def test_the_command_line_reclassifies_a_document_and_refuses_unknown_levels_and_ids(cli, tmp_path):
    document = tmp_path / "窗口口径.md"
    document.write_text(f"# {TITLE}\n\n{SENTENCES[0]}\n", encoding="utf-8")
    assert cli("ingest", document).exit_code == 0

    def metadata() -> dict:
        return json.loads(cli("search", TITLE, "--json").output)["hits"][0]["metadata"]

    assert metadata()["sensitivity"] == "公开"  # the default level
    doc_id = json.loads(cli("search", TITLE, "--json").output)["hits"][0]["doc_id"]
    result = cli("kb", "classify", doc_id, "--sensitivity", "敏感", "--department", "示例市公安局")
    assert result.exit_code == 0 and "已将 1 篇文档设为敏感" in result.output
    assert (metadata()["sensitivity"], metadata()["owner_department"]) == ("敏感", "示例市公安局")
    assert not get_services().searcher.search(TITLE).hits  # the public's search no longer finds it

    refused = cli("kb", "classify", doc_id, "--sensitivity", "绝密")
    assert refused.exit_code != 0 and "公开、内部、敏感" in str(
        refused.exception
    )  # the entry point prints it as one line
    missing = cli("kb", "classify", "没有这篇", "--sensitivity", "内部")
    assert missing.exit_code != 0 and "没有这篇" in str(missing.exception)
