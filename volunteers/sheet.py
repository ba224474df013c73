"""The volunteer spreadsheet: its columns, reading an uploaded file (XLSX or CSV) into rows of
text, and writing one (the template and the export). Import and export use these same columns,
so a sheet exported here can be imported again as it is.

The headers are Norwegian, as the template shows them (the associations' coordinators work in
Norwegian); the English names are accepted too. Nothing in a file is ever evaluated: an XLSX is
opened with its formulas as text (and a formula is refused by the import), and every value
written that a spreadsheet could take for a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

# Limits: the size is checked before the file is read, the rows while reading.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
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


def _read_xlsx(data: bytes) -> list[list[object]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheet = book.worksheets[0]
            table = []
            for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                table.append(list(row))
                if len(table) > MAX_ROWS + 1:
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


def _read_csv(data: bytes) -> list[list[object]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    if first.count(delimiter) == 0:
        raise SheetError("not_a_sheet")
    table: list[list[object]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            table.append(list(row[:MAX_COLUMNS]))
            if len(table) > MAX_ROWS + 1:
                raise SheetError("too_many_rows")
    except csv.Error as error:
        raise SheetError("not_a_sheet") from error
    return table


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet(table: list[list[object]]) -> Sheet:
    while table and all(_blank(v) for v in table[0]):
        table.pop(0)
    if not table:
        raise SheetError("empty")
    header, *body = table
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
    for number, values in enumerate(body, start=2):
        if all(_blank(v) for v in values):
            continue
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


def neutralised(value: object) -> object:
    """A value safe to write into a spreadsheet: a text a spreadsheet could take for a formula
    gets an apostrophe in front (shown as text, never evaluated)."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def cell_text(value: object) -> object:
    """A value as the sheet has it: a date as dd.mm.yyyy, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return value


def write_xlsx(rows: list[dict[str, object]], *, title: str) -> bytes:
    """A workbook of one sheet: the headers, then one row per dict (keys of COLUMNS)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([column.header for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralised(cell_text(row.get(column.key))) for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.header) + 4)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_rows() -> list[dict[str, object]]:
    """The template's one example row."""
    return [{column.key: column.example for column in COLUMNS}]
