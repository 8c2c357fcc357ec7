"""``govassist hotline train|classify`` and ``govassist bench hotline``: the call classifiers.

The commands parse options and print in Chinese; the analysis is ``assistant.hotline.triage``'s,
the bench's figures ``eval_sets.hotline_bench``'s.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console

from assistant.hotline.tickets import FIELD_LABELS
from assistant.hotline.triage import TRAINABLE, CallTriage, Triage
from assistant.wiring import get_services

console = Console()
app = typer.Typer(help="12345 热线助手：分类模型训练与试用。", no_args_is_help=True)


def _triage() -> CallTriage:
    return get_services().call_triage


@app.command("train")
def train(
    data: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="带标签的历史工单 JSONL（text 或 question 字段）"
    ),
    label: str | None = typer.Option(
        None, help="标签字段；不给则训练文件中已有的 request_type / category / department / urgency"
    ),
    save_as: str | None = typer.Option(
        None, "--as", help=f"保存为哪个模型（{' / '.join(TRAINABLE)}），默认与标签字段同名"
    ),
) -> None:
    """用本单位的历史数据训练分类模型（保存在数据目录，之后自动使用）。"""
    triage = _triage()
    if save_as is not None and save_as not in TRAINABLE:
        raise typer.BadParameter(f"--as 只能是 {' / '.join(TRAINABLE)}")
    if label is None:
        trained = triage.train_all(data)
    else:
        name = save_as or label
        trained = {name: triage.train(data, label, name)}
    for name, classifier in trained.items():
        console.print(
            f"已训练“{FIELD_LABELS.get(name, name)}”模型：{len(classifier.labels)} 个类别，保存在 {triage.path(name)}",
            highlight=False,
        )


@app.command("classify")
def classify(
    text: str = typer.Argument(..., help="来电内容（转写文本）或群众留言"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """分析一段来电：诉求类型、分类、承办单位（含置信度、依据与所匹配的权责清单职责）、要素（含原文位置）、紧急程度与情绪。"""
    result = _triage().analyse(text)
    if as_json:
        typer.echo(json.dumps(asdict(result), ensure_ascii=False))
        return
    _print_analysis(result)


def _print_analysis(result: Triage) -> None:
    for label, prediction in result.predictions.items():
        reason = "、".join(prediction.reason) or "无"
        console.print(
            f"{FIELD_LABELS.get(label, label)}：{prediction.label}（置信度 {prediction.confidence:.2f}；依据：{reason}）",
            highlight=False,
        )
    for rank, suggestion in enumerate(result.departments, 1):
        duty = f"；职责：{suggestion.duty}" if suggestion.duty else ""
        console.print(
            f"  建议承办单位 {rank}：{suggestion.department}（{suggestion.confidence:.2f}{duty}）",
            highlight=False,
        )
    for field in result.fields:
        console.print(
            f"{FIELD_LABELS.get(field.name, field.name)}：{field.value}  [dim]（原文第 {field.start}–{field.end} 字）[/]",
            highlight=False,
        )
    urgency, mood = result.urgency, result.sentiment
    console.print(
        f"紧急程度：{urgency.label}{'（' + urgency.evidence + '）' if urgency.evidence else ''}　"
        f"情绪：{mood.label}{'（' + mood.evidence + '）' if mood.evidence else ''}",
        highlight=False,
    )


def bench_hotline(
    train: Path = typer.Option(..., exists=True, dir_okay=False, help="训练数据 JSONL"),
    label: str = typer.Option(..., help="标签字段"),
    test: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="测试数据 JSONL；不给则从训练数据分层留出 25%（固定种子）"
    ),
    levers: bool = typer.Option(
        False,
        "--levers",
        help="同时测各项设计选择（逻辑回归、无类别权重、诉求类型提示词、NB-SVM、组合、末句、字 1–4 元、置信学习、字袋神经网络、辅助标签叠加、e5 句向量）",
    ),
    embeddings: bool = typer.Option(
        True,
        "--embeddings/--no-embeddings",
        help="测 e5 句向量与权责清单的向量通道（首次较慢；向量缓存在向量缓存目录）",
    ),
    duty_list: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="权责清单 JSONL（承办单位标签）：测无历史数据与有历史数据两种路由的 top-1/top-3",
    ),
    taxonomy: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="分类体系 JSONL（分类标签）：测按分类路径描述路由（无历史）及与训练模型的组合",
    ),
    size: int | None = typer.Option(
        None, "--sample", min=10, help="只用训练文件中随机（固定种子）抽取的 N 条（句向量在 2 核上较慢时）"
    ),
    folds: int | None = typer.Option(
        None, "--folds", min=2, help="另在训练部分上做 K 折交叉验证（不看留出部分），用于比较各项设计选择"
    ),
    auxiliary: list[str] = typer.Option(
        [],
        "--auxiliary",
        help="与 --levers 同用：训练文件中的其他标签字段（如 label_sentiment），其概率作为特征叠加（只读训练行的标签）",
    ),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """分类基准：本项目的分类器与 TF-IDF（字 1–3 元）+ 逻辑回归基线的准确率和宏平均 F1；可选权责清单路由。"""
    from assistant.cli.bench import _print_rows
    from assistant.retrieval.embedding_cache import VectorStore
    from eval_sets import hotline_bench

    services = get_services()
    embedder = None
    if embeddings and (levers or duty_list is not None or taxonomy is not None):
        store = VectorStore(services.settings.embedding_cache() / "bench-queries.sqlite")
        embedder = hotline_bench.QueryCachedEmbedder(services.embedder, store)
    result = hotline_bench.run(
        train,
        label,
        test,
        levers=levers,
        embedder=embedder,
        duty_list=duty_list,
        size=size,
        taxonomy=taxonomy,
        folds=folds,
        auxiliary=auxiliary if levers else (),
    )
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    split = "测试文件" if test else "分层留出"
    _print_rows(
        f"分类基准：{train.name} · {label}（训练 {result['train_rows']} 条，{split} {result['test_rows']} 条，"
        f"{result['classes']} 类）",
        result["rows"],
    )
    if "class_rows" in result:
        _print_rows("本项目分类器在测试部分的各类精确率与召回率", result["class_rows"])
        _print_rows("混淆矩阵：行为标注类别，列为预测类别（测试部分条数）", result["confusion_rows"])
    if "label_issues_dropped" in result:
        console.print(
            f"置信学习：训练部分 {result['train_rows']} 条中判为标注问题并剔除 {result['label_issues_dropped']} 条",
            highlight=False,
        )
    if "consistency_rows" in result:
        _print_rows(
            "标注一致性：训练部分中相近留言（字 2–3 元 TF-IDF 余弦）标签不同的比例",
            result["consistency_rows"],
        )
    if "description_rows" in result:
        source = duty_list or taxonomy
        _print_rows(
            f"按描述路由（权责清单或分类体系）：{source.name if source else ''}", result["description_rows"]
        )
