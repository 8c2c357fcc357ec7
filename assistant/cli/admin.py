"""``govassist keys create|list|revoke``, ``govassist audit export|verify``, ``govassist purge`` and
``govassist export tickets|conversations``: access and accountability. Every change and export
made here is audited as ``cli:<user>``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from assistant import exports
from assistant.answering.conversations import ConversationStore
from assistant.api.security import create_api_key, list_keys, revoke_key
from assistant.audit import AuditEvent, AuditLog
from assistant.errors import BadInput, NotFound
from assistant.retention import LABELS, audit_checkpoint_key, purge
from assistant.wiring import get_services

console = Console()
keys_app = typer.Typer(help="管理 API 密钥（坐席、管理员）。", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志。", no_args_is_help=True)
export_app = typer.Typer(help="导出工单、对话供分析（默认脱敏，可匿名化）。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.add_typer(audit_app, name="audit")
    app.add_typer(export_app, name="export")
    app.command("purge")(purge_command)


def _since(since: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(since) if since else None
    except ValueError as exc:
        raise BadInput(f"时间格式有误：{since}") from exc


def _record(action: str, detail: str) -> None:
    AuditLog(get_services().database).record(AuditEvent.from_command_line(action, detail))


@keys_app.command("create")
def create(
    role: str = typer.Option(..., help="agent（坐席）或 admin（管理员）"),
    name: str = typer.Option(..., help="使用人或用途"),
    department: str = typer.Option(
        "", help="所属部门，如 示例市人社局；不填为全系统（管理员可管理全部文档）"
    ),
) -> None:
    """创建密钥；密钥只显示这一次，请妥善保存。"""
    if role not in ("agent", "admin"):
        raise BadInput("角色应为 agent 或 admin")
    key = create_api_key(get_services().database, role, name, department)  # type: ignore[arg-type]
    console.print(f"已为 {name}（{role}，{department or '全系统'}）创建密钥，只显示这一次：")
    typer.echo(key)


@keys_app.command("list")
def list_command() -> None:
    """列出密钥（不显示密钥本身）。"""
    table = Table(title="API 密钥")
    for column in ("ID", "名称", "角色", "部门", "创建时间", "状态"):
        table.add_column(column)
    for row in list_keys(get_services().database):
        created = row.created_at.isoformat(timespec="seconds")
        table.add_row(
            str(row.id),
            row.name,
            row.role,
            row.department or "全系统",
            created,
            "已停用" if row.revoked else "有效",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke(key_id: int = typer.Argument(..., help="密钥 ID（见 keys list）")) -> None:
    """停用密钥。"""
    if not revoke_key(get_services().database, key_id):
        raise NotFound(f"没有 ID 为 {key_id} 的密钥")
    console.print(f"已停用密钥 {key_id}。")


@audit_app.command("export")
def export(
    since: str | None = typer.Option(None, help="起始时间，如 2026-11-01 或 2026-11-01T08:00"),
    limit: int = typer.Option(10000, help="最多导出条数"),
) -> None:
    """以 JSON Lines 导出审计日志（个人信息已脱敏）。"""
    start = _since(since)
    _record("audit.export", f"起始 {since or '全部'}，至多 {limit} 条")
    for event in AuditLog(get_services().database).export(start, limit):
        typer.echo(json.dumps(event, ensure_ascii=False))


@audit_app.command("verify")
def verify() -> None:
    """校验审计日志链：每条记录的哈希、前后衔接与序号；从最近的清理检查点（先验签名）开始。"""
    services = get_services()
    result = AuditLog(services.database).verify(audit_checkpoint_key(services.settings))
    start = f"自清理检查点（序号 {result.checkpoint_seq}）之后" if result.checkpoint_seq else "自序号 1 起"
    if not result.ok:
        console.print(
            f"[bold red]审计日志校验未通过：[/]{result.problem}（{start}已核对 {result.rows} 条）",
            highlight=False,
        )
        raise typer.Exit(2)
    console.print(
        f"审计日志校验通过：{start}共 {result.rows} 条，链头序号 {result.head_seq}，哈希 {result.head_hash}",
        highlight=False,
    )


def purge_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="只统计将被清理的条数，不删除"),
) -> None:
    """按保留期限（GOVASSIST_RETENTION__*）清理过期的对话、反馈、通话转写、工单与审计日志。"""
    services = get_services()
    report = purge(
        services.database,
        services.settings,
        dry_run=dry_run,
        actor=AuditEvent.from_command_line("retention.purge").actor,
    )
    table = Table(title="将清理（试运行，未删除）" if dry_run else "已清理")
    table.add_column("类别")
    table.add_column("条数", justify="right")
    for kind, count in report.counts.items():
        table.add_row(LABELS[kind], str(count))
    console.print(table)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"已写入 {output}")


def _rows(rows: list[dict[str, Any]], columns: dict[str, str], format: str) -> str:
    if format == "csv":
        return exports.to_csv(rows, columns)
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


_FORMAT = typer.Option("jsonl", "--format", help="jsonl 或 csv")
_ANONYMISE = typer.Option(
    False, "--anonymise", help="匿名化：姓名、电话、证件号、银行卡号、地址换成本次导出内稳定的代号"
)
_OUTPUT = typer.Option(None, "--output", "-o", help="写入该文件（默认输出到终端）")


def _check_format(format: str) -> None:
    if format not in ("jsonl", "csv"):
        raise BadInput(f"导出格式应为 jsonl 或 csv，而不是 {format!r}")


@export_app.command("tickets")
def export_tickets(
    format: str = _FORMAT, anonymise: bool = _ANONYMISE, output: Path | None = _OUTPUT
) -> None:
    """导出全部工单：来电人信息默认脱敏（张**、138****5678），--anonymise 换成代号。"""
    _check_format(format)
    services = get_services()
    rows = exports.tickets(services.ticket_store, anonymise)
    _record("tickets.export", f"{format}，{'匿名化' if anonymise else '脱敏'}，{len(rows)} 条")
    _write(_rows(rows, exports.TICKET_COLUMNS, format), output)


@export_app.command("conversations")
def export_conversations(
    since: str | None = typer.Option(None, help="起始时间，如 2026-11-01"),
    format: str = _FORMAT,
    anonymise: bool = _ANONYMISE,
    output: Path | None = _OUTPUT,
) -> None:
    """导出市民对话（存储时已脱敏），--anonymise 把会话 ID、姓名、号码、地址换成代号。"""
    _check_format(format)
    rows = exports.conversations(ConversationStore(get_services().database), _since(since), anonymise)
    _record("conversations.export", f"{format}，{'匿名化' if anonymise else '脱敏'}，{len(rows)} 条")
    _write(_rows(rows, exports.CONVERSATION_COLUMNS, format), output)
