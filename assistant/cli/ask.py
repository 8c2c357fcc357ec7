"""``govassist ask``: ask the knowledge base in the terminal; the answer streams, then its sources."""

from __future__ import annotations

import typer
from rich.console import Console

from assistant.answering.answer import Answer
from assistant.wiring import get_services

console = Console()
STATUS_LABELS = {
    "answered": "已回答",
    "no_evidence": "无依据（已转人工建议）",
    "out_of_scope": "超出服务范围",
    "withheld": "涉及个人信息或钱款，待人工核实",
}
MODE_LABELS = {
    "faq": "官方问答原文",
    "generated": "模型生成（已逐句核对来源）",
    "extractive": "摘录原文",
    "refusal": "未作答",
}


def ask(
    question: str = typer.Argument(..., help="问题"),
    session: str | None = typer.Option(None, "--session", "-s", help="会话 ID（多轮对话时沿用）"),
) -> None:
    """提问：依据知识库回答并给出来源；知识库没有依据时明确告知并建议转人工。"""
    chain = get_services().answer_chain
    final: Answer | None = None
    shown = ""  # checked sentences, shown as they complete
    for event in chain.stream(question, session):
        if event.kind == "delta":
            console.print(event.text, end="", highlight=False)
            shown += event.text
        else:
            final = event.answer
    if final is None:
        return
    if final.text.startswith(shown):
        console.print(final.text[len(shown) :], highlight=False)
    else:  # withheld after some sentences were shown
        console.print()
        console.rule("已停止显示", style="dim")
        console.print(final.text, highlight=False)
    _print_sources(final)


def _print_sources(answer: Answer) -> None:
    console.print(
        f"[dim]{STATUS_LABELS[answer.status]} · {MODE_LABELS[answer.mode]} · 会话 {answer.session_id}[/]"
    )
    for citation in answer.citations:
        number = f" {citation.document_number}" if citation.document_number else ""
        path = f" > {' > '.join(citation.heading_path)}" if citation.heading_path else ""
        date = f"（{citation.publish_date}）" if citation.publish_date else ""
        console.print(f"[cyan][{citation.number}][/] {citation.title}{number}{date}{path}", highlight=False)
