"""CSV exports: what a spreadsheet opens is data, never a formula someone typed."""

from __future__ import annotations

import csv
import io

from assistant.exports import to_csv


def test_cells_that_would_run_as_formulas_are_quoted_and_the_rest_kept():
    comments = [
        '=HYPERLINK("http://evil","点我")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "回答很清楚",
        "满意-非常",
    ]
    rows = [{"comment": comment, "level": 5} for comment in comments]
    text = to_csv(rows, {"comment": "评价内容", "level": "评价等级代码"})
    assert text.startswith("\ufeff评价内容,评价等级代码")
    read = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row["评价内容"] for row in read] == [f"'{c}" for c in comments[:5]] + comments[5:]
    assert {row["评价等级代码"] for row in read} == {"5"}
