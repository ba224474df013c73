"""The volunteer spreadsheet: its columns, reading an uploaded file (XLSX or CSV) into rows of
text, and writing one (the template and the export). Import and export use these same columns,
so a sheet exported here can be imported again as it is.

The headers are Norwegian, as the template shows them (the associations' coordinators work in
Norwegian); the English names are accepted too. Nothing in a file is ever evaluated: an XLSX is
opened with its formulas as text (and a formula is refused by the import), and every text is
written as a text cell (never a formula; one a spreadsheet could take for a formula is marked to
be shown as typed).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

# Limits: the size is checked before the file is read, the rows while reading.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000  # rows that are not blank, the header's included
# An XLSX is a zip: unpacked, it may hold at most this much (a "zip bomb" is refused unread).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# Columns read at most (a sheet with thousands of empty columns is not read to its end).
MAX_COLUMNS = 40

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as the template shows it
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("first_name", "Fornavn", ("first name", "first_name"), True, "Kari"),
    Column("last_name", "Etternavn", ("last name", "last_name"), True, "Nordmann"),
    Column(
        "email", "E-post", ("epost", "e-postadresse", "email", "e-mail"), True, "kari@example.no"
    ),
    Column("phone", "Mobil", ("mobilnummer", "telefon", "phone", "mobile"), True, "912 34 567"),
    Column("municipality", "Kommune", ("municipality",), True, "Oslo"),
    Column("birth_year", "Fødselsår", ("fodselsar", "birth year", "birth_year"), True, "1980"),
    Column("languages", "Språk", ("sprak", "languages"), True, "no, en"),
    Column("is_woman", "Kvinne", ("er kvinne", "kjønn", "woman", "gender"), True, "ja"),
    Column("status", "Status", ("status",), True, "godkjent"),
    Column(
        "course_completed_on",
        "Kurs fullført",
        ("grunnkurs fullført", "course completed", "course_completed_on"),
        False,
        "15.01.2026",
    ),
    Column(
        "commitment_from",
        "Bindingstid fra",
        ("bindingstid", "commitment from", "commitment_from"),
        False,
        "01.02.2026",
    ),
    Column("motivation", "Motivasjon", ("motivation", "notat"), False, ""),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)

# The status words of the sheet (Norwegian, as the coordinators say them) and the codes.
STATUS_WORDS = {
    "applied": "søkt",
    "screening": "screening",
    "course": "kurs",
    "approved": "godkjent",
    "paused": "pause",
    "ended": "avsluttet",
    "rejected": "avslått",
}
YES = {"ja", "j", "x", "yes", "y", "true", "1", "kvinne", "k", "woman", "female", "f"}
NO = {"nei", "n", "no", "false", "0", "mann", "m", "man", "male"}

# A text starting with one of these may be taken for a formula by a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# A phone number as people write it (+47 912 34 567): not a formula in the phone column.
PHONE_TEXT = re.compile(r"^'?\+?[\d\s()-]+$")
# Control characters a cell's text loses when read (a line break and a tab are kept).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class SheetError(Exception):
    """The file cannot be read as a volunteer sheet; the message is for the coordinator."""


def _normal(header: object) -> str:
    return " ".join(str(header).replace("*", "").replace("_", " ").split()).lower()


HEADER_KEYS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.key, *_column.aliases):
        HEADER_KEYS[_normal(_name)] = _column.key


@dataclass
class Sheet:
    """What a file held: the columns found (by key), those not used, and its rows as text
    (or the date an XLSX cell held), each with its line number in the file."""

    keys: list[str | None]
    ignored: list[str]
    rows: list[tuple[int, dict[str, object]]]

    @property
    def missing(self) -> list[Column]:
        return [c for c in COLUMNS if c.required and c.key not in self.keys]


def looks_like_formula(value: object) -> bool:
    """A text a spreadsheet could evaluate: starting (after spaces) with =, +, -, @, or a tab
    or carriage return. A plain number (-5, +47) is not one."""
    if not isinstance(value, str):
        return False
    text = value.lstrip(" ")
    if not text.startswith(FORMULA_START):
        return False
    return not PLAIN_NUMBER.match(text.strip())


# --- Reading ---------------------------------------------------------------------------------


def read(data: bytes) -> Sheet:
    """The rows of an uploaded XLSX or CSV file (UTF-8 with or without a BOM, or Windows'
    cp1252; separated by semicolons, as Norwegian Excel saves it, commas or tabs). Raises
    SheetError for anything else, too large or with too many rows."""
    if len(data) > MAX_BYTES:
        raise SheetError("too_large")
    if not data.strip():
        raise SheetError("empty")
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError("old_excel")
    else:
        table = _read_csv(data)
    return _sheet(table)


def _check_zip(data: bytes) -> None:
    """An XLSX is a zip: refuse one that is not, or that unpacks to more than
    MAX_UNPACKED_BYTES (told by its directory, before anything is unpacked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise SheetError("not_a_sheet") from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError("too_large_unpacked")


def _xlsx_value(value: object) -> object:
    """A cell's value as the import reads it: text, a number, a truth value or a date. A formula
    (also an array or data-table one) stays a text starting with «=» (refused by the import);
    anything else (a time, a duration) becomes its text."""
    if value is None or isinstance(value, bool | int | float | date):
        return value  # a datetime is a date
    if isinstance(value, ArrayFormula):
        return "=" + str(value.text or "").lstrip("=")
    if isinstance(value, DataTableFormula):
        return "=TABLE()"
    if isinstance(value, str):
        return clean_text(value)
    return clean_text(str(value))


def clean_text(text: str) -> str:
    """A cell's text without its control characters (a line break and a tab are kept)."""
    return CONTROL_CHARACTERS.sub("", text)


def _read_xlsx(data: bytes) -> list[tuple[int, list[object]]]:
    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheet = book.worksheets[0]
            table = []
            filled = 0
            for number, row in enumerate(
                sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
            ):
                values = [_xlsx_value(value) for value in row]
                if all(_blank(v) for v in values):
                    continue
                table.append((number, values))
                filled += 1
                if filled > MAX_ROWS + 1:
                    raise SheetError("too_many_rows")
        finally:
            book.close()
    except SheetError:
        raise
    except Exception as error:  # a zip that is no workbook, a damaged one: never a 500
        raise SheetError("not_a_sheet") from error
    return table


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise SheetError("not_a_sheet")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _delimiter(text: str) -> str:
    """The separator of a CSV: the one found most in its first lines that are not blank."""
    lines = [line for line in text.splitlines() if line.strip()][:5]
    delimiter = max((";", ",", "\t"), key=lambda d: sum(line.count(d) for line in lines))
    if not lines or lines[0].count(delimiter) == 0:
        raise SheetError("not_a_sheet")
    return delimiter


def _read_csv(data: bytes) -> list[tuple[int, list[object]]]:
    text = _decode(data)
    delimiter = _delimiter(text)
    table: list[tuple[int, list[object]]] = []
    filled = 0
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        line = 1  # the line a row starts on (a quoted cell may hold line breaks)
        for row in reader:
            values: list[object] = [clean_text(value) for value in row[:MAX_COLUMNS]]
            number, line = line, reader.line_num + 1
            if all(_blank(v) for v in values):
                continue
            table.append((number, values))
            filled += 1
            if filled > MAX_ROWS + 1:
                raise SheetError("too_many_rows")
    except csv.Error as error:
        raise SheetError("not_a_sheet") from error
    return table


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet(table: list[tuple[int, list[object]]]) -> Sheet:
    """`table`: the rows that are not blank, each with its line in the file."""
    if not table:
        raise SheetError("empty")
    (_header_line, header), *body = table
    keys: list[str | None] = []
    ignored: list[str] = []
    for value in header:
        key = HEADER_KEYS.get(_normal(value)) if not _blank(value) else None
        if key in keys:
            key = None
        keys.append(key)
        if key is None and not _blank(value):
            ignored.append(str(value)[:50])
    if not any(keys):
        raise SheetError("no_columns")
    rows = []
    for number, values in body:
        row = {
            key: value
            for key, value in zip(keys, values, strict=False)
            if key and value is not None
        }
        rows.append((number, row))
    if len(rows) > MAX_ROWS:
        raise SheetError("too_many_rows")
    return Sheet(keys=keys, ignored=ignored, rows=rows)


# --- Writing ---------------------------------------------------------------------------------


def cell_text(value: object) -> str | int | float:
    """A value as the sheet has it, always a text or a number: a date as dd.mm.yyyy, None as
    empty, anything else (a truth value, a time) as its text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def _put(cell, value: object) -> None:
    """Write `value` into `cell`: a text always as a text cell (openpyxl would make one starting
    with «=» a formula), and one a spreadsheet could take for a formula shown as typed
    (quotePrefix: what Excel's leading apostrophe sets, without the apostrophe in the value)."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if text.lstrip(" ").startswith(FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value


def write_xlsx(rows: list[dict[str, object]], *, title: str) -> bytes:
    """A workbook of one sheet: the headers, then one row per dict (keys of COLUMNS)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        _put(cell, column.header)
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) + 4)
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(COLUMNS, start=1):
            _put(sheet.cell(row=number, column=index), cell_text(row.get(column.key)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_rows() -> list[dict[str, object]]:
    """The template's one example row."""
    return [{column.key: column.example for column in COLUMNS}]
