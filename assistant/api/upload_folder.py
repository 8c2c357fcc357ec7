"""Where uploaded documents live: ``<data_dir>/uploads/<file name>``, one file per name.

The place is derived from the (sanitised) file name alone, so uploading the same file again
reaches the same document id (``ingest.readers.file_id``) and ingestion reports it 未变, or 更新
when it changed, instead of adding a duplicate. A new upload is streamed to a private staging
folder first (held to its size limit there), then put in place; if ingesting it fails, the file it
replaced is put back (its document is still live) or, for a new name, nothing is left. Reading
the multipart body and its limits is ``api.uploads``'s job; ingesting is ``ingest.pipeline``'s.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException


def stored_name(name: str) -> str:
    """The name an upload is kept under: NFKC-normalised (full-width letters are plain ones), with
    no leading dots or spaces (hidden files are not ingested)."""
    cleaned = unicodedata.normalize("NFKC", name).strip().lstrip(". ")
    if not cleaned or "/" in cleaned or "\\" in cleaned:
        raise HTTPException(status_code=400, detail="上传的文件缺少有效的文件名")
    return cleaned


@dataclass
class Placement:
    """An upload put in place, and the earlier file of that name (moved aside) if there was one."""

    target: Path
    previous: Path | None

    def settle(self, kept: bool) -> None:
        """Keep the new file, or undo: the earlier file back, or nothing left at all."""
        if kept:
            return
        if self.previous is not None:
            os.replace(self.previous, self.target)
        else:
            self.target.unlink(missing_ok=True)


class UploadFolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(mode=0o700, exist_ok=True)  # the data dir exists (Services made it)

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A private folder for one request's files; removed, with whatever is left in it, at the end."""
        folder = self.root / f".staging-{uuid.uuid4().hex}"
        folder.mkdir(mode=0o700)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def place(self, staged: Path) -> Placement:
        """Move a staged file to its place; an earlier file of the name goes to the staging folder."""
        target = self.root / staged.name
        previous = None
        if target.is_file():
            previous = staged.parent / ".previous" / staged.name
            previous.parent.mkdir(mode=0o700, exist_ok=True)
            os.replace(target, previous)
        os.replace(staged, target)
        return Placement(target, previous)

    def remove_unused(self, files: set[str], still_used: set[str]) -> None:
        """Delete those files of this folder no document comes from any more (never another file)."""
        root = self.root.resolve()
        for file in files:
            path = Path(file)
            if file not in still_used and path.parent == root and path.is_file():
                path.unlink()
