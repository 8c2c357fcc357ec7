"""Hot issues over HTTP: tickets confirmed by agents come back grouped, with masked examples;
only agents may list them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings

pytestmark = pytest.mark.integration

WATER = "城乡建设/供水供气"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    settings = Settings(
        _env_file=None, data_dir=tmp_path_factory.mktemp("hot-issues"), llm={"backend": "extractive"}
    )
    app = create_app(settings)
    key = create_api_key(app.state.services.database, "agent", "坐席王")
    with TestClient(app) as client:
        yield client, {"Authorization": f"Bearer {key}"}


def _confirm(client, headers, address: str, category: str, request: str, name: str = "") -> None:
    fields = {
        "caller_name": name,
        "callback_number": "13812345678",
        "address": address,
        "category": category,
        "service_item": request,
        "request": "希望尽快处理",
    }
    assert client.post("/v1/hotline/tickets", json={"fields": fields}, headers=headers).status_code == 201


def test_tickets_about_one_problem_at_one_place_are_one_hot_issue(env):
    client, headers = env
    for number in range(6):
        address = "东城区幸福小区3号楼" if number % 2 else "示例市东城区幸福小区"
        _confirm(client, headers, address, WATER, f"{number + 1}号楼从早上开始停水了", name="张伟")
    _confirm(client, headers, "东城幸福小区", WATER, "家里停水了")  # the district shortened and glued on
    _confirm(client, headers, "西城区幸福小区", WATER, "小区停水了")  # another district: not the same issue
    _confirm(client, headers, "东城区幸福小区", "城市管理/噪声扰民", "工地半夜施工太吵")
    reply = client.get("/v1/hotline/hot-issues", params={"min_size": 3}, headers=headers)
    assert reply.status_code == 200
    issues = reply.json()["issues"]
    assert len(issues) == 1
    issue = issues[0]
    assert (issue["size"], issue["place"], issue["problem"], issue["category"]) == (
        7,
        "东城区幸福小区",
        "停水",
        WATER,
    )
    assert sum(issue["hourly"]) == 7 and issue["trend"] == "上升"
    assert "东城幸福小区" in issue["named_as"] and "分钟" in issue["why"] and "说法不同" in issue["why"]
    shown = str(issue["examples"])
    assert "停水" in shown and "3号楼" not in issue["place"]
    assert (
        "13812345678" not in reply.text and "张伟" not in reply.text
    )  # no caller's details in a list every agent sees


def test_hot_issues_need_an_agent_and_sane_parameters(env):
    client, headers = env
    assert client.get("/v1/hotline/hot-issues").status_code == 401
    bad = client.get("/v1/hotline/hot-issues", params={"hours": 0}, headers=headers)
    assert bad.status_code == 422 and "error" in bad.json()
