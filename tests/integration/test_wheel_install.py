"""A non-editable install works: the wheel built from the source tree, installed into a fresh
virtual environment, ingests the demo knowledge base it ships, answers a demo question with a
citation and serves its pages, from a directory outside the source tree.

The fresh environment reuses the project environment's installed dependencies (a ``.pth`` file
naming its site-packages; a ``.pth`` inside that folder, such as the editable install's, is not
read from there), so nothing is downloaded and the source tree is not on the path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import PROJECT

pytestmark = pytest.mark.integration
# What a build of the source tree must not pick up: checkouts, environments, caches, local data.
_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*cache", ".cache", "test-artifacts"
)


def _not_sources(folder: str, names: list[str]) -> set[str]:
    """The ignored names, and the service's own data folder at the top (not package ``data/`` folders)."""
    top = {"data"} if Path(folder) == PROJECT else set()
    return set(_NOT_SOURCES(folder, names)) | (top & set(names))


_PAGE_CHECK = """
from fastapi.testclient import TestClient
from assistant.api.app import create_app
with TestClient(create_app()) as client:
    page, script = client.get("/"), client.get("/static/chat.js")
    print(page.status_code, script.status_code, "示例市政务服务智能助手" in page.text)
"""


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{command[:3]} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    shutil.copytree(PROJECT, source, ignore=_not_sources, symlinks=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "PYTHONPATH" and not key.startswith("GOVASSIST_")
    }
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(root / "dist"),
            str(source),
        ],
        root,
        env,
    )
    [wheel] = (root / "dist").glob("gov_assistant-*.whl")
    shutil.rmtree(source)  # the install must not lean on it
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], root, env)
    purelib = Path(
        _run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            root,
            env,
        ).strip()
    )
    (purelib / "project-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        root,
        env,
    )
    outside = root / "elsewhere"
    outside.mkdir()
    env |= {
        "GOVASSIST_DATA_DIR": str(root / "data"),
        "GOVASSIST_LLM__BACKEND": "extractive",
        # the shared test cache of passage vectors (the same e5 model embeds the same demo texts)
        "GOVASSIST_EMBEDDING__CACHE_DIR": os.environ.get(
            "GOVASSIST_EMBEDDING__CACHE_DIR", str(root / "vectors")
        ),
        "GOVASSIST_RETENTION__PURGE_INTERVAL_HOURS": "0",
    }
    return venv, env | {"PWD": str(outside)}


def test_the_installed_package_is_the_wheel_not_the_source_tree(installed):
    venv, env = installed
    code = "import assistant, ingest, prompts, ui; print(assistant.__file__, ingest.__file__, prompts.__file__, ui.__file__)"
    for path in _run([str(venv / "bin" / "python"), "-c", code], Path(env["PWD"]), env).split():
        assert Path(path).is_relative_to(venv) and not Path(path).is_relative_to(PROJECT)


def test_the_installed_package_ingests_its_demo_kb_and_answers_with_a_citation(installed):
    venv, env = installed
    cwd = Path(env["PWD"])
    locate = "from importlib.resources import files; print(files('ingest') / 'demo_kb')"
    demo_kb = Path(_run([str(venv / "bin" / "python"), "-c", locate], cwd, env).strip())
    assert demo_kb.is_relative_to(venv) and any(demo_kb.rglob("*.xlsx")) and any(demo_kb.rglob("*.pdf"))
    _run([str(venv / "bin" / "govassist"), "ingest", str(demo_kb)], cwd, env)
    answer = _run([str(venv / "bin" / "govassist"), "ask", "办理居住证需要哪些材料？"], cwd, env)
    assert "已回答" in answer
    assert any(line.startswith("[1] ") and "居住证" in line for line in answer.splitlines()), answer
    assert _run([str(venv / "bin" / "python"), "-c", _PAGE_CHECK], cwd, env).split() == ["200", "200", "True"]
