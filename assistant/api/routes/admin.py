"""Admin routes: knowledge-base documents (upload and ingest, list, delete) and the audit log."""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from assistant.api.deps import AdminDep, AuditDep, ServicesDep, audit_event
from ingest.pipeline import ingest_paths

router = APIRouter(prefix="/v1/admin", tags=["admin"])
_CHUNK = 1 << 20


def _save_upload(upload: UploadFile, folder: Path, limit_bytes: int) -> Path:
    """Stream one upload to disk, refusing it past the size limit (nothing partial is kept)."""
    name = Path(upload.filename or "").name
    if not name:
        raise HTTPException(status_code=400, detail="上传的文件缺少文件名")
    target = folder / name
    written = 0
    with target.open("wb") as out:
        while block := upload.file.read(_CHUNK):
            written += len(block)
            if written > limit_bytes:
                out.close()
                target.unlink()
                raise HTTPException(status_code=413, detail=f"{name}：文件超过上传上限 {limit_bytes // (1 << 20)} MB")
            out.write(block)
    return target


@router.post("/documents")
def upload_documents(
    files: list[UploadFile], request: Request, services: ServicesDep, principal: AdminDep, audit: AuditDep
) -> dict[str, Any]:
    """Upload files and ingest them; the report has one line per file (failed ones with the reason)."""
    settings = services.settings
    folder = settings.data_dir / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    try:
        paths = [_save_upload(upload, folder, int(settings.api.max_upload_mb * (1 << 20))) for upload in files]
        report = ingest_paths(paths, services.knowledge_base, settings.ingest)
    except HTTPException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    outcomes = [
        {"file": Path(o.path).name, "status": o.status, "documents": o.documents, "chunks": o.chunks, "reason": o.reason}
        for o in report.files
    ]
    audit.record(audit_event(request, principal, "documents.upload", ", ".join(f"{o['file']}:{o['status']}" for o in outcomes)))
    return {"files": outcomes, "failed": len(report.failed)}


@router.get("/documents")
def list_documents(services: ServicesDep, principal: AdminDep, kind: str | None = None) -> dict[str, Any]:
    entries = services.knowledge_base.manifest().documents.values()
    documents = [
        {"doc_id": e.doc_id, "title": e.title, "kind": e.kind, "chunks": e.chunk_count, "source": Path(e.source).name,
         "ingested_at": e.ingested_at}
        for e in entries
        if kind is None or e.kind == kind
    ]
    return {"documents": documents, "total": len(documents)}


@router.delete("/documents")
def delete_documents(
    request: Request, services: ServicesDep, principal: AdminDep, audit: AuditDep, doc_id: list[str] = Query(...)
) -> dict[str, Any]:
    removed = services.knowledge_base.delete(doc_id)
    missing = sorted(set(doc_id) - set(removed))
    audit.record(audit_event(request, principal, "documents.delete", ", ".join(removed), removed))
    if not removed:
        raise HTTPException(status_code=404, detail=f"文档不存在：{', '.join(missing)}")
    return {"removed": removed, "missing": missing}


@router.get("/audit")
def export_audit(
    principal: AdminDep, audit: AuditDep, since: datetime | None = None, limit: int = Query(10000, ge=1, le=100000)
) -> StreamingResponse:
    """The audit log as JSON Lines (masked personal data)."""
    import json

    lines = (json.dumps(event, ensure_ascii=False) + "\n" for event in audit.export(since, limit))
    return StreamingResponse(lines, media_type="application/x-ndjson")
