"""``govassist match ...`` (政策双找) and ``govassist bench match``.

Thin presentation over ``assistant.policy_matching.service``: tables for people, ``--json`` for
scripts. Errors are ``AssistantError``s, turned into one line by the entry point.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from assistant.policy_matching.service import PolicyMatching, candidate_dict, match_dict
from assistant.wiring import get_services

app = typer.Typer(help="政策双找：企业找政策、政策找企业，逐条说明是否符合。", no_args_is_help=True)
console = Console(width=200)
_DECISION = {"met": "[green]符合[/]", "not_met": "[red]不符合[/]", "unknown": "[yellow]待核实[/]"}
_WINDOW = {"open": "申报中", "upcoming": "尚未开始", "expired": "已截止", "unspecified": "未注明"}


def _service() -> PolicyMatching:
    return get_services().policy_matching


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"日期应写作 2025-06-30，而不是 {value}") from exc


@app.command("import-enterprises")
def import_enterprises(file: Path = typer.Argument(..., help="企业画像 CSV 或 XLSX（中文表头）")) -> None:
    """导入企业画像：合格的行入库，有问题的行逐条列出原因。"""
    report, created, updated = _service().import_profiles(file)
    console.print(
        f"共 {report.rows} 行：新增 {created} 家，更新 {updated} 家，有问题 {len({e.row for e in report.errors})} 行。"
    )
    for error in report.errors[:200]:
        console.print(f"  {error}", highlight=False)


@app.command("extract")
def extract(
    paths: list[Path] = typer.Argument(..., help="政策文件或目录（.md/.txt/.docx/.pdf/.html）"),
) -> None:
    """从政策文件中抽取支持事项与申报条件并入库（已人工审核的事项保留审核结果）。"""
    items, counts = _service().extract(paths)
    table = Table(title=f"抽取到 {len(items)} 个支持事项")
    for column in ("事项编号", "事项", "条件数", "需核实", "申报时间"):
        table.add_column(column)
    for item in items:
        review = sum(c.kind == "free_text" for c in item.conditions)
        table.add_row(
            item.item_id,
            item.title,
            str(len(item.conditions)),
            str(review),
            f"{item.window_start or '—'} 至 {item.window_end or '—'}",
        )
    console.print(table)
    console.print(
        f"新增 {counts['created']}，更新 {counts['updated']}，保留人工审核 {counts['kept_reviewed']}。"
    )


@app.command("enterprise")
def enterprise(
    enterprise_id: str = typer.Argument(..., help="企业编号"),
    as_of: str | None = typer.Option(None, help="按哪一天判断（默认今天），如 2025-06-30"),
    all_items: bool = typer.Option(False, "--all", help="也列出不符合的事项"),
    include_expired: bool = typer.Option(False, help="也列出已截止的事项"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """企业找政策：列出该企业可申报的事项，逐条说明条件是否满足，待核实的给出需补充的问题。"""
    profile, matches = _service().match_enterprise(enterprise_id, _as_of(as_of), all_items, include_expired)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "enterprise_id": profile.enterprise_id,
                    "name": profile.name,
                    "matches": [match_dict(m) for m in matches],
                },
                ensure_ascii=False,
            )
        )
        return
    console.print(f"[bold]{profile.name}[/]（{profile.enterprise_id}）：{len(matches)} 个事项")
    for match in matches:
        console.print(
            f"\n{_DECISION[match.decision]} {match.item.title}（{match.item.document_title}）"
            f" 申报时间：{_WINDOW[match.window_status]} {match.item.window_start or ''}—{match.item.window_end or ''}"
        )
        for result in match.conditions:
            console.print(
                f"  {_DECISION[result.decision]} {result.condition.describe()}；企业情况：{result.profile_value}",
                highlight=False,
            )
            if result.question:
                console.print(f"      需补充：{result.question}", highlight=False)


@app.command("policy")
def policy(
    item_id: str = typer.Argument(..., help="政策事项编号（见 match extract 的输出）"),
    as_of: str | None = typer.Option(None, help="按哪一天判断（默认今天）"),
    export: Path | None = typer.Option(None, help="把推送清单写入此 CSV 文件"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """政策找企业：列出符合或可能符合该事项的企业，可导出推送清单。"""
    service = _service()
    item, candidates = service.match_item(item_id, _as_of(as_of))
    if export is not None:
        with export.open("w", encoding="utf-8-sig", newline="") as out:
            written = service.export_push_list(item_id, _as_of(as_of), out)
        console.print(f"推送清单已写入 {export}（{written} 家企业）。")
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "item_id": item.item_id,
                    "title": item.title,
                    "enterprises": [candidate_dict(c) for c in candidates],
                },
                ensure_ascii=False,
            )
        )
        return
    table = Table(
        title=f"{item.title}：符合 {sum(c.decision == 'met' for c in candidates)} 家，待核实 "
        f"{sum(c.decision == 'unknown' for c in candidates)} 家"
    )
    for column in ("企业编号", "企业名称", "判定", "待核实条件"):
        table.add_column(column)
    for candidate in candidates[:200]:
        table.add_row(
            candidate.profile.enterprise_id,
            candidate.profile.name,
            _DECISION[candidate.decision],
            "；".join(candidate.to_confirm),
        )
    console.print(table)


def _print(title: str, rows: list[dict[str, Any]]) -> None:
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            *("-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values())
        )
    console.print(table)


def bench_match(
    folder: list[Path] | None = typer.Option(
        None,
        help="评测集目录，可重复（默认样本内 policy_matching、样本外 policy_matching_oos 及留出集 policy_matching_holdout、policy_matching_fresh、policy_matching_unseen）",
    ),
    enterprises: int = typer.Option(10_000, min=0, help="速度测试的企业数（合成扩充），0 为不测"),
    items: int = typer.Option(500, min=0, help="速度测试的事项数（合成扩充），0 为不测"),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """政策匹配基准：样本内与样本外分别报告条件抽取精确率/召回率、申报条件句覆盖率、受理部门与申报时间、判定准确率，以及匹配速度。"""
    from eval_sets.policy_matching import bench

    result = bench.run(tuple(folder) if folder else bench.SETS, enterprises, items)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    for found in result["sets"]:
        name = f"{found['folder']}（{found['documents']} 篇政策）"
        _print(f"条件抽取：{name}（free_text 即待核实，不计入类型条件）", found["extraction"])
        _print(f"支持事项：{name}", [found["items"]])
        _print(
            f"判定准确率：{name}，{found['enterprises']} 家企业，按 {found['as_of']} 判断", found["decisions"]
        )
    if result["speed"]:
        _print("匹配速度（样本内合成扩充）", result["speed"])
