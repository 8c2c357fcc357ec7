"""The deployment's 12345 category taxonomy: data, not code.

A JSON Lines file with one category path per line, ``{"l1": "城市管理", "l2": "噪声扰民", "l3":
"施工噪声"}`` (the format of the TipDM 2020 taxonomy). A category label is a path prefix written
with slashes: ``城市管理/噪声扰民``. The shipped 示例市 taxonomy is package data (``assistant.hotline.data``).

This module only reads and checks paths, and writes each path as a line describing its category
(``descriptions``: what ``duty_routing``'s router matches a request against, as it does duty lines);
the category classifier is trained like any other label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import BadInput
from assistant.hotline import data as hotline_data
from assistant.jsonl import read_objects

LEVELS = ("l1", "l2", "l3")
DEFAULT_TAXONOMY = hotline_data.TAXONOMY


@dataclass(frozen=True)
class Taxonomy:
    paths: frozenset[
        tuple[str, ...]
    ]  # every prefix of every line: ("城市管理",), ("城市管理", "噪声扰民"), ...

    @classmethod
    def load(cls, path: Path = DEFAULT_TAXONOMY) -> Taxonomy:
        prefixes: set[tuple[str, ...]] = set()
        for number, record in read_objects(path, "分类体系"):
            levels = tuple(str(record[level]).strip() for level in LEVELS if record.get(level))
            if not levels:
                raise BadInput(f"{path.name} 第 {number} 行没有 l1")
            prefixes.update(levels[:depth] for depth in range(1, len(levels) + 1))
        return cls(frozenset(prefixes))

    def levels(self, label: str) -> tuple[str, ...] | None:
        """The levels of a category label (``城市管理/噪声扰民``), or None when it is not in the taxonomy."""
        levels = tuple(part.strip() for part in label.split("/"))
        return levels if levels in self.paths else None

    def labels(self, min_depth: int = 2) -> list[str]:
        """Every category path at least ``min_depth`` levels deep, written as a label, sorted."""
        return sorted("/".join(path) for path in self.paths if len(path) >= min_depth)

    def descriptions(self, depth: int) -> list[tuple[str, str]]:
        """(label of the first ``depth`` levels, the path's levels below the first) for every full
        path at least ``depth`` deep: ``("城市管理", "噪声扰民：施工噪声")`` at depth 1."""
        leaves = [
            path
            for path in self.paths
            if not any(len(other) > len(path) and other[: len(path)] == path for other in self.paths)
        ]
        return sorted(
            ("/".join(path[:depth]), "：".join(path[1:] or path)) for path in leaves if len(path) >= depth
        )

    def unknown(self, labels: Iterable[str]) -> list[str]:
        """The labels that are not a path of this taxonomy, sorted."""
        return sorted({label for label in labels if self.levels(label) is None})
