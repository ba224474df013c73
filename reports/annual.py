"""The annual report: the statistics' tables for one calendar year (1 January–31 December,
or the year so far), for one association or the whole country, with the year before beside
them where the tables allow, as a PDF (reportlab, built-in fonts) and a workbook (.xlsx).

The figures are the statistics' own (reports/report.py), suppressed as every export is: a
report leaves the system. Built by the task reports.build_annual_report; AnnualReport holds
its state and its files (in the database, served only by a view that checks access).
docs/statistics.md, which says how each figure is counted, is the appendix of both.
"""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from accounts.models import Association
from reports import report as compute
from reports import summary, tables
from reports.models import UNFINISHED, AnnualReport, AnnualStatus
from reports.periods import EARLIEST, Period
from reports.suppression import PRIMARY, SECONDARY
from reports.workbook import SHEET_NAME_MAX, make_workbook, save

logger = logging.getLogger(__name__)

FIRST_YEAR = EARLIEST.year
# A report still waiting or being built this long after it was asked for has failed (its worker
# stopped): a new one may be asked for.
STALE_AFTER = timedelta(hours=1)
DEFINITIONS = Path(settings.BASE_DIR) / "docs" / "statistics.md"
# The tables whose rows are the same every year: the year before goes beside them.
NOT_BESIDE = {
    "associations",
    "monthly",
    "referrals-by-shelter",
    "referrals-by-county",
    "end-reasons",
}
# The bar charts of the PDF: a table and the rows of its first column.
CHARTED = ("outcomes", "applications", "matches", "referrals")


def year_refusal(year: int, today: date | None = None) -> str | None:
    """Why no report can be made for `year` (None: it can)."""
    today = today or timezone.localdate()
    if year > today.year:
        return _("A report cannot be made for a year that has not started.")
    if year < FIRST_YEAR:
        return _("The programme has figures from %(year)s on.") % {"year": FIRST_YEAR}
    return None


def year_period(year: int, today: date | None = None) -> Period:
    """The calendar year, or the year so far (a period never ends after today)."""
    today = today or timezone.localdate()
    return Period(date(year, 1, 1), min(date(year, 12, 31), today))


def request_report(year: int, association: Association | None, user) -> AnnualReport:
    """The report of `year` for `association` being built: the one already waiting or being
    built, or a new one whose build starts when the transaction commits. Asked twice at once,
    one build (the database's constraint decides)."""
    unfinished = AnnualReport.objects.filter(
        year=year, association=association, status__in=UNFINISHED
    )
    # A build whose worker died stays unfinished: after STALE_AFTER it no longer blocks the year.
    unfinished.filter(requested_at__lt=timezone.now() - STALE_AFTER).update(
        status=AnnualStatus.FAILED, finished_at=timezone.now()
    )
    existing = unfinished.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            made = AnnualReport.objects.create(
                year=year, association=association, requested_by=user
            )
    except IntegrityError:
        found = unfinished.first()
        if found is None:  # finished in between: ask again
            return request_report(year, association, user)
        return found
    from reports.tasks import build_annual_report

    transaction.on_commit(lambda: build_annual_report.delay(made.pk))
    return made


def _exportable(built: dict[str, tables.Table]) -> dict[str, tables.Table]:
    return {slug: built[slug] for slug in tables.ORDER if slug in built and built[slug].exportable}


def figures(period: Period, association: Association | None) -> dict[str, tables.Table]:
    """The tables of the report, as the statistics' exports publish them: an association's
    as her coordinators' workbook has them, the country's as the national page's."""
    if association is not None:
        return _exportable(compute.own_workbook(period, association.pk))
    return _exportable(compute.National(period).all_tables(""))


def has_data(built: dict[str, tables.Table]) -> bool:
    """Whether anything at all was counted (a hidden count is something)."""
    for table in built.values():
        for row in table.rows:
            for cell in row.cells:
                if cell.state in (PRIMARY, SECONDARY):
                    return True
                if cell.kind in ("count", "activity") and cell.value:
                    return True
    return False


def beside(this: tables.Table, before: tables.Table | None, year: int) -> tables.Table:
    """The table with the year before's columns beside this year's, when its rows are the same
    rows (else as it is)."""
    if (
        before is None
        or this.slug in NOT_BESIDE
        or [r.label for r in this.rows] != [r.label for r in before.rows]
        or this.columns != before.columns
    ):
        return this
    names = this.columns[1:]
    columns = [
        this.columns[0],
        *(f"{name} {year}" if len(names) > 1 else str(year) for name in names),
        *(f"{name} {year - 1}" if len(names) > 1 else str(year - 1) for name in names),
    ]
    rows = [
        replace(row, cells=[*row.cells, *old.cells])
        for row, old in zip(this.rows, before.rows, strict=True)
    ]
    return replace(this, columns=columns, rows=rows)


def definitions() -> str:
    try:
        return DEFINITIONS.read_text(encoding="utf-8")
    except OSError:
        return ""


def title_of(year: int, association: Association | None) -> str:
    where = association.name if association is not None else _("The whole country")
    return _("Annual report %(year)s: %(where)s") % {"year": year, "where": where}


# --- The workbook ---------------------------------------------------------------------------


def build_workbook(
    chosen: list[tables.Table], *, title: str, period: Period, computed_at, empty: bool
) -> bytes:
    book = make_workbook(chosen, title=title, period=period, computed_at=computed_at)
    if empty:
        about = book.worksheets[0]
        about.insert_rows(2)
        about.cell(row=2, column=1, value=_("No data for this year"))
    sheet = book.create_sheet(_("Definitions")[:SHEET_NAME_MAX])
    for number, line in enumerate(definitions().splitlines(), start=1):
        written = sheet.cell(row=number, column=1, value=line)
        written.data_type = "s"
    sheet.column_dimensions["A"].width = 110
    return save(book)


# --- The PDF --------------------------------------------------------------------------------


# The tables' text: a cell that fits on one line is drawn as a plain string (in the same font,
# size and leading as the paragraph style), a longer one as a paragraph, wrapped. A paragraph is
# parsed, and wrapped again each time its table is split over a page (the national table of each
# association has 400 rows, over a dozen pages): as strings, the national PDF takes about a
# quarter of the time (docs/benchmarks.md, "The annual report").
FONT, FONT_SIZE, LEADING = "Helvetica", 7.5, 9
BOLD = "Helvetica-Bold"
PADDING = 6  # reportlab's default left and right padding of a cell


def _pdf_cell(text: str, width: float, small):
    if "\n" not in text and stringWidth(text, FONT, FONT_SIZE) <= width - 2 * PADDING:
        return text
    return Paragraph(escape(text), small)


def _pdf_table(table: tables.Table) -> PdfTable:
    data = [[str(c) for c in table.columns]]
    data += [[str(row.label), *(cell.text() for cell in row.cells)] for row in table.rows]
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontName=FONT, fontSize=FONT_SIZE, leading=LEADING)
    # The numbers' columns, their headings too, to the right.
    right = small.clone("small-right", alignment=TA_RIGHT)
    width = 170 * mm
    # The labels' column narrower when there are many columns of numbers (the year before's
    # beside the year's), so that their headings are not broken inside a word.
    first = width * (0.7 if len(table.columns) <= 2 else 0.45 if len(table.columns) <= 5 else 0.3)
    rest = (width - first) / max(len(table.columns) - 1, 1)
    widths = [first] + [rest] * (len(table.columns) - 1)
    wrapped = [
        [_pdf_cell(text, widths[i], right if i else small) for i, text in enumerate(line)]
        for line in data
    ]
    pdf_table = PdfTable(wrapped, colWidths=widths)
    pdf_table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, FONT_SIZE, LEADING),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1e6ea")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.2, colors.HexColor("#adb5bd")),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                *_row_styles(table),
            ]
        )
    )
    return pdf_table


def _row_styles(table: tables.Table) -> list[tuple]:
    """As on the page: a part of the row above ("of which ...") indented, a total in bold
    under a line."""
    styles: list[tuple] = []
    for number, row in enumerate(table.rows, start=1):
        if row.indent:
            styles.append(("LEFTPADDING", (0, number), (0, number), 14))
        if row.total:
            styles.append(("FONT", (0, number), (-1, number), BOLD, FONT_SIZE, LEADING))
            styles.append(("LINEABOVE", (0, number), (-1, number), 0.6, colors.black))
    return styles


def _chart(table: tables.Table) -> Drawing | None:
    """A bar per row of the table's first column whose count is shown (None: no count above
    nought is; a rate or a share is not drawn beside counts)."""
    shown = [
        (str(row.label), row.cells[0].value)
        for row in table.rows
        if row.cells[0].shown and row.cells[0].kind == "count"
    ]
    shown = [(label[:45], float(value)) for label, value in shown if value is not None]
    if not any(value for _label, value in shown):
        return None
    height = 20 + 16 * len(shown)
    drawing = Drawing(170 * mm, height + 10)
    chart = HorizontalBarChart()
    chart.x, chart.y = 75 * mm, 5
    chart.width, chart.height = 85 * mm, height
    chart.data = [[value for _label, value in reversed(shown)]]
    chart.categoryAxis.categoryNames = [label for label, _value in reversed(shown)]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#8a1538")
    drawing.add(chart)
    return drawing


def build_pdf(
    built: dict[str, tables.Table], *, title: str, period: Period, empty: bool, sentences: list
) -> bytes:
    styles = getSampleStyleSheet()
    # A heading stays on the page of what it heads.
    for name in ("Heading2", "Heading3"):
        styles[name].keepWithNext = 1
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author="Ressursvenner",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    story: list = [
        Spacer(1, 60 * mm),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                _("The period %(start)s–%(end)s")
                % {
                    "start": period.start.strftime("%d.%m.%Y"),
                    "end": period.end.strftime("%d.%m.%Y"),
                }
            ),
            styles["Heading3"],
        ),
        Paragraph(escape(str(tables.LEGEND)), styles["BodyText"]),
        PageBreak(),
    ]
    if empty:
        story.append(Paragraph(escape(_("No data for this year")), styles["Heading1"]))
    else:
        story.append(Paragraph(escape(_("Summary")), styles["Heading1"]))
        story += [Paragraph(escape(text), styles["BodyText"]) for text in sentences]
        for slug in CHARTED:
            if slug in built and (drawing := _chart(built[slug])) is not None:
                story.append(Paragraph(escape(str(built[slug].title)), styles["Heading3"]))
                story.append(drawing)
        for table in built.values():
            story.append(Paragraph(escape(str(table.title)), styles["Heading2"]))
            story.append(_pdf_table(table))
            story.append(Spacer(1, 4 * mm))
    story.append(PageBreak())
    story.append(Paragraph(escape(_("Appendix: how each figure is counted")), styles["Heading1"]))
    for line in definitions().splitlines():
        text = line.strip()
        if not text:
            continue
        if text.startswith("#"):
            story.append(Paragraph(escape(text.lstrip("# ")), styles["Heading3"]))
        else:
            story.append(Paragraph(escape(text.replace("`", "")), styles["BodyText"]))
    document.build(story)
    return out.getvalue()


# --- The build ------------------------------------------------------------------------------


def _progress(report: AnnualReport, progress: int, status: str = AnnualStatus.BUILDING) -> None:
    report.progress, report.status = progress, status
    AnnualReport.objects.filter(pk=report.pk).update(progress=progress, status=status)


def build(report_id: int) -> None:
    """Build the report: its tables for the year and the year before, then its files."""
    report = AnnualReport.objects.select_related("association").filter(pk=report_id).first()
    if report is None or report.status not in UNFINISHED:
        return
    try:
        with translation.override(settings.LANGUAGE_CODE):
            _build(report)
    except Exception:
        logger.exception("The annual report %s could not be built", report.pk)
        AnnualReport.objects.filter(pk=report.pk).update(
            status=AnnualStatus.FAILED, finished_at=timezone.now()
        )


def _build(report: AnnualReport) -> None:
    _progress(report, 5)
    period = year_period(report.year)
    built = figures(period, report.association)
    _progress(report, 40)
    before_period = Period(date(report.year - 1, 1, 1), date(report.year - 1, 12, 31))
    before = figures(before_period, report.association) if report.year > FIRST_YEAR else {}
    _progress(report, 70)
    empty = not has_data(built)
    sentences = summary.sentences(built, period)
    chosen = {slug: beside(table, before.get(slug), report.year) for slug, table in built.items()}
    title = title_of(report.year, report.association)
    computed_at = timezone.now()
    xlsx = build_workbook(
        [] if empty else list(chosen.values()),
        title=title,
        period=period,
        computed_at=computed_at,
        empty=empty,
    )
    _progress(report, 80)
    pdf = build_pdf(chosen, title=title, period=period, empty=empty, sentences=sentences)
    report.pdf, report.xlsx = pdf, xlsx
    report.status, report.progress, report.finished_at = AnnualStatus.DONE, 100, timezone.now()
    report.save(update_fields=["pdf", "xlsx", "status", "progress", "finished_at"])


# --- Who sees which -------------------------------------------------------------------------


def reports_for(membership):
    """The reports a person may see and download: a coordinator her association's, a national
    admin every one."""
    from accounts.models import Role

    reports = AnnualReport.objects.select_related("association").defer("pdf", "xlsx")
    if membership.role == Role.NATIONAL_ADMIN:
        return reports
    if membership.role == Role.COORDINATOR:
        return reports.filter(association=membership.own_association)
    return reports.none()
