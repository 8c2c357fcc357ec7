"""The offline promise, proven: ingest the demo knowledge base and search it from the real
``govassist`` command inside a network namespace that has no network at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_KB

pytestmark = pytest.mark.integration
GOVASSIST = Path(sys.executable).parent / "govassist"


def _no_network_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is not installed")
    probe = subprocess.run([unshare, "--net", "--map-root-user", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {probe.stderr.decode().strip()}")
    return [unshare, "--net", "--map-root-user"]


def test_ingest_and_search_with_the_network_cut(tmp_path):
    prefix = _no_network_prefix()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GOVASSIST_", "HF_", "TRANSFORMERS_"))
    }
    environment |= {"GOVASSIST_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    network_check = subprocess.run(
        [
            *prefix,
            sys.executable,
            "-c",
            "import socket; socket.create_connection(('1.1.1.1', 443), timeout=2)",
        ],
        capture_output=True,
    )
    assert network_check.returncode != 0, "the namespace must have no network"
    ingest = subprocess.run(
        [*prefix, str(GOVASSIST), "ingest", str(DEMO_KB)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
    )
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    search = subprocess.run(
        [*prefix, str(GOVASSIST), "search", "办理居住证需要哪些材料？", "--json"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
    )
    assert search.returncode == 0, search.stderr
    assert "居住证" in search.stdout
