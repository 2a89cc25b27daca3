"""Reading and writing the XLSX templates users download, fill and upload.

Headers are Vietnamese; the machine key of each column is accepted too. Reading never
writes anything: it returns rows with their sheet row numbers, or errors that name the
row and column, so an import can be all-or-nothing.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from antq.core.text import fold

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_TEMPLATE_ROWS = 5000


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Vietnamese header as printed in the template
    required: bool = False
    kind: str = "text"  # text | date | int
    help: str = ""
    choices: tuple[str, ...] = ()  # offered as a drop-down list in the template


@dataclass(frozen=True)
class CellError:
    row: int  # sheet row number (header is row 1); 0 for the whole file
    column: str  # header of the column, "" for the whole row
    message: str
    value: str = ""

    def __str__(self) -> str:
        where = f"dòng/row {self.row}" if self.row else "tệp/file"
        shown = f" [{self.value}]" if self.value else ""
        return f"{where}{', ' + self.column if self.column else ''}{shown}: {self.message}"


@dataclass
class SheetRows:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def unreadable(self) -> bool:
        """The file or its header is wrong: rows cannot be checked one by one."""
        return any(error.row <= 1 for error in self.errors)


@dataclass
class ImportResult:
    """What an all-or-nothing import did (or, with errors or a dry run, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def template_workbook(columns: list[Column], sheet_title: str, example: dict[str, Any] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.append([c.header + (" (*)" if c.required else "") for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    if example:
        sheet.append([example.get(c.key, "") for c in columns])
    lists = workbook.create_sheet("Danh mục")
    for index, column in enumerate(columns, start=1):
        if not column.choices:
            continue
        letter = get_column_letter(index)
        for row, choice in enumerate(column.choices, start=1):
            lists.cell(row=row, column=index, value=choice)
        validation = DataValidation(type="list", allow_blank=not column.required,
                                    formula1=f"'Danh mục'!${letter}$1:${letter}${len(column.choices)}")
        validation.error = "Chọn trong danh sách / choose from the list"
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{MAX_TEMPLATE_ROWS}")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column.header) + 6)
    help_sheet = workbook.create_sheet("Hướng dẫn")
    help_sheet.append(["Cột / column", "Mã máy / key", "Bắt buộc / required", "Ghi chú / notes"])
    for c in columns:
        help_sheet.append([c.header, c.key, "có/yes" if c.required else "", c.help])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    day_first, iso = _DAY_FIRST.match(text), _ISO_DATE.match(text)
    try:
        if day_first:
            return datetime.date(int(day_first[4]), int(day_first[3]), int(day_first[1]))
        if iso:
            return datetime.date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        pass
    raise ValueError(f"ngày không hợp lệ / invalid date {text!r} (dd/mm/yyyy)")


_DAY_FIRST = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$")  # 03/02/2026, 3-2-2026
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")  # 2026-02-03


def _cells_from_xlsx(data: bytes, result: SheetRows) -> Iterator[tuple[Any, ...]] | None:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        result.errors.append(CellError(0, "", f"không đọc được tệp / unreadable file: {exc}"))
        return None
    return workbook.worksheets[0].iter_rows(values_only=True)


def _cells_from_csv(data: bytes, result: SheetRows) -> Iterator[tuple[Any, ...]] | None:
    try:
        text = data.decode("utf-8-sig")  # with or without BOM
    except UnicodeDecodeError:
        result.errors.append(CellError(0, "", "tệp CSV phải mã hóa UTF-8 / CSV must be UTF-8"))
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return (tuple(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _convert(column: Column, value: Any) -> Any:
    if column.kind == "date":
        return _parse_date(value)
    if column.kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip().replace(".", "") if isinstance(value, str) else str(value)
        if not text.lstrip("-").isdigit():
            raise ValueError("không phải số nguyên / not a whole number")
        number = int(text)
        if number < 0:
            raise ValueError("phải ≥ 0 / must be ≥ 0")
        return number
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores codes typed as numbers as floats
    return str(value).strip()


def read_table(handle: IO[bytes], columns: list[Column]) -> SheetRows:
    """Rows of an .xlsx (first sheet) or UTF-8 .csv as {key: value}; blank rows skipped;
    every error collected (row, column, value, reason), nothing raised."""
    result = SheetRows()
    data = handle.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        result.errors.append(CellError(0, "", "tệp lớn hơn giới hạn / file larger than the limit"))
        return result
    is_xlsx = zipfile.is_zipfile(io.BytesIO(data))
    rows = _cells_from_xlsx(data, result) if is_xlsx else _cells_from_csv(data, result)
    if rows is None:
        return result
    header = next(rows, None)
    if header is None:
        result.errors.append(CellError(0, "", "tệp trống / empty file"))
        return result
    by_name: dict[str, Column] = {}
    for c in columns:
        by_name[fold(c.header)] = c
        by_name[fold(c.header + " (*)")] = c
        by_name[fold(c.key)] = c
    positions: dict[int, Column] = {}
    for index, title in enumerate(header):
        if title is None or str(title).strip() == "":
            continue
        column = by_name.get(fold(str(title)))
        if column is None:
            result.errors.append(CellError(1, str(title), "cột không xác định / unknown column"))
            continue
        if column in positions.values():
            result.errors.append(CellError(1, str(title), "cột lặp lại / repeated column"))
            continue
        positions[index] = column
    for missing in (c for c in columns if c.required and c not in positions.values()):
        result.errors.append(CellError(1, missing.header, "thiếu cột bắt buộc / required column missing"))
    if result.errors:
        return result
    for number, values in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            result.errors.append(CellError(number, "", f"quá {MAX_ROWS} dòng / more than {MAX_ROWS} rows"))
            break
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        row: dict[str, Any] = {}
        for index, column in positions.items():
            value = values[index] if index < len(values) else None
            if value is None or str(value).strip() == "":
                if column.required:
                    result.errors.append(CellError(number, column.header, "bắt buộc / required"))
                row[column.key] = None
                continue
            try:
                row[column.key] = _convert(column, value)
            except ValueError as exc:
                result.errors.append(CellError(number, column.header, str(exc), str(value)))
                row[column.key] = None
        result.rows.append((number, row))
    return result

