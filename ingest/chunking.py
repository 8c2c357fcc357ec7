"""Chinese-aware, structure-keeping chunking of Documents into Chunks.

Owns: recognising the numbering of Chinese official documents in plain text (第X章/第X节/第X条,
一、/（一）/1./（1）) to build heading paths, splitting prose at sentence ends (。！？；) and only as a
last resort at ，、, keeping tables whole where they fit (else split by rows, header repeated),
merging tiny neighbours, and the one-chunk rule for FAQ entries.
Leaves: reading files and their explicit structure (``ingest.readers`` gives Sections with
heading paths), metadata (copied onto every chunk as is), embedding and indexing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.documents import Chunk, Document, Section

_CN = "[一二三四五六七八九十百零〇两]+"
# (rank, pattern): a smaller rank is a higher level. 第X条 (rank 3) is the article, a natural unit.
_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(rf"^第(?:{_CN}|\d+)编")),
    (1, re.compile(rf"^第(?:{_CN}|\d+)章")),
    (2, re.compile(rf"^第(?:{_CN}|\d+)节")),
    (3, re.compile(rf"^第(?:{_CN}|\d+)条")),
    (4, re.compile(rf"^{_CN}[、.．]")),
    (5, re.compile(rf"^[（(]{_CN}[）)]")),
    (6, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (7, re.compile(r"^[（(]\d{1,2}[）)]")),
)
_INLINE_MARKER_RE = re.compile(rf"[ \t\u3000]+(?=第(?:{_CN}|\d+)[章节条]|{_CN}、|[（(]{_CN}[）)])")
_SENTENCE_RE = re.compile(r"[^。！？；!?;\n]+(?:[。！？；!?;]+[”」』’）)]*)?|[。！？；!?;]+")
_CLAUSE_RE = re.compile(r"[^，、,：:]+[，、,：:]*|[，、,：:]+")
_NO_HEADING_END = "。！？；，,;!?：:"
_RUN_IN_END_RE = re.compile(r"[。！？；：:]|\s+")  # a run-in title ends at its full stop or a space
_TABLE_RULE_RE = re.compile(r"^\|?\s*:?-{3,}")


def heading_marker(line: str) -> tuple[int, str] | None:
    """The rank and text of the numbering that opens ``line`` (e.g. (3, '第三条')), or None."""
    for rank, pattern in _MARKERS:
        match = pattern.match(line)
        if match:
            return rank, match.group(0)
    return None


@dataclass
class _Heading:
    rank: int
    text: str
    used: bool  # a run-in heading (its text stays in the body), or a heading that has body under it


@dataclass
class _Piece:
    path: list[str]
    text: str
    is_table: bool = False


def _line_heading(line: str) -> tuple[_Heading | None, bool]:
    """(heading to push or None, whether the line is a pure heading and leaves the body)."""
    found = heading_marker(line)
    if found is None:
        return None, False
    rank, marker = found
    if len(line) <= 30 and line[-1] not in _NO_HEADING_END:
        return _Heading(rank, line, used=False), True
    if rank == 3:
        return _Heading(rank, marker, used=True), False
    rest = line[len(marker) :].lstrip()
    first = _RUN_IN_END_RE.split(rest, maxsplit=1)
    if len(first) == 2 and 0 < len(first[0]) <= 20 and not re.search(r"[，,、]", first[0]):
        return _Heading(rank, marker + first[0], used=True), False
    return (_Heading(rank, marker, used=True) if rank <= 5 else _Heading(rank, "", used=True)), False


def _prepared_lines(text: str) -> list[str]:
    """Stripped non-empty lines; long lines are broken before 第X条/一、/（一） that follow a space."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = _INLINE_MARKER_RE.sub("\n", raw) if len(raw) > 200 else raw
        lines.extend(part.strip() for part in line.split("\n") if part.strip())
    return lines


def _section_runs(section: Section) -> list[_Piece]:
    """Split a prose Section into runs of paragraphs that share one heading path.

    A heading line followed by no body (a short list item like "1. 身份证") is not lost: when it
    is popped unused it is written into the body under its parent's path.
    """
    stack: list[_Heading] = []
    runs: list[_Piece] = []

    def add(line: str) -> None:
        path = section.heading_path + [entry.text for entry in stack]
        for entry in stack:
            entry.used = True
        if runs and runs[-1].path == path:
            runs[-1].text += "\n" + line
        else:
            runs.append(_Piece(path, line))

    for line in _prepared_lines(section.text):
        heading, pure = _line_heading(line)
        if heading is not None:
            kept = [entry for entry in stack if entry.rank < heading.rank]
            orphans = [entry.text for entry in stack[len(kept) :] if not entry.used]
            stack = kept
            if orphans:
                add("\n".join(orphans))
            if heading.text:
                stack.append(heading)
        if not pure:
            add(line)
    unused = [index for index, entry in enumerate(stack) if not entry.used]
    if unused:
        tail = [entry.text for entry in stack[unused[0] :] if not entry.used]
        stack = stack[: unused[0]]
        add("\n".join(tail))
    return runs


def _atoms(paragraph: str, max_chars: int) -> list[str]:
    """Cut a paragraph into pieces of at most ``max_chars``: sentences, else clauses, else hard cuts."""
    if len(paragraph) <= max_chars:
        return [paragraph]
    atoms: list[str] = []
    for sentence in _SENTENCE_RE.findall(paragraph):
        if len(sentence) <= max_chars:
            atoms.append(sentence)
            continue
        for clause in _CLAUSE_RE.findall(sentence):
            atoms.extend(clause[start : start + max_chars] for start in range(0, len(clause), max_chars))
    return atoms


def _pack(run: _Piece, max_chars: int, overlap_chars: int) -> list[_Piece]:
    """Greedily pack a run's sentences into pieces of at most ``max_chars``; paragraphs keep newlines."""
    pieces: list[_Piece] = []
    current: list[tuple[str, str]] = []  # (separator before, atom)

    def size(parts: list[tuple[str, str]]) -> int:
        return sum(len(sep) + len(atom) for sep, atom in parts) - (len(parts[0][0]) if parts else 0)

    for number, paragraph in enumerate(run.text.split("\n")):
        for index, atom in enumerate(_atoms(paragraph, max_chars)):
            separator = "\n" if index == 0 and number > 0 else ""
            if current and size([*current, (separator, atom)]) > max_chars:
                pieces.append(_Piece(run.path, "".join(s + a for s, a in current).lstrip("\n")))
                carry: list[tuple[str, str]] = []
                while overlap_chars and current and size([current[-1], *carry]) <= overlap_chars:
                    carry.insert(0, current.pop())
                current = carry if size([*carry, (separator, atom)]) <= max_chars else []
            current.append((separator, atom))
    if current:
        pieces.append(_Piece(run.path, "".join(s + a for s, a in current).lstrip("\n")))
    return pieces


def _table_pieces(section: Section, max_chars: int) -> list[_Piece]:
    """A table whole when it fits in 2*max_chars, else groups of rows each under the header rows."""
    text = section.text.strip()
    if len(text) <= 2 * max_chars:
        return [_Piece(section.heading_path, text, is_table=True)]
    lines = text.split("\n")
    header_size = 2 if len(lines) > 1 and _TABLE_RULE_RE.match(lines[1]) else 1
    header = "\n".join(lines[:header_size])
    if len(header) > max_chars:  # a header this long is prose in disguise: cut it like prose
        header = ""
        header_size = 0
    room = max_chars - len(header) - 1
    pieces: list[_Piece] = []
    group: list[str] = []
    for line in lines[header_size:]:
        for row in (line[start : start + room] for start in range(0, len(line), room)):
            if group and len("\n".join([header, *group, row])) > max_chars:
                pieces.append(
                    _Piece(section.heading_path, "\n".join([header, *group]).strip(), is_table=True)
                )
                group = []
            group.append(row)
    if group:
        pieces.append(_Piece(section.heading_path, "\n".join([header, *group]).strip(), is_table=True))
    return pieces


def _common_prefix(first: list[str], second: list[str]) -> list[str]:
    prefix = []
    for left, right in zip(first, second, strict=False):
        if left != right:
            break
        prefix.append(left)
    return prefix


def _labelled_text(piece: _Piece, keep: int) -> str:
    """The piece's text with the headings below the kept path level written in, unless already there."""
    labels = [heading for heading in piece.path[keep:] if not piece.text.startswith(heading)]
    return "\n".join([*labels, piece.text])


def _merge_tiny(pieces: list[_Piece], max_chars: int) -> list[_Piece]:
    """Merge neighbours under one heading, and tiny ones into a sibling or parent, within max_chars."""
    tiny = max(20, max_chars // 10)
    merged: list[_Piece] = []
    for piece in pieces:
        previous = merged[-1] if merged else None
        if previous is None or previous.is_table or piece.is_table:
            merged.append(piece)
            continue
        prefix = _common_prefix(previous.path, piece.path)
        related = len(prefix) >= max(len(previous.path), len(piece.path)) - 1
        small = min(len(previous.text), len(piece.text)) < tiny
        if previous.path == piece.path or (small and related):
            text = _labelled_text(previous, len(prefix)) + "\n" + _labelled_text(piece, len(prefix))
            if len(text) <= max_chars:
                merged[-1] = _Piece(prefix, text)
                continue
        merged.append(piece)
    return merged


def chunk_document(document: Document, max_chars: int = 500, overlap_chars: int = 0) -> list[Chunk]:
    """Cut a Document into Chunks of at most ``max_chars`` characters (tables: up to 2*max_chars).

    FAQ documents give exactly one chunk: the question in ``Chunk.question`` and the answer,
    verbatim and however long, in ``Chunk.text``. ``overlap_chars`` repeats up to that many
    characters of whole trailing sentences at the start of the next chunk under the same heading.
    """
    if max_chars < 50 or not 0 <= overlap_chars < max_chars // 2:
        raise ValueError(
            f"max_chars must be ≥ 50 and 0 ≤ overlap_chars < max_chars/2, got {max_chars}, {overlap_chars}"
        )
    content_hash = document.content_hash
    if document.faq is not None:
        return [
            Chunk(
                document.doc_id,
                0,
                document.faq.answer,
                [],
                document.metadata,
                content_hash,
                question=document.faq.question,
            )
        ]
    pieces: list[_Piece] = []
    for section in document.sections:
        if section.is_table:
            pieces.extend(_table_pieces(section, max_chars))
            continue
        for run in _section_runs(section):
            pieces.extend(_pack(run, max_chars, overlap_chars))
    return [
        Chunk(document.doc_id, number, piece.text, piece.path, document.metadata, content_hash)
        for number, piece in enumerate(_merge_tiny(pieces, max_chars))
    ]
