from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.config import Settings, get_settings
from assistant.errors import ConfigurationError


def test_defaults_are_offline_and_embedded():
    settings = Settings(_env_file=None)
    assert settings.offline is True
    assert settings.qdrant.url == ""
    assert settings.embedding.backend == "e5" and settings.embedding.cache
    assert settings.reranker.model == ""


def test_nested_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("GOVASSIST_QDRANT__URL", "http://qdrant:6333")
    monkeypatch.setenv("GOVASSIST_SEARCH__TOP_K", "7")
    monkeypatch.setenv("GOVASSIST_DATA_DIR", str(tmp_path))
    settings = Settings(_env_file=None)
    assert settings.qdrant.url == "http://qdrant:6333"
    assert settings.search.top_k == 7
    assert settings.data_dir == Path(tmp_path)


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "GOVASSIST_EMBEDDING__BACKEND=sentence-transformers\nGOVASSIST_EMBEDDING__MODEL=/models/bge\n"
    )
    settings = Settings(_env_file=env_file)
    assert settings.embedding.backend == "sentence-transformers"
    assert settings.embedding.model == "/models/bge"


def test_retention_defaults_and_the_legal_minimum_for_the_audit_log(monkeypatch):
    retention = Settings(_env_file=None).retention
    assert retention.audit_days >= 180 and retention.conversation_days < retention.audit_days
    assert retention.transcript_days < retention.audit_days and retention.ticket_days is None
    monkeypatch.setenv("GOVASSIST_RETENTION__AUDIT_DAYS", "90")
    with pytest.raises(ValidationError, match="至少保留 180 天"):
        Settings(_env_file=None)
    get_settings.cache_clear()
    with pytest.raises(ConfigurationError, match="retention.audit_days：审计日志至少保留 180 天"):
        get_settings()  # what the CLI and the service print: one line, no traceback
    monkeypatch.setenv("GOVASSIST_RETENTION__AUDIT_DAYS", "400")
    assert Settings(_env_file=None).retention.audit_days == 400
