"""Uploaded files: read only once the caller may upload, named safely, held to their size limit.

FastAPI parses ``File``/``UploadFile`` parameters before it runs a route's dependencies, so a route
declaring one spools a stranger's body to the temporary directory before the key is checked. Upload
routes therefore take their files from ``form_files``, a dependency declared after the role
dependency (FastAPI solves dependencies in declaration order): the form is parsed only when the
caller has passed. The request guard stops the body at the route's limit as it streams;
``save_upload`` and ``read_upload`` hold each file to the exact limit.

Sizes are decimal everywhere: 1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes, written ``KB``/``MB``.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

from fastapi import HTTPException, Request
from starlette.datastructures import FormData, UploadFile

KB, MB = 1_000, 1_000_000
FRAMING_BYTES = 64 * KB  # multipart boundaries and part headers around the files
MAX_NAME_BYTES = 255  # the longest file name common file systems store
MAX_FILES = 100
_CHUNK = 1 << 20


def megabytes(mb: float) -> int:
    return int(mb * MB)


@dataclass
class UploadForm:
    """The files of one multipart field, and the form's text fields (first value of each)."""

    files: list[UploadFile]
    values: dict[str, str]


def _files(form: FormData, field: str) -> list[UploadFile]:
    uploads = [value for value in form.getlist(field) if isinstance(value, UploadFile)]
    if not uploads:
        raise HTTPException(status_code=400, detail=f"请在表单字段 {field} 中上传文件")
    return uploads


def upload_form(field: str) -> Callable[[Request], AsyncIterator[UploadForm]]:
    """A dependency yielding the files of multipart field ``field`` with the form's text fields
    (the files are closed after the response)."""

    async def parse(request: Request) -> AsyncIterator[UploadForm]:
        async with request.form(max_files=MAX_FILES) as form:
            values = {key: value for key, value in reversed(form.multi_items()) if isinstance(value, str)}
            yield UploadForm(_files(form, field), values)

    return parse


def form_files(field: str) -> Callable[[Request], AsyncIterator[list[UploadFile]]]:
    """A dependency yielding the files of multipart field ``field`` (closed after the response)."""

    async def files(request: Request) -> AsyncIterator[list[UploadFile]]:
        async with request.form(max_files=MAX_FILES) as form:
            yield _files(form, field)

    return files


def multipart_body(
    field: str, many: bool = False, text_fields: dict[str, str] | None = None
) -> dict[str, Any]:
    """The OpenAPI request body of an upload route (its files are not a parameter FastAPI sees);
    ``text_fields`` names the form's optional text fields with their descriptions."""
    file = {"type": "string", "format": "binary"}
    properties: dict[str, Any] = {field: {"type": "array", "items": file} if many else file}
    properties |= {
        name: {"type": "string", "description": text} for name, text in (text_fields or {}).items()
    }
    schema = {"type": "object", "required": [field], "properties": properties}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def safe_filename(raw: str | None) -> str:
    """The last component of an uploaded file's name, refused (400) when it is empty, ``.``/``..``,
    has control characters or exceeds 255 bytes."""
    name = PureWindowsPath(raw or "").name  # both / and \\ separate: a browser on Windows sends either
    if name in ("", ".", ".."):
        raise HTTPException(status_code=400, detail="上传的文件缺少有效的文件名")
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise HTTPException(status_code=400, detail="文件名含有控制字符，请重命名后再上传")
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise HTTPException(
            status_code=400, detail=f"文件名过长（{size} 字节，上限 {MAX_NAME_BYTES} 字节），请重命名后再上传"
        )
    return name


def _too_large(name: str, limit_mb: float) -> HTTPException:
    return HTTPException(status_code=413, detail=f"{name}：文件过大（上限 {limit_mb:g} MB）")


def save_upload(upload: UploadFile, target: Path, limit_mb: float) -> Path:
    """Stream one upload to ``target`` (readable by the owner only), refusing it past ``limit_mb``
    (nothing partial is kept)."""
    limit, written = megabytes(limit_mb), 0
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        while block := upload.file.read(_CHUNK):
            written += len(block)
            if written > limit:
                out.close()
                target.unlink()
                raise _too_large(target.name, limit_mb)
            out.write(block)
    return target


def read_upload(upload: UploadFile, limit_mb: float) -> bytes:
    """One upload's bytes, refused past ``limit_mb``."""
    limit = megabytes(limit_mb)
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(PureWindowsPath(upload.filename or "").name or "上传的文件", limit_mb)
    return data
