"""The copilot's understanding of realistic calls with the shipped default models (trained from
the written 示例市 set on first use), a deployment's own training through the CLI, and the bench
on a sample of the shared data."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.hotline.duty_routing import Duty, default_duty_list, read_duty_list
from assistant.hotline.triage import CallTriage
from assistant.privacy import mask_personal_data
from assistant.wiring import build_embedder
from eval_sets import hotline_bench

pytestmark = pytest.mark.integration

NOISE = "喂，你好，我姓王，我住在示例市东城区幸福路88号锦绣花园，旁边工地每天晚上十二点还在打桩，吵得老人孩子都睡不着，希望你们赶紧管一管。我电话是13987654321。"


@pytest.fixture(scope="module")
def triage(tmp_path_factory):
    """The default models, and the 示例市 duty list matched lexically and by the real e5 model."""
    return CallTriage(tmp_path_factory.mktemp("models"), embedder=build_embedder(Settings(_env_file=None)))


def test_a_noise_complaint_goes_to_city_management_with_a_reason(triage):
    analysis = triage.analyse(NOISE)
    department = analysis.predictions["department"]
    assert analysis.predictions["request_type"].label == "投诉求助"
    assert department.label == "示例市城市管理综合执法局" and 0.4 < department.confidence <= 1
    assert {"工地", "打桩"} & set(department.reason)
    assert analysis.predictions["category"].label == "城市管理/噪声扰民"
    top = analysis.departments[
        0
    ]  # shown to the agent with the duty line it matched, one of that department's
    assert top.department == department.label
    assert Duty(top.department, top.duty) in read_duty_list(default_duty_list())


def test_the_phone_number_is_found_with_its_span_and_masked(triage):
    fields = {f.name: f for f in triage.analyse(NOISE).fields}
    phone = fields["callback_number"]
    assert NOISE[phone.start : phone.end] == "13987654321"
    assert "13987654321" not in mask_personal_data(NOISE) and "139****4321" in mask_personal_data(NOISE)
    assert fields["address"].value == "示例市东城区幸福路88号锦绣花园" and fields["caller_name"].value == "王"


@pytest.mark.parametrize(
    ("text", "request_type", "department"),
    [
        (
            "您好，我想问一下，灵活就业人员怎么交养老保险，每个月交多少钱？",
            "咨询",
            "示例市人力资源和社会保障局",
        ),
        ("建议在滨江路学校门口设置限时停车位，方便家长接送孩子。", "建言", "示例市公安局交通警察支队"),
        (
            "我们公司老板拖欠了我们三个月的工资，一直找借口不发，请帮帮我们。",
            "投诉求助",
            "示例市人力资源和社会保障局",
        ),
    ],
)
def test_realistic_calls_are_typed_and_routed(triage, text, request_type, department):
    predictions = triage.analyse(text).predictions
    assert predictions["request_type"].label == request_type
    assert predictions["department"].label == department


def test_danger_is_urgent_whatever_the_model_says(triage):
    urgency = triage.analyse("你好，我们楼道里燃气味特别大，好像是漏气了，家里还有老人。").urgency
    assert urgency.label == "紧急" and urgency.evidence


def test_cli_trains_a_deployment_model_that_classify_then_uses(tmp_path, monkeypatch):
    rows = [
        {"text": f"{street}的路灯坏了{n}天", "dept": "路灯所"}
        for n in range(6)
        for street in ("东街", "西街")
    ]
    rows += [
        {"text": f"{street}的垃圾{n}天没人清运", "dept": "环卫处"}
        for n in range(6)
        for street in ("东街", "西街")
    ]
    data = tmp_path / "history.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    monkeypatch.setenv("GOVASSIST_DATA_DIR", str(tmp_path / "data"))
    from assistant.config import get_settings
    from assistant.wiring import get_services

    get_settings.cache_clear()
    get_services.cache_clear()
    runner = CliRunner()
    try:
        trained = runner.invoke(
            app, ["hotline", "train", "--data", str(data), "--label", "dept", "--as", "department"]
        )
        assert trained.exit_code == 0, trained.output
        result = runner.invoke(app, ["hotline", "classify", "--json", "南街的路灯不亮了"])
        assert json.loads(result.output)["predictions"]["department"]["label"] == "路灯所"
        shown = runner.invoke(app, ["hotline", "classify", NOISE])
        assert "承办单位" in shown.output and "联系电话" in shown.output
    finally:
        get_settings.cache_clear()
        get_services.cache_clear()


def test_bench_runs_on_a_shared_data_sample(shared_data, tmp_path):
    lines = (
        (shared_data / "tipdm2020_smart_gov" / "messages_cls_dev.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(lines[:120]), encoding="utf-8")
    result = hotline_bench.run(sample, "label_l1")
    assert [row["classifier"] for row in result["rows"]] == ["govassist", "tfidf+lr baseline"]
    assert result["test_rows"] > 0 and all(0 <= row["accuracy"] <= 1 for row in result["rows"])


def test_bench_shows_per_class_figures_and_confusions_for_request_type(shared_data):
    messages = shared_data / "msgabench_gov" / "messages_cls_dev.jsonl"
    result = hotline_bench.run(messages, "label_type", size=200)
    classes = {row["class"] for row in result["class_rows"]}
    assert classes == {"咨询", "建言", "投诉/求助"}
    assert sum(row["rows"] for row in result["class_rows"]) == result["test_rows"]
    confusions = result["confusion_rows"]
    assert sum(row[label] for row in confusions for label in classes) == result["test_rows"]
    correct = sum(row[row["given"]] for row in confusions)
    assert correct / result["test_rows"] == pytest.approx(result["rows"][0]["accuracy"], abs=1e-4)
