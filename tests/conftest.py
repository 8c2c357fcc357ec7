"""Shared fixtures: a fresh settings object per test (own data dir), the demo knowledge base,
and the shared data directory when it exists.

Every test (and every process a test starts) shares one passage-vector cache, under
``.cache/test-embeddings`` in the checkout: the packaged e5 model embeds each distinct demo text
once per machine instead of once per test. The service's scheduled retention purge is off in tests
unless a test turns it on (``retention.purge_interval_hours``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.wiring import Services

PROJECT = Path(__file__).resolve().parent.parent
DEMO_KB = PROJECT / "ingest" / "demo_kb"
SHARED_DATA = PROJECT.parent / "shared" / "data"
os.environ.setdefault("GOVASSIST_EMBEDDING__CACHE_DIR", str(PROJECT / ".cache" / "test-embeddings"))
os.environ.setdefault("GOVASSIST_RETENTION__PURGE_INTERVAL_HOURS", "0")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data")


@pytest.fixture
def services(settings: Settings):
    services = Services(settings)
    yield services
    services.close()


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo knowledge base that a test may change."""
    target = tmp_path / "demo_kb"
    shutil.copytree(DEMO_KB, target)
    return target


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
