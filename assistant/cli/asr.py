"""``govassist transcribe FILE`` and ``govassist bench asr``: speech recognition from the terminal.

The commands only parse options and print; recognition is ``assistant.speech``'s, the bench's
figures ``eval_sets.asr``'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from assistant.wiring import get_services

console = Console(width=200)

CLIP_COLUMNS = (
    "clip",
    "seconds",
    "CER",
    "RTF",
    "live_CER",
    "live_delay_s",
    "reference",
    "hypothesis",
    "live_hypothesis",
)
SUMMARY_COLUMNS = (
    "condition",
    "clips",
    "ref_chars",
    "CER",
    "RTF",
    "live_CER",
    "live_delay_mean_s",
    "live_delay_max_s",
    "long_files",
    "long_seconds",
    "long_RTF",
)
CONSISTENCY_COLUMNS = (
    "audio",
    "seconds",
    "batch_chars",
    "live_vs_batch_CER",
    "first_pass_vs_batch_CER",
    "batch_vs_shifted_CER",
    "lines",
    "longest_line_s",
    "delay_mean_s",
    "delay_max_s",
    "revisions",
    "revision_delay_mean_s",
    "revision_delay_max_s",
    "live_cpu_per_audio_s",
    "batch_cpu_per_audio_s",
    "live_cpu_per_line_s",
    "live_decodes_per_line",
    "live_redecodes",
    "live_fallbacks",
    "batch_ref_CER",
    "live_ref_CER",
)

PAIR_COLUMNS = ("pause_s", "pairs", "ref_chars", "CER", "lost_speech")


def transcribe(
    file: Path = typer.Argument(
        ..., help="录音文件（wav、mp3、m4a、ogg、amr 等；双声道通话按来电人/坐席分开）"
    ),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象（分段、时间、说话人）"),
) -> None:
    """识别录音，输出简体中文文字稿（带时间与说话人）。"""
    transcript = get_services().speech_to_text.transcribe(file)
    if as_json:
        segments = [
            {"start": round(s.start, 2), "end": round(s.end, 2), "speaker": s.speaker, "text": s.text}
            for s in transcript.segments
        ]
        payload = {
            "duration": round(transcript.duration, 2),
            "speakers": list(transcript.speakers),
            "text": transcript.text,
            "segments": segments,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    if not transcript.segments:
        console.print(f"（{transcript.duration:.1f} 秒录音中没有识别到语音）", highlight=False)
        return
    for line in transcript.dialogue():
        console.print(line, highlight=False, markup=False)


def bench_asr(
    audio: Path = typer.Option(
        ..., exists=True, file_okay=False, help="音频目录（文件名与 refs.tsv 第一列一致）"
    ),
    refs: Path = typer.Option(..., exists=True, dir_okay=False, help="参考文本 TSV：文件名<TAB>参考文字"),
    telephone: bool = typer.Option(
        False, "--telephone", help="先转为电话音质（300–3400 Hz 带通、8 kHz）再测"
    ),
    long: list[Path] = typer.Option(
        [], "--long", exists=True, dir_okay=False, help="长音频文件（测长音频 RTF，可多次给出）"
    ),
    consistency: Path | None = typer.Option(
        None,
        "--consistency",
        exists=True,
        file_okay=False,
        help="无需参考文本的检查：此目录下（含子目录）每个音频及由它们拼接（加静音与噪声）的录音，实时转写对照文件转写的 CER",
    ),
    recordings: int = typer.Option(2, "--recordings", min=0, help="拼接录音的条数（--consistency 时）"),
    recording_seconds: float = typer.Option(
        45.0, "--recording-seconds", min=5, help="每条拼接录音的大致时长（秒）"
    ),
    floor: bool = typer.Option(
        False,
        "--floor",
        help="一致性检查的下限参考：每个音频前加 0.05/0.1/0.2 秒静音再按文件转写，对照原文件转写的 CER（--consistency 时）",
    ),
    pairs: list[float] = typer.Option(
        [],
        "--pairs",
        min=0.1,
        help="两两拼接有参考文本的音频（中间停顿此秒数，可多次给出），按文件转写的 CER 与丢失语音的对数",
    ),
    as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象"),
) -> None:
    """语音识别：字错率（CER，转简体并去标点后）、实时率（RTF）、实时转写的末段延迟。"""
    from eval_sets import asr as bench

    result = bench.run(
        audio,
        refs,
        telephone=telephone,
        long_files=list(long),
        consistency=consistency,
        recordings=recordings,
        recording_s=recording_seconds,
        floor=floor,
        pairs=tuple(pairs),
        settings=get_services().settings,
    )
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    _print_table(f"语音识别基准：{audio.name}（逐条）", result["rows"], CLIP_COLUMNS)
    _print_table(
        f"语音识别基准：{result['model']}，{result['settings']}", [result["summary"]], SUMMARY_COLUMNS
    )
    if result["pairs"]:
        _print_table("两两拼接（按文件转写）", result["pairs"], PAIR_COLUMNS)
    if result["consistency"]:
        checked = result["consistency"]
        _print_table(
            f"实时与文件转写一致性：{consistency}（逐条）",
            checked["rows"],
            CONSISTENCY_COLUMNS + ("batch", "live"),
        )
        _print_table("实时与文件转写一致性（汇总）", checked["summary"], CONSISTENCY_COLUMNS)
    console.print(
        "目标：CER ≤ 0.10（16 kHz）/ ≤ 0.13（8 kHz），长音频 RTF ≤ 0.3；实时 CER 与文件 CER 相差 ≤ 0.03，"
        "实时对照文件转写 CER ≤ 0.05，末行延迟平均 ≤ 1.5 秒、最大 ≤ 3 秒（2 核空闲）",
        highlight=False,
    )


def _print_table(title: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    table = Table(title=title)
    for column in columns:
        text = column in {"clip", "condition", "audio", "reference", "batch", "live"} or "hyp" in column
        table.add_column(column, justify="left" if text else "right")
    for row in rows:
        table.add_row(
            *(
                "-" if row.get(c) is None else f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c])
                for c in columns
            )
        )
    console.print(table)
