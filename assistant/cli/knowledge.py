"""``govassist ingest``, ``govassist search`` and ``govassist kb stats|list|delete|reindex|migrate``."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.access import PUBLIC_LEVEL, Access, check_sensitivity
from assistant.audit import AuditEvent, AuditLog
from assistant.documents import DOCUMENT_KINDS, SearchFilters
from assistant.errors import BadInput
from assistant.wiring import get_services
from ingest import migration, pipeline
from ingest.readers import ReadOptions

console = Console()
kb_app = typer.Typer(help="查看和管理知识库。", no_args_is_help=True)
STATUS_LABELS: dict[pipeline.FileStatus, str] = {
    "added": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "failed": "失败",
}


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("search")(search)
    app.add_typer(kb_app, name="kb")


def _check_kind(kind: str | None) -> None:
    if kind and kind not in DOCUMENT_KINDS:
        raise BadInput(f"未知的文档类型 {kind!r}，可选：{', '.join(DOCUMENT_KINDS)}")


class _BarProgress(pipeline.Progress):
    """Draws one bar over files and counts embedded chunks beside it."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._files = progress.add_task("导入文件", total=None)
        self._chunks = 0

    def files_found(self, total: int) -> None:
        self._progress.update(self._files, total=total)

    def file_done(self, outcome: pipeline.FileOutcome) -> None:
        self._progress.advance(self._files)

    def chunks_embedded(self, count: int) -> None:
        self._chunks += count
        self._progress.update(self._files, description=f"导入文件（已向量化 {self._chunks} 段）")


def ingest(
    paths: list[Path] = typer.Argument(..., help="文件或目录（目录会递归读取）"),
    kind: str | None = typer.Option(None, help="文档类型：policy / faq / guide"),
    title: str | None = typer.Option(None, help="标题（覆盖自动提取）"),
    issuing_body: str | None = typer.Option(None, help="发文机关"),
    document_number: str | None = typer.Option(None, help="文号"),
    region: str | None = typer.Option(None, help="地区"),
    category: str | None = typer.Option(None, help="分类"),
    publish_date: str | None = typer.Option(None, help="发布日期 YYYY-MM-DD"),
    expiry_date: str | None = typer.Option(None, help="失效日期 YYYY-MM-DD"),
    sensitivity: str | None = typer.Option(
        None, help="密级：公开 / 内部 / 敏感（默认见 GOVASSIST_INGEST__DEFAULT_SENSITIVITY）"
    ),
    department: str | None = typer.Option(None, help="文档所属部门（管理该文档、可见其敏感内容的部门）"),
    question_column: list[str] = typer.Option([], help="FAQ 表格的问题列名（可多次指定）"),
    answer_column: list[str] = typer.Option([], help="FAQ 表格的答案列名（可多次指定）"),
    prune: bool = typer.Option(False, help="删除目录中已不存在的文件对应的文档"),
) -> None:
    """导入文件到知识库（PDF、DOCX、HTML、Markdown、TXT、CSV/XLSX 问答表、JSONL）。"""
    _check_kind(kind)
    overrides = {
        "kind": kind,
        "title": title,
        "issuing_body": issuing_body,
        "document_number": document_number,
        "region": region,
        "category": category,
        "publish_date": publish_date,
        "expiry_date": expiry_date,
        "sensitivity": sensitivity,
        "owner_department": department,
    }
    options = ReadOptions.with_overrides(
        {key: value for key, value in overrides.items() if value},
        question_columns=question_column,
        answer_columns=answer_column,
    )
    services = get_services()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        report = pipeline.ingest_paths(
            paths, services.knowledge_base, services.settings.ingest, options, _BarProgress(bar), prune
        )
    _print_report(report)
    counts = "，".join(f"{label} {report.count(status)}" for status, label in STATUS_LABELS.items())
    detail = f"{', '.join(str(path) for path in paths)}：{counts}，删除 {len(report.removed)}"
    AuditLog(services.database).record(AuditEvent.from_command_line("documents.ingest", detail))
    if report.failed:
        raise typer.Exit(code=2)


def _print_report(report: pipeline.IngestReport) -> None:
    table = Table(title="导入结果", show_lines=False)
    for column in ("文件", "结果", "文档数", "新分段", "原因"):
        table.add_column(column)
    for outcome in report.files:
        style = "red" if outcome.status == "failed" else None
        table.add_row(
            outcome.path,
            STATUS_LABELS[outcome.status],
            str(outcome.documents),
            str(outcome.chunks),
            outcome.reason,
            style=style,
        )
    console.print(table)
    for outcome in report.files:
        for line in outcome.flagged:
            console.print(f"[yellow]注意 {Path(outcome.path).name}：{line}[/]", highlight=False)
    summary = "，".join(f"{label} {report.count(status)} 个" for status, label in STATUS_LABELS.items())
    removed = f"，删除文档 {len(report.removed)} 篇" if report.removed else ""
    console.print(f"共 {len(report.files)} 个文件：{summary}{removed}")


def search(
    query: str = typer.Argument(..., help="查询问题"),
    kind: list[str] = typer.Option([], help="只看这些类型：policy / faq / guide"),
    region: list[str] = typer.Option([], help="只看这些地区"),
    category: list[str] = typer.Option([], help="只看这些分类"),
    top_k: int = typer.Option(5, "--top-k", "-k", min=1, max=100, help="返回条数"),
    valid_on: str | None = typer.Option(None, help="按该日期（YYYY-MM-DD）判断有效期，默认今天"),
    include_expired: bool = typer.Option(False, help="包括已失效的政策"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """检索知识库（本机操作员：全部密级），显示标题、得分和章节路径。"""
    for value in kind:
        _check_kind(value)
    try:
        on = date.fromisoformat(valid_on) if valid_on else None
    except ValueError as exc:
        raise BadInput(f"日期格式应为 YYYY-MM-DD：{valid_on}") from exc
    filters = SearchFilters(
        kinds=kind, regions=region, categories=category, valid_on=on, include_expired=include_expired
    )
    result = get_services().searcher.search(query, top_k=top_k, filters=filters, access=Access.everything())
    if as_json:
        hits = [
            {
                "doc_id": h.chunk.doc_id,
                "title": h.chunk.metadata.title,
                "score": h.score,
                "heading_path": h.chunk.heading_path,
                "text": h.chunk.text,
                "scores": asdict(h.scores),
                "metadata": h.chunk.metadata.to_payload(),
            }
            for h in result.hits
        ]
        typer.echo(
            json.dumps(
                {"query": query, "terms": result.query_terms, "hits": hits}, ensure_ascii=False, indent=1
            )
        )
        return
    if not result.hits:
        console.print("没有找到相关内容。")
        return
    for rank, hit in enumerate(result.hits, start=1):
        meta = hit.chunk.metadata
        number = f" {meta.document_number}" if meta.document_number else ""
        console.print(
            f"[bold]{rank}. {meta.title or hit.chunk.doc_id}[/]{number}  [dim]得分 {hit.score:.3f} · {meta.kind}[/]"
        )
        if hit.chunk.heading_path:
            console.print(f"   [cyan]{' > '.join(hit.chunk.heading_path)}[/]")
        snippet = hit.chunk.text.replace("\n", " ")
        console.print(f"   {snippet[:160]}{'…' if len(snippet) > 160 else ''}", highlight=False)


@kb_app.command("stats")
def stats() -> None:
    """知识库概况：文档数、分段数、嵌入模型。"""
    kb_stats = get_services().knowledge_base.stats()
    console.print(f"文档：{kb_stats.documents}　分段：{kb_stats.chunks}（索引中 {kb_stats.points} 个点）")
    console.print("按类型：" + ("，".join(f"{k} {v}" for k, v in sorted(kb_stats.by_kind.items())) or "无"))
    console.print(f"嵌入模型：{kb_stats.embedder}")


@kb_app.command("reindex")
def reindex() -> None:
    """用当前配置的嵌入模型重建索引（更换嵌入模型之后；文档内容保留，中断后可重新运行续做）。"""
    services = get_services()
    settings = services.settings
    snapshot = settings.data_dir / f"{settings.qdrant.collection}.manifest.reindex.jsonl"
    count = services.knowledge_base.reindex(snapshot)
    AuditLog(services.database).record(
        AuditEvent.from_command_line("documents.reindex", f"{services.embedder.name}：{count} 个分段")
    )
    console.print(f"已用 {services.embedder.name} 重建索引：{count} 个分段。")


@kb_app.command("migrate")
def migrate() -> None:
    """把旧格式的文档 ID（含服务器路径）换成不含路径的 ID；旧 ID 仍可用于删除和链接。"""
    services = get_services()
    report = migration.migrate(services.knowledge_base, services.settings.data_dir / "uploads")
    if not report.documents:
        console.print("知识库已是当前的文档 ID 格式，无需迁移。")
        return
    detail = f"{report.documents} 篇文档，{len(report.aliases)} 个旧 ID 保留为别名"
    AuditLog(services.database).record(AuditEvent.from_command_line("documents.migrate", detail))
    console.print(f"已迁移 {detail}；其中 {report.restamped} 篇与源文件核对一致，重新导入时不会重复处理。")
    if report.flagged:
        console.print(
            f"[yellow]注意：{report.flagged} 个段落含疑似指令或索要个人信息、钱款的内容，已不再用于回答（可在检索调试中查看）。[/]"
        )


@kb_app.command("list")
def list_documents(
    kind: str | None = typer.Option(None, help="只列出该类型"),
    limit: int = typer.Option(200, help="最多列出条数"),
) -> None:
    """列出知识库中的文档。"""
    _check_kind(kind)
    entries = [
        e for e in get_services().knowledge_base.manifest().documents.values() if not kind or e.kind == kind
    ]
    table = Table(title=f"知识库文档（共 {len(entries)} 篇）")
    for column in ("文档 ID", "类型", "标题", "密级", "所属部门", "分段", "来源", "导入时间"):
        table.add_column(column)
    for entry in entries[:limit]:
        level, owner = entry.sensitivity or PUBLIC_LEVEL, entry.owner_department or "全系统"
        source = entry.path or entry.source
        table.add_row(
            entry.doc_id,
            entry.kind,
            entry.title,
            level,
            owner,
            str(entry.chunk_count),
            source,
            entry.ingested_at,
        )
    console.print(table)


@kb_app.command("classify")
def classify(
    doc_ids: list[str] = typer.Argument(..., help="文档 ID"),
    sensitivity: str = typer.Option(..., help="密级：公开 / 内部 / 敏感"),
    department: str | None = typer.Option(None, help="改为该所属部门（不填则不变）"),
) -> None:
    """更改文档的密级（及所属部门）。"""
    level = check_sensitivity(sensitivity)
    services = get_services()
    changed = [doc_id for doc_id in doc_ids if services.knowledge_base.reclassify(doc_id, level, department)]
    owner = f"，所属部门 {department}" if department is not None else ""
    detail = f"{', '.join(changed)} → {level}{owner}"
    AuditLog(services.database).record(
        AuditEvent.from_command_line("documents.classify", detail, tuple(changed))
    )
    console.print(f"已将 {len(changed)} 篇文档设为{level}。")
    missing = sorted(set(doc_ids) - set(changed))
    if missing:
        raise BadInput(f"以下文档不存在：{', '.join(missing)}")


@kb_app.command("delete")
def delete(
    doc_ids: list[str] = typer.Argument(None, help="要删除的文档 ID"),
    source: Path | None = typer.Option(None, help="删除来自该文件的全部文档"),
) -> None:
    """从知识库删除文档。"""
    services = get_services()
    knowledge_base = services.knowledge_base
    targets = list(doc_ids or [])
    if source is not None:
        located = pipeline.server_path(source)
        targets += [d for d, e in knowledge_base.manifest().documents.items() if e.path == located]
    if not targets:
        raise BadInput("请给出文档 ID 或 --source 文件路径")
    removed = knowledge_base.delete(targets)
    missing = sorted(set(targets) - set(removed))
    AuditLog(services.database).record(
        AuditEvent.from_command_line("documents.delete", ", ".join(removed), tuple(removed))
    )
    console.print(f"已删除 {len(removed)} 篇文档。")
    if missing:
        raise BadInput(f"以下文档不存在：{', '.join(missing)}")
