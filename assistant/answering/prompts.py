"""Prompt templates as data: the ``.txt`` files of the top-level ``prompts`` package, read once
through ``importlib.resources`` (so a wheel install has them) and filled with ``str.format``.

Every template may name the deployment (``{city}``, ``{hotline}``: ``deployment`` settings); the
caller passes those with the other values. Reviewing or adjusting a prompt is editing its file.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from assistant.errors import ConfigurationError

PACKAGE = "prompts"


@lru_cache(maxsize=32)
def load_prompt(name: str) -> str:
    resource = files(PACKAGE) / f"{name}.txt"
    try:
        return resource.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise ConfigurationError(f"Prompt template {PACKAGE}/{name}.txt is missing.") from exc


def render(name: str, **values: str) -> str:
    try:
        return load_prompt(name).format(**values)
    except KeyError as exc:
        raise ConfigurationError(
            f"Prompt template {PACKAGE}/{name}.txt names {exc}, which is not filled in."
        ) from exc
