"""The hotline's shipped defaults, package data so that a wheel install has them: the 示例市
category taxonomy, the labelled 示例市 history the default classifiers are trained on (written
by ``eval_sets/hotline/make_training.py``) and the vocabulary of problems hot-issue grouping tells
apart. A deployment replaces them with its own."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# Wheels install unpacked, so the package data are plain files on disk.
TAXONOMY = Path(str(files(__name__) / "taxonomy.jsonl"))
TRAINING = Path(str(files(__name__) / "training.jsonl"))
PROBLEMS = Path(str(files(__name__) / "problems.jsonl"))
