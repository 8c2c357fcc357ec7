"""``govassist bench hotissues``: how well hot-issue grouping finds the known groups of a written
示例市 ticket stream, and how fast it groups many tickets; the figures are ``eval_sets.hot_issues``'s."""

from __future__ import annotations

import json
from datetime import timedelta

import typer

from assistant.cli.bench import _print_rows, console


def bench_hot_issues(
    tickets: int = typer.Option(100_000, min=0, help="测速用的工单数，0 为不测"),
    gap_minutes: int = typer.Option(90, min=1, help="同一问题相邻两次来电的最大间隔（分钟）"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """热点发现：书面示例市工单流上的分组精确率/召回率/F1（成对与 B-cubed），以及分组 N 条工单的用时。"""
    from eval_sets import hot_issues

    result = hot_issues.run(tickets, timedelta(minutes=gap_minutes))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_rows(
        f"热点发现（间隔 {gap_minutes} 分钟；confirmed = 坐席确认的字段，proposed = 助手的分类与地址）："
        "written (dev) 为开发用；written 另一种子、mixed、third 为另行编写的，summaries 最后编写、只测一次",
        result["rows"],
    )
    if result["speed"]:
        speed = result["speed"]
        console.print(
            f"{speed['tickets']} 条工单（地址解析 + 分组）用时 {speed['seconds']:.1f} 秒，得到 {speed['groups_of_3_or_more']} 个 3 条以上的组"
        )
