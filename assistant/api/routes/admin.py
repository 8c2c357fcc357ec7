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
from starlette.datastructures import UploadFile

from assistant.answering.answer import AnswerMode, AnswerStatus, Citation
from assistant.answering.chain import Trace
from assistant.api.deps import AdminDep, AuditDep, ServicesDep, audit_event
from assistant.api.upload_folder import UploadFolder, stored_name
from assistant.api.uploads import form_files, multipart_body, safe_filename, save_upload
from assistant.documents import SearchFilters
from ingest.pipeline import FileStatus, ingest_paths

router = APIRouter(prefix="/v1/admin", tags=["admin"])
DocumentFiles = Annotated[list[UploadFile], Depends(form_files("files"))]


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


class DocumentsOut(BaseModel):
    documents: list[DocumentOut]
    total: int


class RemovedOut(BaseModel):
    removed: list[str]
    missing: list[str]


@router.post("/documents", openapi_extra=multipart_body("files", many=True), response_model=UploadOut)
def upload_documents(
    request: Request, services: ServicesDep, principal: AdminDep, audit: AuditDep, files: DocumentFiles
) -> dict[str, Any]:
    """Upload files and ingest them; the report has one line per file (failed ones with the reason).
    ``files`` comes after ``principal``: the body is read only once the caller is known to be an admin."""
    settings = services.settings
    names = [stored_name(safe_filename(upload.filename)) for upload in files]  # all checked before anything is written
    if len(set(names)) < len(names):
        raise HTTPException(status_code=400, detail="同一次上传中有重名文件，请分开上传")
    folder = UploadFolder(settings.data_dir / "uploads")
    with services.writing, folder.staging() as staging:
        staged = [save_upload(upload, staging / name, settings.api.max_upload_mb) for upload, name in zip(files, names, strict=True)]
        placements = [folder.place(path) for path in staged]
        try:
            report = ingest_paths([placement.target for placement in placements], services.knowledge_base, settings.ingest)
        except BaseException:
            for placement in placements:
                placement.settle(kept=False)
            raise
        kept = {outcome.path for outcome in report.files if outcome.status != "failed"}
        for placement in placements:
            placement.settle(kept=str(placement.target) in kept)
    outcomes = [
        {"file": Path(o.path).name, "status": o.status, "documents": o.documents, "chunks": o.chunks, "reason": o.reason,
         "flagged": o.flagged}
        for o in report.files
    ]
    audit.record(audit_event(request, principal, "documents.upload", ", ".join(f"{o['file']}:{o['status']}" for o in outcomes)))
    return {"files": outcomes, "failed": len(report.failed), "flagged": sum(len(o.flagged) for o in report.files)}


@router.get("/documents", response_model=DocumentsOut)
def list_documents(services: ServicesDep, principal: AdminDep, kind: str | None = None) -> dict[str, Any]:
    entries = services.knowledge_base.manifest().documents.values()
    documents = [
        {"doc_id": e.doc_id, "title": e.title, "kind": e.kind, "chunks": e.chunk_count, "source": e.source,
         "ingested_at": e.ingested_at}
        for e in entries
        if kind is None or e.kind == kind
    ]
    return {"documents": documents, "total": len(documents)}


@router.delete("/documents", response_model=RemovedOut)
def delete_documents(
    request: Request, services: ServicesDep, principal: AdminDep, audit: AuditDep, doc_id: list[str] = Query(...)
) -> dict[str, Any]:
    knowledge_base = services.knowledge_base
    with services.writing:
        manifest = knowledge_base.manifest()
        files = {entry.path for key, entry in manifest.documents.items() if key in {manifest.resolve(d) for d in doc_id}}
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
    answer = services.answer_chain.consult(body.question, filters, trace).answer  # staff, not a citizen: nothing stored
    hits = [
        {"rank": rank, "doc_id": h.chunk.doc_id, "title": h.chunk.metadata.title or h.chunk.question,
         "kind": h.chunk.metadata.kind, "heading_path": h.chunk.heading_path, "text": h.chunk.text, "flags": h.chunk.flags,
         **asdict(h.scores)}
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
            "concepts": [{"surface": c.surface, "forms": list(c.forms), "weight": round(c.weight, 2)} for c in judgement.concepts],
            "candidates": [
                {"title": c.hit.chunk.metadata.title or c.hit.chunk.question, "heading_path": c.hit.chunk.heading_path,
                 "probability": round(c.probability, 3), "vetoed": c.vetoed,
                 **{name: round(value, 3) for name, value in c.features.items()}}
                for c in judgement.candidates
            ],
        },
        "filters": asdict(filters) | {"valid_on": "今天" if filters.valid_on is None else str(filters.valid_on)},
        "hits": hits,
        "evidence": [{"number": e.number, "text": e.text} for e in trace.evidence],
        "prompt": [{"role": m.role, "content": m.content} for m in trace.messages],
        "removed_sentences": trace.removed_sentences,
    }


@router.post("/evaluate", response_model=EvaluationOut)
def evaluate(services: ServicesDep, principal: AdminDep) -> dict[str, Any]:
    """Run the demo question set against the live knowledge base."""
    from eval_sets import demo_eval

    return demo_eval.evaluate(services.searcher, services.answer_chain)
