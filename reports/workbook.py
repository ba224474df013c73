"""Every table of the statistics page in one spreadsheet workbook (.xlsx): a sheet per table,
each cell exactly as the table's CSV file has it.

A shown number is written as a number (so that a spreadsheet can add it up); a hidden one as
the same mark as in the CSV file ("<5", ":") and a measure with nothing to show as "–". No
personal data: the tables are counts, shares and medians, and the labels are words, crisis
shelters and associations. The free-text withdrawal reasons are never exported (not
`exportable`). A first sheet says what the marks mean, the period, and which sheet is which
table.
"""

from __future__ import annotations

import io
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from reports.periods import Period
from reports.suppression import SHOWN, SMALL_MAX
from reports.tables import Cell, Table

# Excel refuses a sheet name longer than this, or one with any of these characters.
SHEET_NAME_MAX = 31
SHEET_NAME_REFUSED = set("\\/?*[]:")

# A short name for each table's sheet (its title is often longer than a sheet name may be).
SHEET_NAMES = {
    "outcomes": gettext_lazy("Outcomes"),
    "other-outcomes": gettext_lazy("Other outcomes"),
    "later-outcomes": gettext_lazy("Six months later"),
    "applications": gettext_lazy("Applications"),
    "approvals": gettext_lazy("Approvals"),
    "pipeline": gettext_lazy("Volunteers by status"),
    "commitments": gettext_lazy("Commitment periods"),
    "renewals": gettext_lazy("Renewals"),
    "hours": gettext_lazy("Volunteers' hours"),
    "supervision": gettext_lazy("Supervision"),
    "courses": gettext_lazy("Courses"),
    "referrals": gettext_lazy("Referrals"),
    "waiting-times": gettext_lazy("Days to match"),
    "referrals-by-shelter": gettext_lazy("Referrals per shelter"),
    "referrals-by-county": gettext_lazy("Referrals per county"),
    "ended-planned": gettext_lazy("Planned or unplanned"),
    "withdrawn": gettext_lazy("Withdrawn referrals"),
    "cancelled": gettext_lazy("Cancelled proposals"),
    "matches": gettext_lazy("Matches"),
    "end-reasons": gettext_lazy("Why matches ended"),
    "concerns": gettext_lazy("Concerns"),
    "relationship": gettext_lazy("How the matches are going"),
    "monthly": gettext_lazy("Per month"),
    "associations": gettext_lazy("Each association"),
}

BOLD = Font(bold=True)
LABEL_WIDTH_MAX = 60


def sheet_name(slug: str, taken: set[str]) -> str:
    """The table's sheet name: its short name in the active language, never longer than Excel
    allows, without the characters it refuses, and not the name of another sheet."""
    name = "".join(c for c in str(SHEET_NAMES.get(slug, slug)) if c not in SHEET_NAME_REFUSED)
    name = name.strip()[:SHEET_NAME_MAX] or slug[:SHEET_NAME_MAX]
    candidate, number = name, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" {number}"
        candidate = name[: SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    return candidate


def cell_value(cell: Cell) -> str | int | float:
    """The cell as the workbook has it: the number when it is shown (as the CSV file writes
    it, to the same decimals), else the CSV file's mark."""
    if cell.state == SHOWN and cell.value is not None:
        number = cell.csv().replace(",", ".")
        return int(number) if number.lstrip("-").isdigit() else float(number)
    return cell.csv()


def _text(sheet, row: int, column: int, value: str, *, bold: bool = False) -> None:
    """A text cell that stays text: a label beginning with "=" is never read as a formula."""
    written = sheet.cell(row=row, column=column, value=value)
    written.data_type = "s"
    if bold:
        written.font = BOLD


def _about(sheet, *, title: str, period: Period, computed_at: datetime, tables: list) -> None:
    day = formats.date_format(timezone.localtime(computed_at), "d.m.Y H:i")
    lines = [
        (title, True),
        (
            _("The period %(start)s–%(end)s")
            % {
                "start": formats.date_format(period.start, "d.m.Y"),
                "end": formats.date_format(period.end, "d.m.Y"),
            },
            False,
        ),
        (_("Figures as of %(time)s.") % {"time": day}, False),
        ("", False),
        (
            _(
                "<%(limit)s: fewer than %(limit)s (a number from 1 to %(small_max)s) – hidden to "
                "protect the people it is about."
            )
            % {"limit": SMALL_MAX + 1, "small_max": SMALL_MAX},
            False,
        ),
        (_(":  hidden so that a small number cannot be worked out from the others."), False),
        (_("–: nothing to measure, or too few to show."), False),
        ("", False),
        (_("Sheet"), True),
    ]
    for number, (text, bold) in enumerate(lines, start=1):
        if text:
            _text(sheet, number, 1, text, bold=bold)
    _text(sheet, len(lines), 2, _("Table"), bold=True)
    for number, (name, table) in enumerate(tables, start=len(lines) + 1):
        _text(sheet, number, 1, name)
        _text(sheet, number, 2, str(table.title))
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 80


def workbook(chosen: list[Table], *, title: str, period: Period, computed_at: datetime) -> bytes:
    """The tables as one .xlsx file: the first sheet about the figures, then a sheet per
    table (its header row bold and frozen, then its rows as in its CSV file)."""
    return save(make_workbook(chosen, title=title, period=period, computed_at=computed_at))


def save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_workbook(
    chosen: list[Table], *, title: str, period: Period, computed_at: datetime
) -> Workbook:
    """The workbook of workbook(), not yet saved (the annual report adds to it)."""
    book = Workbook()
    about = book.active
    about.title = _("About the figures")[:SHEET_NAME_MAX]
    taken = {about.title}
    named = []
    for table in chosen:
        name = sheet_name(table.slug, taken)
        taken.add(name)
        named.append((name, table))
        sheet = book.create_sheet(name)
        for column, heading in enumerate(table.columns, start=1):
            _text(sheet, 1, column, str(heading), bold=True)
        for number, row in enumerate(table.rows, start=2):
            _text(sheet, number, 1, str(row.label), bold=row.total)
            for column, cell in enumerate(row.cells, start=2):
                sheet.cell(row=number, column=column, value=cell_value(cell))
        sheet.freeze_panes = "A2"
        longest = max([len(str(row.label)) for row in table.rows] + [len(table.columns[0])])
        sheet.column_dimensions["A"].width = min(longest + 2, LABEL_WIDTH_MAX)
        for column in range(2, len(table.columns) + 1):
            letter = sheet.cell(row=1, column=column).column_letter
            sheet.column_dimensions[letter].width = max(len(table.columns[column - 1]) + 2, 10)
    _about(about, title=title, period=period, computed_at=computed_at, tables=named)
    # Who made it is not said: the file leaves the system.
    book.properties.creator = "Ressursvenner"
    book.properties.lastModifiedBy = "Ressursvenner"
    book.properties.title = title
    book.properties.created = book.properties.modified = computed_at.replace(tzinfo=None)
    return book
