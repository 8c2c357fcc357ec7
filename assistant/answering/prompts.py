"""Prompt templates as data: the files in the project's ``prompts/`` folder, read once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from assistant.errors import ConfigurationError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


@lru_cache(maxsize=32)
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> str:
    path = directory / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise ConfigurationError(f"Prompt template {path} is missing.") from exc


def render(name: str, **values: str) -> str:
    return load_prompt(name).format(**values)
