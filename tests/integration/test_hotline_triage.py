"""The call classifiers, trained for real: the shipped default, a deployment's own training, and
the bench against the TF-IDF baseline on a sample of the shared data."""

from __future__ import annotations

import json

import pytest

from assistant.hotline.triage import CallTriage
from eval_sets import hotline_bench

pytestmark = pytest.mark.integration


def test_default_models_route_a_noise_complaint_with_a_reason(tmp_path):
    analysis = CallTriage(tmp_path).analyse(
        "你好，我姓李，楼下工地每天晚上十一点还在施工，吵得孩子睡不着，希望你们尽快处理。"
    )
    predictions = analysis.predictions
    assert predictions["request_type"].label == "投诉求助"
    assert predictions["department"].label == "示例市城市管理综合执法局"
    assert predictions["department"].reason and 0 < predictions["department"].confidence <= 1


def test_a_deployment_trains_its_own_model_and_it_is_used(tmp_path):
    rows = [
        {"text": f"{place}的路灯坏了{n}天", "department": "路灯所"}
        for n in range(5)
        for place in ("东街", "西街")
    ]
    rows += [
        {"text": f"{place}的垃圾{n}天没人清运", "department": "环卫处"}
        for n in range(5)
        for place in ("东街", "西街")
    ]
    data = tmp_path / "history.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    triage = CallTriage(tmp_path / "models")
    triage.train(data, "department")
    assert triage.path("department").exists()
    reloaded = CallTriage(tmp_path / "models").classifier("department")
    assert reloaded.labels == ["环卫处", "路灯所"] and reloaded.predict(["南街路灯坏了"]) == ["路灯所"]


def test_bench_compares_with_the_baseline(shared_data, tmp_path):
    lines = (shared_data / "msgabench_gov" / "routing_dev.jsonl").read_text(encoding="utf-8").splitlines()
    sample = tmp_path / "routing.jsonl"
    sample.write_text("\n".join(lines), encoding="utf-8")
    result = hotline_bench.run(sample, "department")
    assert [row["classifier"] for row in result["rows"]] == ["govassist", "tfidf+lr baseline"]
    assert all(0 <= row["accuracy"] <= 1 and 0 <= row["macro_f1"] <= 1 for row in result["rows"])


def test_a_deployment_with_its_own_duty_list_and_no_history_routes_by_it(tmp_path):
    duties = [
        {"department": "北岸区供水公司", "duty": "负责北岸区的城市供水，处理停水、水压低和水质问题"},
        {"department": "北岸区环卫所", "duty": "负责北岸区道路清扫和生活垃圾清运"},
        {"department": "北岸区市场所", "duty": "处理商品质量和价格欺诈等消费投诉"},
    ]
    path = tmp_path / "duties.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in duties), encoding="utf-8")
    analysis = CallTriage(tmp_path / "models", duty_list=path).analyse(
        "我家从早上开始停水，到现在还没来水，请帮忙问问。"
    )
    assert analysis.departments[0].department == "北岸区供水公司"
    assert analysis.predictions["department"].label == "北岸区供水公司"
    assert "停水" in analysis.departments[0].duty and "停水" in analysis.predictions["department"].reason
    assert {s.department for s in analysis.departments} <= {
        row["department"] for row in duties
    }  # no 示例市 department


def test_bench_measures_the_duty_list_with_and_without_history(shared_data, tmp_path):
    from pathlib import Path

    duty_list = Path(hotline_bench.__file__).parent / "hotline" / "duty_list_beijing.jsonl"
    result = hotline_bench.run(
        shared_data / "msgabench_gov" / "routing_dev.jsonl", "department", duty_list=duty_list
    )
    routers = {row["router"]: row for row in result["description_rows"]}
    assert set(routers) == {
        "duty list, no history (lexical only), every row",
        "duty list, no history, held-out rows",
        "trained on history",
        "trained on history + duty list",
    }  # no embedder: no dense levers
    assert all(0 <= row["top1"] <= row["top3"] <= 1 for row in routers.values())
    assert (
        routers["duty list, no history (lexical only), every row"]["rows"]
        > routers["trained on history"]["rows"]
    )
