"""``govassist bench ...``: benchmark commands that print a table, or one JSON object with --json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="基准测试：在真实数据上测量质量与速度。", no_args_is_help=True)
console = Console(width=200)


def _print_rows(title: str, rows: list[dict[str, Any]]) -> None:
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column, justify="left" if column == "system" else "right")
    for row in rows:
        table.add_row(
            *("-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values())
        )
    console.print(table)


@app.command("retrieval")
def retrieval(
    docs: Path = typer.Option(..., exists=True, dir_okay=False, help="文档 JSONL（id、title、text）"),
    questions: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="问题 JSONL（question 与 source_doc_id 或 answer）"
    ),
    kind: str = typer.Option("policy", help="文档类型：policy / faq / guide"),
    limit: int | None = typer.Option(None, help="只用前 N 个问题"),
    llama_index: bool = typer.Option(True, help="同时测 llama-index 默认 VectorStoreIndex 基线"),
    scale_to: int = typer.Option(0, help="再把索引扩充到 N 个分段（合成填充）测大规模查询延迟，0 为不测"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """检索质量（hit@1/5/10、MRR@10）与查询延迟：混合检索、BM25、向量、llama-index 基线。"""
    from eval_sets import retrieval as bench

    result = bench.run(
        docs, questions, kind=kind, limit=limit, with_llama_index=llama_index, scale_to=scale_to
    )
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows(f"检索基准：{docs.parent.name}（{result['questions']} 个问题）", result["rows"])
    console.print(
        f"文档 {result['documents']} 篇，分段 {result['chunks']} 个，导入用时 {result['ingest_s']} 秒，失败文件 {result['failed_files']} 个"
    )


@app.command("answers")
def answers(
    docs: Path = typer.Option(..., exists=True, dir_okay=False, help="文档 JSONL（id、title、text）"),
    questions: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="问题 JSONL（question、answer、source_doc_id）"
    ),
    kind: str = typer.Option("policy", help="文档类型：policy / faq / guide"),
    limit: int | None = typer.Option(None, help="只用前 N 个问题"),
    llm_limit: int = typer.Option(40, help="本地大模型模式只测前 N 个问题（CPU 上每题数秒），0 为不测"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """问答质量：原文召回、字符 F1、来源引用率、拒答准确率、回答率、无依据句比例、延迟与首字时间。"""
    from eval_sets import answers as bench

    result = bench.run(docs, questions, kind=kind, limit=limit, llm_limit=llm_limit)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows(f"问答基准：{docs.parent.name}（索引一半文档，另一半的问题应拒答）", result["rows"])
    console.print(
        f"来源文档与已索引文档近似重复（字二元组 Jaccard ≥ 0.5）、不计为应拒答的问题：{result['dropped_near_duplicates']} 个"
    )


@app.command("lists")
def lists(
    llm_limit: int = typer.Option(5, help="本地大模型模式只测前 N 个问题，0 为不测"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """清单类问题（材料、条件、流程）：回答是否逐条列全、无依据句比例、首字时间（示例知识库，不优先官方问答）。"""
    from eval_sets import lists as bench

    result = bench.run(llm_limit=llm_limit)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows("清单类问题的完整性（示例知识库）", result["rows"])


@app.command("refusal")
def refusal(
    split: str | None = typer.Option(None, help="只测一半：dev（拟合用）或 test（未见过）"),
    failures: bool = typer.Option(False, help="列出答错的问题"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """拒答题库：应答题的误拒率、应拒题的误答率（按组），以及应答题是否引用了正确来源。"""
    from eval_sets.refusal import bench

    result = bench.run(split)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows(
        "拒答题库（示例知识库）：false_answer = 应拒答却作答，false_refusal = 应作答却拒答", result["rows"]
    )
    console.print(f"每题用时 p50 {result['p50_ms']:.0f} 毫秒")
    if failures:
        for failure in result["failures"]:
            console.print(f"  {failure['id']} {failure['question']} → {failure['status']} {failure['cited']}")


@app.command("load")
def load(
    clients: int = typer.Option(50, min=1, max=200, help="并发客户端数（闭环）"),
    seconds: float = typer.Option(30.0, min=1, max=600, help="持续秒数"),
    rate: float | None = typer.Option(
        None, min=1, max=500, help="开环：每秒固定发出的请求数（不论响应快慢）；不设为闭环"
    ),
    cores: int = typer.Option(2, min=1, max=256, help="按多少个 CPU 核计算理想吞吐量"),
    workers: int | None = typer.Option(
        None, min=1, max=64, help="服务的工作进程数（govassist serve --workers；默认每核一个）"
    ),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """负载检查：以 govassist serve --workers N 启动服务，客户端在另一进程中（asyncio），检索 + 问答 + 评价
    （闭环并发或开环固定速率）；报告各进程的单请求 CPU 耗时与理想吞吐量、错误数、丢失行数与 p50/p95。"""
    from eval_sets import load as bench

    result = bench.run(clients=clients, seconds=seconds, rate=rate, cores=cores, workers=workers)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    loop = f"开环，每秒 {rate:g} 个请求" if rate else f"闭环，{clients} 个并发客户端"
    load_average = result["load_average"]
    _print_rows(
        f"负载检查：{loop}，{seconds:g} 秒，{result['workers']} 个工作进程"
        f"（1 分钟负载：开始 {load_average['start']:.1f}，结束 {load_average['end']:.1f}）",
        result["rows"],
    )
    costs = "，".join(
        f"{kind} {cost['server']:.1f} + {cost['client']:.1f}" for kind, cost in result["cpu_ms"].items()
    )
    console.print(f"单请求 CPU 耗时（毫秒，服务各进程 + 客户端进程，空闲时逐个测得）：{costs}")
    console.print(
        f"{cores} 核理想吞吐量 {result['ideal_per_s']:.0f} 请求/秒（计入服务与客户端的 CPU；"
        f"只计服务 {result['ideal_server_only_per_s']:.0f}）；实测 {result['per_s']:.1f} 请求/秒"
        + (
            ""
            if rate
            else f"（理想的 {result['of_ideal']:.0%}；只计服务时的 {result['of_ideal_server_only']:.0%}）"
        )
    )
    used = "，".join(f"{p['role']} {p['cores_used']:.2f}" for p in result["processes"])
    console.print(f"负载期间占用的核数：{used}，客户端 {result['client_cores_used']:.2f}")
    chain = "通过" if result["audit_chain_ok"] else f"未通过：{result['audit_chain_problem']}"
    console.print(
        f"错误 {result['errors']} 个；丢失评价 {result['rating_lost']} 条；丢失审计 {result['audit_lost']} 条；"
        f"审计链校验{chain}；单次审计写入（空闲）p50 {result['audit_write_idle_p50_ms']:.2f} 毫秒"
    )
    for sample in result["error_samples"]:
        console.print(f"  {sample}")


@app.command("access")
def access(
    points: int = typer.Option(50_000, min=100, help="嵌入式引擎的合成分段数"),
    client_points: int = typer.Option(
        2_000, min=100, help="qdrant-client 进程内模式的合成分段数（逐点扫描，较慢；查询数为四分之一）"
    ),
    queries: int = typer.Option(200, min=1, help="嵌入式引擎上每类调用方的查询数"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """访问控制：在索引查询内按密级与部门过滤的耗时、过滤后向量检索的召回，以及越权返回数（应为 0）。"""
    from eval_sets import access as bench

    result = bench.run(points, client_points, queries)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows(f"索引内访问控制（{result['dimension']} 维向量）", result["rows"])


@app.command("safety")
def safety(
    corpus: list[Path] = typer.Argument(
        ..., exists=True, help="文档目录或文件（如 ingest/demo_kb、docs.jsonl），视为正常政务文本"
    ),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """导入安全筛查的误报率：正常政务文本中被标记为指令或索要个人信息、钱款的段落比例，并列出被标记的段落。"""
    from eval_sets import safety as bench

    result = bench.run(corpus)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows("导入安全筛查：正常文本的误报", result["rows"])
    for name, examples in result["examples"].items():
        for example in examples:
            console.print(
                f"[yellow]{name}[/] {example['doc_id']}：{'；'.join(example['flags'])}\n  {example['text']}",
                highlight=False,
            )


@app.command("demo")
def demo(as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象")) -> None:
    """示例问题集：在全新的示例知识库上测检索命中、回答率、关键词准确率与拒答率。"""
    import tempfile

    from assistant.config import Settings
    from assistant.wiring import Services
    from eval_sets import demo_eval
    from ingest.pipeline import ingest_paths

    with tempfile.TemporaryDirectory(prefix="govassist-demo-") as work:
        settings = Settings(data_dir=Path(work), models_dir=Settings().model_cache())
        services = Services(settings)
        ingest_paths([demo_eval.DEMO_KB], services.knowledge_base, settings.ingest)
        result = demo_eval.evaluate(services.searcher, services.answer_chain)
        result["mode"] = services.answer_chain.mode
        services.close()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows(f"示例问题集（{result['mode']}）", result["rows"])
    console.print(
        "各回答方式的延迟 p50（毫秒）："
        + "，".join(f"{m} {v:.0f}" for m, v in result["p50_ms_by_mode"].items())
    )


@app.command("summary")
def summary(
    split: str | None = typer.Option(None, help="只测一半：dev（调优用）或 test（留出，只在最后测）"),
    limit: int | None = typer.Option(
        None, help="每一半只测前 N 通电话（本地大模型每通数秒至数十秒），0 为不测"
    ),
    messages: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="市民留言 JSONL（question、label_type），作来电人独白，无参考答案",
    ),
    sample: int = typer.Option(20, min=1, help="从留言中按固定种子抽取的条数"),
    failures: bool = typer.Option(False, help="逐条列出摘要、漏掉的要点与不应出现的内容"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """通话摘要：大模型撰写（经原文核对）与摘录两种方式的要点召回、不应出现内容、个人信息泄露、
    格式合规、回退比例、删去分句、无依据分句比例、诉求类型一致率、长度与每条用时。"""
    from eval_sets import call_summary as bench

    result = bench.run(split=split, limit=limit, messages=messages, sample=sample)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows("通话摘要（示例市自编通话；messages 为市民留言，无参考要点）", result["rows"])
    if failures:
        for name, summaries in result["summaries"].items():
            for item in summaries:
                marks = "" if item["form_ok"] else " [格式]"
                console.print(
                    f"[bold]{name} {item['id']}[/] {item['mode']}{marks}：{item['text']}\n"
                    f"  漏掉：{'、'.join(item['missed']) or '无'}；不应出现：{'、'.join(item['forbidden']) or '无'}；"
                    f"删去：{'｜'.join(item['dropped']) or '无'}",
                    highlight=False,
                )
