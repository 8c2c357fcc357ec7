"""``govassist console``: the Gradio staff console, a client of a running service."""

from __future__ import annotations

import os

import typer

from assistant.config import get_settings
from assistant.errors import ConfigurationError


def console(
    api: str = typer.Option("http://127.0.0.1:8000", help="服务地址"),
    key: str | None = typer.Option(None, help="管理员 API 密钥（也可设环境变量 GOVASSIST_CONSOLE_KEY）"),
    host: str = typer.Option("127.0.0.1", help="控制台监听地址"),
    port: int = typer.Option(7860, help="控制台端口"),
) -> None:
    """启动工作人员控制台（问答调试、文档管理、评测）。"""
    key = key or os.environ.get("GOVASSIST_CONSOLE_KEY")
    if not key:
        raise ConfigurationError(
            "需要管理员密钥：先运行 `govassist keys create --role admin --name 控制台`，再用 --key 传入。"
        )
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.console import ApiClient, build

    client = ApiClient(api, key)
    build(client, client.city(fallback=get_settings().deployment.city)).launch(
        server_name=host, server_port=port
    )
