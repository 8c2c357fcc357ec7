"""``govassist keys create|list|revoke`` and ``govassist audit export``: access and accountability."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from assistant.api.security import create_api_key, list_keys, revoke_key
from assistant.audit import AuditLog
from assistant.errors import BadInput, NotFound
from assistant.wiring import get_services

console = Console()
keys_app = typer.Typer(help="管理 API 密钥（坐席、管理员）。", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.add_typer(audit_app, name="audit")


@keys_app.command("create")
def create(
    role: str = typer.Option(..., help="agent（坐席）或 admin（管理员）"),
    name: str = typer.Option(..., help="使用人或用途"),
) -> None:
    """创建密钥；密钥只显示这一次，请妥善保存。"""
    if role not in ("agent", "admin"):
        raise BadInput("角色应为 agent 或 admin")
    key = create_api_key(get_services().database, role, name)  # type: ignore[arg-type]
    console.print(f"已为 {name}（{role}）创建密钥，只显示这一次：")
    typer.echo(key)


@keys_app.command("list")
def list_command() -> None:
    """列出密钥（不显示密钥本身）。"""
    table = Table(title="API 密钥")
    for column in ("ID", "名称", "角色", "创建时间", "状态"):
        table.add_column(column)
    for row in list_keys(get_services().database):
        table.add_row(str(row.id), row.name, row.role, row.created_at.isoformat(timespec="seconds"), "已停用" if row.revoked else "有效")
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
    try:
        start = datetime.fromisoformat(since) if since else None
    except ValueError as exc:
        raise BadInput(f"时间格式有误：{since}") from exc
    for event in AuditLog(get_services().database).export(start, limit):
        typer.echo(json.dumps(event, ensure_ascii=False))
