"""``govassist hotline train|classify`` and ``govassist bench hotline``: the call classifiers."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from assistant.hotline.triage import CallTriage
from assistant.wiring import get_services

console = Console()
app = typer.Typer(help="12345 热线助手：分类模型训练与试用。", no_args_is_help=True)
LABEL_NAMES = {"request_type": "诉求类型", "category": "分类", "department": "承办单位"}
FIELD_NAMES = {"caller_name": "来电人", "callback_number": "联系电话", "address": "地址", "event_time": "事发时间", "request": "诉求"}


@app.command("train")
def train(
    data: Path = typer.Option(..., exists=True, dir_okay=False, help="带标签的历史工单 JSONL（text 或 question 字段）"),
    label: str = typer.Option(..., help="标签字段，如 request_type / category / department"),
) -> None:
    """用本单位的历史数据训练分类模型（保存在数据目录，之后自动使用）。"""
    triage = CallTriage(get_services().settings.model_cache())
    classifier = triage.train(data, label)
    console.print(f"已训练“{label}”分类模型：{len(classifier.labels)} 个类别，保存在 {triage.path(label)}")


@app.command("classify")
def classify(text: str = typer.Argument(..., help="来电内容（转写文本）")) -> None:
    """分析一段来电：诉求类型、分类、承办单位（含置信度与依据）、要素、紧急程度。"""
    result = CallTriage(get_services().settings.model_cache()).analyse(text)
    for label, prediction in result["predictions"].items():  # type: ignore[attr-defined]
        console.print(f"{LABEL_NAMES.get(label, label)}：{prediction['label']}（置信度 {prediction['confidence']:.2f}；依据：{'、'.join(prediction['reason'])}）")
    for field in result["fields"]:  # type: ignore[attr-defined]
        console.print(f"{FIELD_NAMES.get(field['name'], field['name'])}：{field['value']}  [dim]（原文第 {field['start']}–{field['end']} 字）[/]")
    console.print(f"紧急程度：{result['urgency']['label']}　情绪：{result['sentiment']['label']}")  # type: ignore[index]


def bench_hotline(
    train: Path = typer.Option(..., exists=True, dir_okay=False, help="训练数据 JSONL"),
    label: str = typer.Option(..., help="标签字段"),
    test: Path | None = typer.Option(None, exists=True, dir_okay=False, help="测试数据 JSONL；不给则从训练数据留出 25%"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """分类基准：本项目的分类器与 TF-IDF + 逻辑回归基线的准确率和宏平均 F1。"""
    from assistant.cli.bench import _print_rows
    from eval_sets import hotline_bench

    result = hotline_bench.run(train, label, test)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows(f"分类基准：{train.name} · {label}（训练 {result['train_rows']} 条，测试 {result['test_rows']} 条，{result['classes']} 类）", result["rows"])
