"""Admin routes: knowledge-base documents (upload and ingest, list, delete), the retrieval
inspector and the demo evaluation (the staff console's back end; the audit log and exports are
in ``records``). Uploaded files live under ``<data_dir>/uploads`` (0700/0600) only as
long as a document comes from them: a rejected file, and a deleted document's file, are removed."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from assistant.access import PUBLIC_LEVEL, Sensitivity, check_sensitivity, may_manage
from assistant.answering.answer import AnswerMode, AnswerStatus, Citation
from assistant.answering.chain import Trace
from assistant.api.deps import AdminDep, AuditDep, ServicesDep, audit_event
from assistant.api.security import Principal
from assistant.api.upload_folder import UploadFolder, stored_name
from assistant.api.uploads import UploadForm, multipart_body, safe_filename, save_upload, upload_form
from assistant.documents import SearchFilters
from assistant.wiring import Services
from ingest.pipeline import FileStatus, ingest_paths, server_path
from ingest.readers import ReadOptions

router = APIRouter(prefix="/v1/admin", tags=["admin"])
DocumentForm = Annotated[UploadForm, Depends(upload_form("files"))]
_FORM_FIELDS = {
    "sensitivity": "密级：公开 / 内部 / 敏感（不填为配置的默认密级）",
    "department": "所属部门（仅全系统管理员可指定；部门管理员上传的文档属于本部门）",
}


def _classification(form: UploadForm, principal: Principal) -> dict[str, str]:
    """The level and owner department the upload form asks for, checked against the uploader."""
    values = {"sensitivity": form.values.get("sensitivity", "").strip()}
    if values["sensitivity"]:
        check_sensitivity(values["sensitivity"], "上传表单")
    asked = form.values.get("department", "").strip()
    if principal.department and asked and asked != principal.department:
        raise HTTPException(status_code=403, detail=f"只能上传本部门（{principal.department}）的文档")
    values["owner_department"] = principal.department or asked
    return {key: value for key, value in values.items() if value}


class FileOut(BaseModel):
    file: str
    status: FileStatus
    documents: int
    chunks: int
    reason: str = Field(..., description="失败或跳过的原因")
    flagged: list[str] = Field(..., description="内容安全检查标记、不会用于回答的段落及原因")


class UploadOut(BaseModel):
    files: list[FileOut]
    failed: int
    flagged: int = Field(..., description="被标记的段落数")


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    kind: str
    chunks: int
    source: str = Field(..., description="源文件名（不含服务器路径）")
    ingested_at: str
    sensitivity: str = Field(..., description="密级：公开 / 内部 / 敏感")
    department: str = Field(..., description="所属部门（空为全系统）")
    manageable: bool = Field(..., description="当前管理员能否管理该文档")


class DocumentsOut(BaseModel):
    documents: list[DocumentOut]
    total: int


class ClassifiedOut(BaseModel):
    changed: list[str]
    missing: list[str]


class RemovedOut(BaseModel):
    removed: list[str]
    missing: list[str]


@router.post(
    "/documents",
    openapi_extra=multipart_body("files", many=True, text_fields=_FORM_FIELDS),
    response_model=UploadOut,
)
def upload_documents(
    request: Request, services: ServicesDep, principal: AdminDep, audit: AuditDep, form: DocumentForm
) -> dict[str, Any]:
    """Upload files and ingest them; the report has one line per file (failed ones with the reason).
    The form's ``sensitivity`` sets their level, else ``ingest.default_sensitivity``; they belong
    to the uploader's department. ``form`` comes after ``principal``: the body is read only once
    the caller is known to be an admin."""
    settings = services.settings
    files = form.files
    classification = _classification(form, principal)
    names = [
        stored_name(safe_filename(upload.filename)) for upload in files
    ]  # all checked before anything is written
    if len(set(names)) < len(names):
        raise HTTPException(status_code=400, detail="同一次上传中有重名文件，请分开上传")
    folder = UploadFolder(settings.data_dir / "uploads")
    _check_replaces_own(services, principal, [folder.root / name for name in names])
    with services.writing, folder.staging() as staging:
        staged = [
            save_upload(upload, staging / name, settings.api.max_upload_mb)
            for upload, name in zip(files, names, strict=True)
        ]
        placements = [folder.place(path) for path in staged]
        try:
            targets = [placement.target for placement in placements]
            report = ingest_paths(
                targets, services.knowledge_base, settings.ingest, ReadOptions.with_overrides(classification)
            )
        except BaseException:
            for placement in placements:
                placement.settle(kept=False)
            raise
        kept = {outcome.path for outcome in report.files if outcome.status != "failed"}
        for placement in placements:
            placement.settle(kept=str(placement.target) in kept)
    outcomes = [
        {
            "file": Path(o.path).name,
            "status": o.status,
            "documents": o.documents,
            "chunks": o.chunks,
            "reason": o.reason,
            "flagged": o.flagged,
        }
        for o in report.files
    ]
    level = classification.get("sensitivity", settings.ingest.default_sensitivity)
    owner = classification.get("owner_department", "全系统")
    files_done = ", ".join(f"{o['file']}:{o['status']}" for o in outcomes)
    audit.record(audit_event(request, principal, "documents.upload", f"{files_done}（{level}，{owner}）"))
    return {
        "files": outcomes,
        "failed": len(report.failed),
        "flagged": sum(len(o.flagged) for o in report.files),
    }


@router.get("/documents", response_model=DocumentsOut)
def list_documents(services: ServicesDep, principal: AdminDep, kind: str | None = None) -> dict[str, Any]:
    """The documents the admin may read, each with its level, owner and whether the admin manages it."""
    entries = services.knowledge_base.manifest().documents.values()
    access = principal.access
    documents = [
        {
            "doc_id": e.doc_id,
            "title": e.title,
            "kind": e.kind,
            "chunks": e.chunk_count,
            "source": e.source,
            "ingested_at": e.ingested_at,
            "sensitivity": e.sensitivity or PUBLIC_LEVEL,
            "department": e.owner_department,
            "manageable": may_manage(principal.department, e.owner_department),
        }
        for e in entries
        if (kind is None or e.kind == kind) and access.can_read(e.sensitivity, e.owner_department)
    ]
    return {"documents": documents, "total": len(documents)}


def _check_replaces_own(services: Services, principal: Principal, targets: list[Path]) -> None:
    """403 when an upload would replace (same file name) a document the admin does not manage."""
    replaced = {server_path(target) for target in targets}
    documents = services.knowledge_base.manifest().documents
    _check_manages(
        services, principal, [doc_id for doc_id, entry in documents.items() if entry.path in replaced]
    )


def _check_manages(services: Services, principal: Principal, doc_ids: list[str]) -> None:
    """403 unless the admin manages every one of these documents (those that exist)."""
    documents = services.knowledge_base.manifest().documents
    foreign = [
        d
        for d in doc_ids
        if d in documents and not may_manage(principal.department, documents[d].owner_department)
    ]
    if foreign:
        raise HTTPException(
            status_code=403, detail=f"只能管理本部门（{principal.department}）的文档：{', '.join(foreign)}"
        )


class ClassifyRequest(BaseModel):
    doc_ids: list[str] = Field(..., min_length=1, max_length=500)
    sensitivity: Sensitivity = Field(..., description="公开 / 内部 / 敏感")
    department: str | None = Field(
        None, max_length=100, description="改为该所属部门（仅全系统管理员；不填则不变）"
    )


@router.post("/documents/classify", response_model=ClassifiedOut)
def classify_documents(
    body: ClassifyRequest, request: Request, services: ServicesDep, principal: AdminDep, audit: AuditDep
) -> dict[str, Any]:
    """Give documents another level (and owner department); a department's admin, only its own."""
    if principal.department and body.department not in (None, principal.department):
        raise HTTPException(status_code=403, detail=f"只能把文档归属本部门（{principal.department}）")
    _check_manages(services, principal, body.doc_ids)
    changed = [
        d for d in body.doc_ids if services.knowledge_base.reclassify(d, body.sensitivity, body.department)
    ]
    missing = sorted(set(body.doc_ids) - set(changed))
    owner = f"，所属部门 {body.department}" if body.department is not None else ""
    audit.record(
        audit_event(
            request,
            principal,
            "documents.classify",
            f"{', '.join(changed)} → {body.sensitivity}{owner}",
            changed,
        )
    )
    if not changed:
        raise HTTPException(status_code=404, detail=f"文档不存在：{', '.join(missing)}")
    return {"changed": changed, "missing": missing}


@router.delete("/documents", response_model=RemovedOut)
def delete_documents(
    request: Request,
    services: ServicesDep,
    principal: AdminDep,
    audit: AuditDep,
    doc_id: list[str] = Query(...),
) -> dict[str, Any]:
    _check_manages(services, principal, doc_id)
    knowledge_base = services.knowledge_base
    with services.writing:
        manifest = knowledge_base.manifest()
        files = {
            entry.path
            for key, entry in manifest.documents.items()
            if key in {manifest.resolve(d) for d in doc_id}
        }
        removed = knowledge_base.delete(doc_id)
        still_used = {entry.path for entry in knowledge_base.manifest().documents.values()}
        UploadFolder(services.settings.data_dir / "uploads").remove_unused(files, still_used)
    missing = sorted(set(doc_id) - set(removed))
    audit.record(audit_event(request, principal, "documents.delete", ", ".join(removed), removed))
    if not removed:
        raise HTTPException(status_code=404, detail=f"文档不存在：{', '.join(missing)}")
    return {"removed": removed, "missing": missing}


class InspectRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=500)
    kinds: list[str] = Field(default_factory=list)
    include_expired: bool = False


class AnswerOut(BaseModel):
    status: AnswerStatus
    text: str
    citations: list[Citation]
    session_id: str
    mode: AnswerMode
    question: str = Field(..., description="实际回答的独立问题（补全追问之后）")
    handoff: str
    model: str
    timings_ms: dict[str, float]
    generated: bool
    ai_notice: str


class ConceptOut(BaseModel):
    surface: str
    forms: list[str]
    weight: float


class CandidateOut(BaseModel):
    """One judged passage: its probability, and each feature of the judge by name (extra fields)."""

    model_config = ConfigDict(extra="allow")

    title: str
    heading_path: list[str]
    probability: float
    vetoed: str = Field(..., description="为何此段资料无论特征如何都不能作答（为空则未否决）")


class AnswerabilityOut(BaseModel):
    threshold: float
    model: dict[str, Any] = Field(..., description="判定模型：阈值、拟合数据、各特征的重要性")
    concepts: list[ConceptOut]
    candidates: list[CandidateOut]


class FiltersOut(BaseModel):
    kinds: list[str]
    regions: list[str]
    categories: list[str]
    valid_on: str
    include_expired: bool
    include_flagged: bool


class InspectedHitOut(BaseModel):
    """A retrieved chunk with each channel's score and rank (``documents.ScoreBreakdown``)."""

    rank: int
    doc_id: str
    title: str
    kind: str
    heading_path: list[str]
    text: str
    flags: list[str] = Field(..., description="内容安全检查标记（有标记的段落不用于回答）")
    fused: float
    sparse: float | None = Field(..., description="BM25（分词）")
    sparse_rank: int | None
    bigram: float | None = Field(..., description="BM25（字二元组）")
    bigram_rank: int | None
    dense: float | None
    dense_rank: int | None
    rerank: float | None


class EvidenceOut(BaseModel):
    number: int
    text: str


class MessageOut(BaseModel):
    role: str
    content: str


class InspectOut(BaseModel):
    answer: AnswerOut
    standalone_question: str
    corrected_question: str = Field(..., description="纠正错别字后的问题（未纠正时为空）")
    answerability: AnswerabilityOut
    filters: FiltersOut
    hits: list[InspectedHitOut]
    evidence: list[EvidenceOut]
    prompt: list[MessageOut] = Field(..., description="发给模型的消息（摘录模式为空）")
    removed_sentences: int


class EvaluationRowOut(BaseModel):
    kind: str
    questions: int
    hit_at_5: float | None = Field(..., alias="hit@5")
    answered: float | None
    keywords: float | None
    refused: float | None
    p50_ms: float


class EvaluationOut(BaseModel):
    rows: list[EvaluationRowOut]
    p50_ms_by_mode: dict[str, float]


@router.post("/inspect", response_model=InspectOut)
def inspect(body: InspectRequest, services: ServicesDep, principal: AdminDep) -> dict[str, Any]:
    """Answer a question and show everything behind it: each retrieved chunk with its BM25
    (words, bigrams), dense, fused and rerank scores, the filters, the answerability judgement (the
    question's concepts, each candidate's features and probability, the threshold and how much each
    feature weighs), the evidence and the prompt."""
    trace = Trace()
    filters = SearchFilters(kinds=body.kinds, include_expired=body.include_expired, include_flagged=True)
    answer = services.answer_chain.consult(
        body.question, filters, trace, principal.access
    ).answer  # staff: nothing stored
    hits = [
        {
            "rank": rank,
            "doc_id": h.chunk.doc_id,
            "title": h.chunk.metadata.title or h.chunk.question,
            "kind": h.chunk.metadata.kind,
            "heading_path": h.chunk.heading_path,
            "text": h.chunk.text,
            "flags": h.chunk.flags,
            **asdict(h.scores),
        }
        for rank, h in enumerate(trace.hits, start=1)
    ]
    judgement = trace.judgement
    return {
        "answer": answer.to_dict(),
        "standalone_question": trace.standalone,
        "corrected_question": trace.corrected,
        "answerability": {
            "threshold": judgement.threshold,
            "model": services.answer_chain.answerability_model.summary(),
            "concepts": [
                {"surface": c.surface, "forms": list(c.forms), "weight": round(c.weight, 2)}
                for c in judgement.concepts
            ],
            "candidates": [
                {
                    "title": c.hit.chunk.metadata.title or c.hit.chunk.question,
                    "heading_path": c.hit.chunk.heading_path,
                    "probability": round(c.probability, 3),
                    "vetoed": c.vetoed,
                    **{name: round(value, 3) for name, value in c.features.items()},
                }
                for c in judgement.candidates
            ],
        },
        "filters": asdict(filters)
        | {"valid_on": "今天" if filters.valid_on is None else str(filters.valid_on)},
        "hits": hits,
        "evidence": [{"number": e.number, "text": e.text} for e in trace.evidence],
        "prompt": [{"role": m.role, "content": m.content} for m in trace.messages],
        "removed_sentences": trace.removed_sentences,
    }


@router.post("/evaluate", response_model=EvaluationOut)
def evaluate(services: ServicesDep, principal: AdminDep) -> dict[str, Any]:
    """Run the demo question set against the live knowledge base, as far as the admin may read it."""
    from eval_sets import demo_eval

    return demo_eval.evaluate(services.searcher, services.answer_chain, access=principal.access)
