"""The ``govassist`` command line: one Typer app, one module per area.

The entry point configures logging and turns every ``AssistantError`` into one clear line on
stderr and exit code 1; nothing below it prints tracebacks for expected failures.
"""

from __future__ import annotations

import logging
import os
import sys

import typer
from rich.console import Console

from assistant.cli import (
    admin,
    ask,
    asr,
    bench,
    console,
    hot_issues,
    hotline,
    knowledge,
    policy_matching,
    service,
)
from assistant.errors import AssistantError

app = typer.Typer(
    name="govassist",
    help="gov-assistant：政务服务知识库、智能问答、12345 热线助手与政策匹配（离线运行）。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
knowledge.register(app)
app.add_typer(bench.app, name="bench")
app.command("serve")(service.serve)
app.command("ask")(ask.ask)
admin.register(app)
app.command("console")(console.console)
app.add_typer(hotline.app, name="hotline")
bench.app.command("hotline")(hotline.bench_hotline)
bench.app.command("hotissues")(hot_issues.bench_hot_issues)
app.command("transcribe")(asr.transcribe)
bench.app.command("asr")(asr.bench_asr)
app.add_typer(policy_matching.app, name="match")
bench.app.command("match")(policy_matching.bench_match)

_errors = Console(stderr=True)


@app.callback()
def _configure(verbose: bool = typer.Option(False, "--verbose", "-v", help="输出调试日志")) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    os.umask(0o077)  # what the service and the CLI write (index, uploads, database, keys) is the owner's only
    try:
        app()
    except AssistantError as exc:
        _errors.print(f"[bold red]错误：[/]{exc}", highlight=False)
        sys.exit(1)
