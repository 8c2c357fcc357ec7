"""The ``govassist`` command as an operator uses it: reports, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import get_settings
from assistant.wiring import get_services

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVASSIST_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    get_services.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, [str(arg) for arg in args])
    get_services().close()
    get_settings.cache_clear()
    get_services.cache_clear()


def test_ingest_search_list_and_delete(cli, demo_copy, tmp_path):
    (demo_copy / "坏文件.pdf").write_bytes(b"%PDF-1.4 broken")
    result = cli("ingest", demo_copy)
    assert result.exit_code == 2, result.output  # a file failed; the others are in
    assert "坏文件.pdf" in result.output and "失败" in result.output
    assert "新增" in result.output

    result = cli("search", "办理居住证需要哪些材料？", "--kind", "guide", "--top-k", "3")
    assert result.exit_code == 0, result.output
    assert "居住证申领办事指南" in result.output and "得分" in result.output

    result = cli("search", "居住证", "--json", "--kind", "policy")
    hits = json.loads(result.output)["hits"]
    assert hits and all(hit["metadata"]["kind"] == "policy" for hit in hits)
    assert any(hit["heading_path"] for hit in hits)

    result = cli("kb", "stats")
    assert result.exit_code == 0 and "文档" in result.output

    doc_id = hits[0]["doc_id"]
    result = cli("kb", "delete", doc_id)
    assert result.exit_code == 0 and "已删除 1 篇" in result.output
    result = cli("search", "居住证", "--json", "--kind", "policy")
    assert doc_id not in {hit["doc_id"] for hit in json.loads(result.output)["hits"]}


def test_reingest_reports_unchanged(cli, demo_copy):
    assert cli("ingest", demo_copy).exit_code == 0
    result = cli("ingest", demo_copy)
    assert result.exit_code == 0
    assert "新增 0 个" in result.output and "未变" in result.output


def test_bad_arguments_give_one_clear_line(cli):
    result = cli("search", "居住证", "--kind", "novel")
    assert result.exit_code != 0
    assert "policy" in str(result.exception) or "policy" in result.output


def test_sidecar_and_options_set_metadata(cli, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    notice = folder / "通知.txt"
    notice.write_text("关于调整办事大厅开放时间的通知\n自2025年1月1日起，周六上午开放。", encoding="utf-8")
    Path(str(notice) + ".meta.json").write_text(
        json.dumps({"document_number": "示府办发〔2025〕1号"}), encoding="utf-8"
    )
    assert cli("ingest", folder, "--region", "示例市", "--kind", "guide").exit_code == 0
    hit = json.loads(cli("search", "办事大厅周六开放", "--json").output)["hits"][0]
    assert hit["metadata"]["document_number"] == "示府办发〔2025〕1号"
    assert hit["metadata"]["region"] == "示例市" and hit["metadata"]["kind"] == "guide"
