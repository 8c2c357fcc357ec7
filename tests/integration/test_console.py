"""The staff console's actions against a real running service (over HTTP, as the console works)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB
from tests.serving import serve_in_thread

pytestmark = pytest.mark.integration
gradio = pytest.importorskip("gradio")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from ui.console import ApiClient

    settings = Settings(
        _env_file=None, data_dir=tmp_path_factory.mktemp("console"), llm={"backend": "extractive"}
    )
    app = create_app(settings)
    services = app.state.services
    ingest_paths([DEMO_KB / "guides"], services.knowledge_base, settings.ingest)
    key = create_api_key(services.database, "admin", "控制台")
    server, url = serve_in_thread(app)
    client = ApiClient(url, key)
    client.services = services  # the test's handle on the same database, to seed policy data
    yield client
    server.should_exit = True


def test_inspector_shows_answer_chunks_scores_and_evidence(api):
    from ui.console import inspect

    answer, hits, candidates, judgement, details, prompt = inspect(api, "办理居住证需要哪些材料？", [], False)
    assert "居住证" in answer and "[1]" in answer
    assert "可答概率" in candidates.columns and candidates["可答概率"].is_monotonic_decreasing
    assert "可答阈值" in judgement and "居住证" in judgement  # the threshold and the question's concepts
    assert list(hits.columns[:5]) == ["排名", "标题", "类型", "章节", "BM25(词)"]
    assert len(hits) >= 3 and hits["融合"].is_monotonic_decreasing
    assert "过滤条件：类型：全部；" in details and "包括已失效：否" in details and "[1]" in details
    assert "未调用大模型" in prompt  # extractive mode


def test_upload_reports_each_file_and_browse_lists_documents(api, tmp_path):
    from ui.console import browse, upload

    good, empty = tmp_path / "通知.txt", tmp_path / "空.txt"
    good.write_text("示例市政务大厅周六上午开放。", encoding="utf-8")
    empty.write_bytes(b"")
    report = upload(api, [str(good), str(empty)])
    assert dict(zip(report["文件"], report["结果"], strict=True)) == {"通知.txt": "added", "空.txt": "failed"}
    documents = browse(api, "all")
    assert "通知.txt" in set(documents["来源"]) and len(documents) == 11
    assert set(documents["密级"]) == {"公开"}  # the default level


def test_documents_are_uploaded_at_a_level_shown_and_reclassified(api, tmp_path):
    from ui.console import browse, classify, upload

    rules = tmp_path / "窗口内部口径.txt"
    rules.write_text("示例市窗口内部口径：材料不全时先收件后补正，不得让群众往返跑。", encoding="utf-8")
    upload(api, [str(rules)], "内部")
    documents = browse(api, "all")
    row = documents[documents["来源"] == "窗口内部口径.txt"].iloc[0]
    assert row["密级"] == "内部" and bool(row["可管理"])
    assert "1 篇" in classify(api, row["文档 ID"], "敏感")
    documents = browse(api, "all")
    assert documents[documents["来源"] == "窗口内部口径.txt"].iloc[0]["密级"] == "敏感"
    with pytest.raises(gradio.Error, match="文档 ID"):
        classify(api, " ", "公开")


def test_bad_requests_become_clear_console_errors(api):
    from ui.console import inspect

    with pytest.raises(gradio.Error, match="请输入问题"):
        inspect(api, " ", [], False)


def test_evaluation_returns_a_table_and_chart_data(api):
    from ui.console import evaluate

    table, chart = evaluate(api)
    assert {"政策文件", "办事指南", "常见问题", "无依据问题", "超出服务范围"} <= set(table["问题类型"])
    assert (
        set(chart["指标"]) <= {"前5命中率", "作答率", "要点齐全率", "拒答率"}
        and chart["数值"].between(0, 1).all()
    )


def test_a_recorded_call_runs_through_the_copilot(api, shared_data):
    from ui.console import run_call

    transcript, reply, knowledge, draft = run_call(
        api, str(shared_data / "asr_zh" / "real" / "funasr_asr_example.wav")
    )
    assert "识别模型" in transcript and reply and list(knowledge.columns)[:2] == ["标题", "类型"]
    department = draft.set_index("字段").loc["承办单位"]
    assert department["内容"] and department["依据"].startswith("置信度")


def test_policy_items_are_reviewed_and_matched_to_enterprises(api, tmp_path):
    from assistant.policy_matching.service import PolicyMatching
    from tests.conftest import PROJECT
    from ui.console import policy_item, policy_items, review_item

    services = api.services
    matching = PolicyMatching(services.database, services.settings.policy_matching)
    matching.extract([PROJECT / "eval_sets" / "policy_matching" / "policies"])
    matching.import_profiles(PROJECT / "eval_sets" / "policy_matching" / "enterprises.csv")
    item_id = policy_items(api).choices[0][1]
    conditions, enterprises, summary = policy_item(api, item_id, "2025-06-30")
    assert len(conditions) >= 1 and set(conditions.columns) == {"条件类型", "比较方式", "取值", "原文依据"}
    assert "适用企业" in summary and list(enterprises.columns)[:2] == ["企业编号", "企业名称"]
    message = review_item(api, item_id, conditions.iloc[:1])
    assert "已保存 1 个条件" in message
    assert len(policy_item(api, item_id, "2025-06-30")[0]) == 1


def test_ratings_tab_shows_trends_overdue_items_and_handles_and_exports_them(api):
    from datetime import date

    from assistant.answering.conversations import ConversationStore, Turn
    from assistant.ratings import RatingInput, RatingStore
    from ui.ratings import export_csv, item_detail, overview, update

    services = api.services
    conversations = ConversationStore(services.database)
    session_id = conversations.ensure(None)
    for _ in range(2):  # two answers, two ratings
        conversations.append(
            session_id,
            Turn("居住证怎么签注？", "居住证怎么签注？", "每年签注一次[1]", "answered"),
            ["guide-juzhuzheng"],
        )
    store = RatingStore(services.database, services.settings.ratings)
    store.record(RatingInput("a", session_id, "满意"))
    late = store.record(
        RatingInput("b", session_id, "非常不满意", ("答非所问",), "没说在哪签注"), today=date(2026, 1, 5)
    )
    trends, overdue, items, summary, choice = overview(api)
    assert set(trends.columns) == {"日期", "评价等级", "评价数"} and trends["评价数"].sum() >= 2
    assert list(overdue["事项"]) == [f"#{late.follow_up_id}"] and overdue["超期天数"].iloc[0] > 0
    assert "已超期 1 件" in summary and list(items.columns[:3]) == ["编号", "状态", "评价等级"]
    assert choice.choices[0][1] == late.follow_up_id
    detail = item_detail(api, late.follow_up_id)
    assert "没说在哪签注" in detail and "居住证怎么签注？" in detail and "guide-juzhuzheng" in detail
    assert "已整改" in update(api, late.follow_up_id, "市公安局", "已在答复中补充签注地点")
    assert overview(api)[1].empty  # resolved: no longer overdue
    with pytest.raises(gradio.Error, match="请填写责任人或整改情况"):
        update(api, late.follow_up_id, " ", "")
    exported = Path(export_csv(api)).read_text(encoding="utf-8")
    assert (
        exported.lstrip("\ufeff").startswith("评价编号,评价时间,评价渠道")
        and "已在答复中补充签注地点" in exported
    )


def test_hot_issues_show_each_group_with_its_size_trend_and_examples(api):
    from ui.console import hot_issues

    for number in range(4):
        fields = {
            "address": "北岸区阳光花园",
            "category": "城乡建设/市政设施",
            "service_item": f"阳光花园门口{number + 1}号路灯不亮了",
        }
        api.call("POST", "/v1/hotline/tickets", json={"fields": fields})
    table, examples = hot_issues(api, 24, 3)
    assert (
        table.iloc[0]["地点"] == "北岸区阳光花园"
        and table.iloc[0]["问题"] == "路灯不亮"
        and table.iloc[0]["工单数"] == 4
        and table.iloc[0]["趋势"] in ("上升", "持平", "回落")
    )
    assert "为何同组：问题同为「路灯不亮」（分类「城乡建设/市政设施」）" in examples
    assert "没有" in hot_issues(api, 24, 50)[1]  # no group that big: said, not an empty table alone
