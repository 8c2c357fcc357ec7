"""Enterprise profiles (企业画像): the typed record, and reading CSV/XLSX files with per-row checks.

Owns ``EnterpriseProfile`` (``None`` = not known, which makes conditions on it "unknown"; an empty
qualification list = known to hold none), the Chinese column names and their aliases, and
``read_profiles``, which keeps every valid row and reports each bad one with its row number,
column and what is expected, so one bad cell loses nothing else. Money is in 万元 (a column headed
（元） or （亿元） is converted), import and export volumes in 万美元 (（美元）, （亿美元） converted). Leaves storing profiles to ``store``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assistant.errors import BadInput
from assistant.policy_matching.clauses import normalise, qualifications
from assistant.policy_matching.conditions import CREDIT_RATINGS, QUALIFICATIONS
from assistant.policy_matching.industries import division_of


@dataclass
class EnterpriseProfile:
    enterprise_id: str
    name: str
    credit_code: str = ""
    region: str | None = None
    industry_code: str | None = None
    registered_on: date | None = None
    employees: float | None = None
    revenue: float | None = None
    assets: float | None = None
    rd_ratio: float | None = None
    tax_paid: float | None = None
    qualifications: list[str] | None = None
    credit_rating: str | None = None
    dishonest: bool | None = None
    rd_amount: float | None = None  # 万元
    trade_value: float | None = None  # 进出口额, 万美元
    export_value: float | None = None  # 万美元
    import_value: float | None = None  # 万美元
    export_growth: float | None = None  # %, may be negative
    revenue_growth: float | None = None  # %, may be negative
    new_jobs: float | None = None  # 上年度新增就业人数


COLUMNS: dict[str, tuple[str, ...]] = {  # field → accepted headers (without the unit in brackets)
    "enterprise_id": ("企业编号", "企业ID", "编号"),
    "name": ("企业名称", "名称"),
    "credit_code": ("统一社会信用代码", "信用代码"),
    "region": ("注册地", "注册地址", "注册区域", "所在区域"),
    "industry_code": ("行业代码", "国民经济行业代码", "行业分类代码"),
    "registered_on": ("成立日期", "注册日期", "成立时间"),
    "employees": ("从业人员", "从业人数", "职工人数", "员工人数"),
    "revenue": ("上年度营业收入", "营业收入", "上年度销售收入"),
    "assets": ("资产总额", "总资产"),
    "rd_ratio": ("研发费用占营业收入比例", "研发费用占比", "研发投入强度"),
    "tax_paid": ("上年度纳税总额", "纳税总额", "上年度纳税额"),
    "qualifications": ("资质", "资质认定", "企业资质"),
    "credit_rating": ("纳税信用等级", "信用等级"),
    "dishonest": ("是否列入严重失信主体名单", "严重失信", "是否严重失信"),
    "rd_amount": ("上年度研发费用", "研发费用", "研发投入"),
    "trade_value": ("上年度进出口额", "进出口额", "进出口总额"),
    "export_value": ("上年度出口额", "出口额"),
    "import_value": ("上年度进口额", "进口额"),
    "export_growth": ("上年度出口额增长率", "出口额增长率", "出口增长率"),
    "revenue_growth": ("上年度营业收入增长率", "营业收入增长率", "营收增长率"),
    "new_jobs": ("上年度新增就业人数", "新增就业人数", "新增就业岗位"),
}
HEADERS: dict[str, str] = {
    "enterprise_id": "企业编号",
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "region": "注册地",
    "industry_code": "行业代码",
    "registered_on": "成立日期",
    "employees": "从业人员（人）",
    "revenue": "上年度营业收入（万元）",
    "assets": "资产总额（万元）",
    "rd_ratio": "研发费用占营业收入比例（%）",
    "tax_paid": "上年度纳税总额（万元）",
    "qualifications": "资质",
    "credit_rating": "纳税信用等级",
    "dishonest": "是否列入严重失信主体名单",
    "rd_amount": "上年度研发费用（万元）",
    "trade_value": "上年度进出口额（万美元）",
    "export_value": "上年度出口额（万美元）",
    "import_value": "上年度进口额（万美元）",
    "export_growth": "上年度出口额增长率（%）",
    "revenue_growth": "上年度营业收入增长率（%）",
    "new_jobs": "上年度新增就业人数（人）",
}
# Factor to the field's unit by the unit a header gives: money in 万元, trade volumes in 万美元.
_MONEY = ("revenue", "assets", "tax_paid", "rd_amount")
_DOLLARS = ("trade_value", "export_value", "import_value")
_FACTORS = {"元": 0.0001, "亿元": 10000.0, "美元": 0.0001, "亿美元": 10000.0}
_NUMBER_FIELDS = (
    "employees",
    "revenue",
    "assets",
    "tax_paid",
    "rd_ratio",
    "rd_amount",
    "trade_value",
    "export_value",
    "import_value",
    "export_growth",
    "revenue_growth",
    "new_jobs",
)
_SIGNED = ("export_growth", "revenue_growth")
_YES, _NO = ("是", "y", "yes", "true", "1"), ("否", "n", "no", "false", "0")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}：{self.message}"


@dataclass
class ImportReport:
    profiles: list[EnterpriseProfile] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


def _header_fields(header: list[str]) -> dict[int, tuple[str, float]]:
    """Column index → (field, factor to 万元) for every recognised header."""
    found: dict[int, tuple[str, float]] = {}
    for index, raw in enumerate(header):
        text = re.sub(r"\s", "", str(raw or "")).replace("(", "（").replace(")", "）")
        base, unit = re.sub(r"（.*?）", "", text), re.search(r"（(.*?)）", text)
        for name, accepted in COLUMNS.items():
            if base in accepted and name not in {f for f, _ in found.values()}:
                given = unit.group(1) if unit else ""
                convertible = (name in _MONEY and given in ("元", "亿元")) or (
                    name in _DOLLARS and given in ("美元", "亿美元")
                )
                found[index] = (name, _FACTORS[given] if convertible else 1.0)
    missing = [COLUMNS[n][0] for n in ("enterprise_id", "name") if n not in {f for f, _ in found.values()}]
    if missing:
        raise BadInput(f"缺少必填列：{'、'.join(missing)}；文件中的列为：{'、'.join(str(h) for h in header)}")
    return found


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalise(str(value))
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})", text)
    if not match:
        raise ValueError("应为日期，如 2019-05-01 或 2019年5月1日")
    parts = [int(p) for p in match.groups() if p is not None]
    return date(parts[0], parts[1], parts[2])


def _number(value: Any, factor: float, upper: float | None = None, signed: bool = False) -> float:
    number = (
        float(value)
        if isinstance(value, int | float)
        else float(normalise(str(value)).replace(",", "").rstrip("%"))
    )
    if (number < 0 and not signed) or (upper is not None and number > upper):
        raise ValueError(f"应为 0 到 {upper:g} 之间的数" if upper else "不能为负数")
    return round(number * factor, 4)


def _qualification_list(value: Any) -> list[str]:
    names: list[str] = []
    for part in re.split(r"[、,，;；/\s]+", str(value).strip()):
        if not part or part == "无":
            continue
        found, _ = qualifications(normalise(part))
        if len(found) != 1:
            raise ValueError(f"“{part}”不是可识别的资质，可填：{'、'.join(QUALIFICATIONS)}，没有填“无”")
        names.extend(found[0].value)
    return list(dict.fromkeys(names))


def _flag(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in _YES or text in _NO:
        return text in _YES
    raise ValueError("应填“是”或“否”")


def parse_value(name: str, value: Any, factor: float = 1.0) -> Any:
    """One cell → the field's type; ``ValueError`` with a Chinese message when it cannot be."""
    if name in ("enterprise_id", "name", "credit_code", "region"):
        return str(value).strip()
    if name == "industry_code":
        code = str(value).strip().upper()
        try:
            division_of(code)
        except BadInput as exc:
            raise ValueError(str(exc)) from exc
        return code
    if name == "registered_on":
        return _date(value)
    if name in _NUMBER_FIELDS:
        return _number(value, factor, 100.0 if name == "rd_ratio" else None, name in _SIGNED)
    if name == "qualifications":
        return _qualification_list(value)
    if name == "credit_rating":
        rating = str(value).strip().upper().rstrip("级")
        if rating not in CREDIT_RATINGS:
            raise ValueError(f"应为 {'、'.join(CREDIT_RATINGS)} 之一")
        return rating
    return _flag(value)


def profile_from_cells(
    cells: dict[str, tuple[Any, float]], row: int
) -> tuple[EnterpriseProfile | None, list[RowError]]:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for name, (raw, factor) in cells.items():
        if raw is None or str(raw).strip() == "":
            continue
        try:
            values[name] = parse_value(name, raw, factor)
        except ValueError as exc:
            message = str(exc) if re.search(r"[\u4e00-\u9fff]", str(exc)) else "格式无法识别"
            errors.append(RowError(row, HEADERS[name], f"“{raw}”{message}"))
    for name in ("enterprise_id", "name"):
        if not values.get(name):
            errors.append(RowError(row, HEADERS[name], "必填，不能为空"))
    if errors:
        return None, errors
    return EnterpriseProfile(**values), []


def _rows(path: Path) -> list[list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                with path.open(encoding=encoding, newline="") as source:
                    reader = csv.reader(source)
                    return list(reader)
            except UnicodeDecodeError:
                continue
            except csv.Error as exc:  # a cell longer than the csv module's field limit, or broken quoting
                raise BadInput(
                    f"{path.name}：第 {reader.line_num} 行无法读取（单元格超过 {csv.field_size_limit():,} 字符或格式有误），"
                    "请检查后重新导入"
                ) from exc
        raise BadInput(f"{path.name}：无法识别文件编码，请另存为 UTF-8 编码的 CSV")
    if suffix == ".xlsx":
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            raise BadInput(f"{path.name}：不是有效的 Excel 文件（{exc}）") from exc
        rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
        return rows
    raise BadInput(f"{path.name}：不支持的文件类型，请使用 .csv 或 .xlsx")


def read_profiles(path: Path, max_rows: int = 100_000) -> ImportReport:
    """Every valid profile of a CSV/XLSX file, and one error per bad cell (row numbers as in the file)."""
    if not path.is_file():
        raise BadInput(f"文件不存在：{path}")
    rows = [row for row in _rows(path)]
    if not rows:
        raise BadInput(f"{path.name}：文件为空")
    if len(rows) - 1 > max_rows:
        raise BadInput(f"{path.name}：共 {len(rows) - 1} 行，超过单次导入上限 {max_rows} 行，请拆分后导入")
    columns = _header_fields([str(h or "") for h in rows[0]])
    report, seen = ImportReport(rows=len(rows) - 1), set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(str(cell or "").strip() for cell in row):
            continue
        cells = {
            name: (row[index] if index < len(row) else None, factor)
            for index, (name, factor) in columns.items()
        }
        profile, errors = profile_from_cells(cells, number)
        if profile is not None and profile.enterprise_id in seen:
            errors, profile = [RowError(number, "企业编号", f"“{profile.enterprise_id}”与前面的行重复")], None
        report.errors.extend(errors)
        if profile is not None:
            seen.add(profile.enterprise_id)
            report.profiles.append(profile)
    return report
