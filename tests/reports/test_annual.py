"""The annual report: every figure of a calendar year as a PDF and a workbook, built by a Celery
task (eager here), suppressed as the statistics' exports are, the year before beside it.

The data set is tests/reports/conftest.py's (2025, with a little of 2024). Read in Norwegian:
the report is made in the programme's language.
"""

import base64
import io
import re
import zlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports import annual
from reports.models import AnnualReport, AnnualStatus
from tests.conftest import login
from tests.factories import AssociationFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

PAGE = reverse("annual_reports")


def ask(client, capture, year, forening=""):
    """Ask for a report and let its build run (the task starts when the request commits)."""
    with capture(execute=True):
        response = client.post(PAGE, {"year": year, "forening": forening})
    assert response.status_code == 302, response.content[:500]
    return AnnualReport.objects.latest("pk")


def download(client, report, kind):
    response = client.get(reverse("annual_report_download", args=[report.pk, kind]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def pdf_text(content: bytes) -> bytes:
    """The PDF's page contents, decoded (reportlab writes them ASCII85 over zlib)."""
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
        try:
            parts.append(zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>"))))
        except (ValueError, zlib.error):
            continue  # a font or an image: not text
    return b"".join(parts)


def test_a_national_report_holds_the_years_figures_and_the_year_before(
    client, dataset, national_admin, django_capture_on_commit_callbacks
):
    login(client, national_admin)
    report = ask(client, django_capture_on_commit_callbacks, 2025)
    report.refresh_from_db()
    assert report.association is None
    assert (report.status, report.progress) == (AnnualStatus.DONE, 100)
    assert report.finished_at is not None

    book = load_workbook(io.BytesIO(download(client, report, "xlsx")))
    outcomes = book["Utfall"]
    # Hand-counted in the statistics' tests: 11 ended, fewer than 5 moved back (hidden).
    assert outcomes["B2"].value == 11 and outcomes["B3"].value == "<5"
    # The year before beside it: its columns named by year.
    assert [outcomes["B1"].value, outcomes["C1"].value] == ["2025", "2024"]
    # Her situation at the end, and how the pairs were doing, have their sheets too.
    assert {
        "Andre utfall",
        "Seks måneder etter",
        "Hvor godt går det i koblingene",
        "Henvisninger per fylke",
        "Planlagt eller uplanlagt",
    } <= set(book.sheetnames)
    # Bergen's twelve referrals of 2025 live in Vestland (4601), Oslo's seven in Oslo (0301).
    counties = {row[0]: row[1] for row in rows(book["Henvisninger per fylke"])}
    assert (counties["Vestland"], counties["Oslo"], counties["Totalt"]) == (12, 7, 19)
    # 2024: one match started (M7, 1 November 2024): fewer than 5, hidden.
    matches = rows(book["Koblinger"])
    started = next(row for row in matches if row[0] == "Startet i perioden")
    assert started[2] == "<5"
    assert matches[0][1:3] == ["2025", "2024"]
    # Associations side by side, suppressed.
    names = [row[0] for row in rows(book["Hver lokalforening"])][1:-1]
    assert names == ["Bergen Sanitetsforening", "Oslo Sanitetsforening"]
    definitions = [row[0] for row in rows(book["Definisjoner"]) if row[0]]
    assert definitions[0] == "# Statistics: what the programme achieves"
    about = [cell for row in rows(book.worksheets[0]) for cell in row if cell]
    assert "Årsrapport 2025: Hele landet" in about
    assert "Ingen data for dette året" not in about

    pdf = download(client, report, "pdf")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5000
    text = pdf_text(pdf)
    assert b"Sammendrag" in text and b"Annual report" not in text
    assert b"Ingen data" not in text
    # The table of each association, its cells drawn as text.
    assert b"(Bergen Sanitetsforening)" in text


def test_a_coordinators_report_is_her_associations_and_no_one_elses(
    client, dataset, coordinator_oslo, coordinator_bergen, django_capture_on_commit_callbacks
):
    login(client, coordinator_oslo)
    # She cannot ask for another association's (the field is not hers): her own is made.
    report = ask(
        client, django_capture_on_commit_callbacks, 2025, forening=dataset.bergen.public_id
    )
    report.refresh_from_db()
    assert report.association == dataset.oslo and report.status == AnnualStatus.DONE
    page = client.get(PAGE)
    assert reverse("annual_report_download", args=[report.pk, "pdf"]) in page.content.decode()
    book = load_workbook(io.BytesIO(download(client, report, "xlsx")))
    assert "Hver lokalforening" not in book.sheetnames
    client.logout()
    login(client, coordinator_bergen)
    for kind in ("pdf", "xlsx"):
        url = reverse("annual_report_download", args=[report.pk, kind])
        assert client.get(url).status_code == 404
    assert reverse("annual_report_download", args=[report.pk, "pdf"]) not in (
        client.get(PAGE).content.decode()
    )


def test_a_year_without_data_says_so(
    client, dataset, national_admin, django_capture_on_commit_callbacks
):
    login(client, national_admin)
    report = ask(client, django_capture_on_commit_callbacks, 2017)
    report.refresh_from_db()
    assert report.status == AnnualStatus.DONE
    book = load_workbook(io.BytesIO(download(client, report, "xlsx")))
    assert book.sheetnames == [book.worksheets[0].title, "Definisjoner"]
    about = [cell for row in rows(book.worksheets[0]) for cell in row if cell]
    assert "Ingen data for dette året" in about
    pdf = download(client, report, "pdf")
    assert pdf.startswith(b"%PDF-")
    assert b"Ingen data for dette" in pdf_text(pdf)


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (timezone.localdate().year + 1, "ikke har begynt"),
        (2015, "2016"),
    ],
)
def test_a_year_in_the_future_or_before_the_programme_is_refused(
    client, national_admin, django_capture_on_commit_callbacks, year, message
):
    login(client, national_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"year": year, "forening": ""})
    assert response.status_code == 400
    assert message in response.context["form"].errors["year"][0]
    assert f'value="{year}"' in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_a_report_asked_for_twice_at_once_is_built_once(
    client, dataset, coordinator_oslo, django_capture_on_commit_callbacks, monkeypatch
):
    built = []
    original = annual.build
    monkeypatch.setattr(annual, "build", lambda pk: (built.append(pk), original(pk)))
    login(client, coordinator_oslo)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(PAGE, {"year": 2025})
        client.post(PAGE, {"year": 2025})
    assert AnnualReport.objects.count() == 1
    report = AnnualReport.objects.get()
    assert report.status == AnnualStatus.QUEUED
    # The page refreshes itself while it is being built.
    assert 'http-equiv="refresh"' in client.get(PAGE).content.decode()
    for callback in callbacks:
        callback()
    assert built == [report.pk]
    report.refresh_from_db()
    assert report.status == AnnualStatus.DONE
    assert 'http-equiv="refresh"' not in client.get(PAGE).content.decode()


def test_a_failed_build_is_marked_failed(
    client, coordinator_oslo, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(annual, "figures", broken)
    login(client, coordinator_oslo)
    report = ask(client, django_capture_on_commit_callbacks, 2025)
    report.refresh_from_db()
    assert report.status == AnnualStatus.FAILED and not report.pdf
    url = reverse("annual_report_download", args=[report.pk, "pdf"])
    assert client.get(url).status_code == 404
    assert "Oslo" not in caplog.text


def test_the_statistics_page_links_to_the_annual_reports(client, dataset, coordinator_oslo):
    login(client, coordinator_oslo)
    assert PAGE in client.get(reverse("statistics")).content.decode()


def test_the_list_of_reports_takes_the_same_queries_for_3_or_30(client, national_admin):
    made = []

    def grow(n):
        for _ in range(n):
            association = AssociationFactory()
            made.append(
                AnnualReport.objects.create(
                    year=2024, association=association, status=AnnualStatus.DONE, progress=100
                )
            )

    login(client, national_admin)
    assert_constant_queries(client, PAGE, grow)
    page = client.get(PAGE).content.decode()
    for report in made:
        assert reverse("annual_report_download", args=[report.pk, "xlsx"]) in page


def test_a_build_that_never_finished_does_not_block_the_year(
    client, coordinator_oslo, oslo, django_capture_on_commit_callbacks
):
    stuck = AnnualReport.objects.create(year=2025, association=oslo, status=AnnualStatus.BUILDING)
    AnnualReport.objects.filter(pk=stuck.pk).update(
        requested_at=timezone.now() - annual.STALE_AFTER - timedelta(minutes=1)
    )
    login(client, coordinator_oslo)
    report = ask(client, django_capture_on_commit_callbacks, 2025)
    assert report.pk != stuck.pk
    stuck.refresh_from_db()
    report.refresh_from_db()
    assert (stuck.status, report.status) == (AnnualStatus.FAILED, AnnualStatus.DONE)


def test_asking_says_the_report_is_on_its_way(client, national_admin, oslo):
    """The answer to asking names the report asked for (the build waits for the commit, so the
    report is still on its way)."""
    login(client, national_admin)
    response = client.post(PAGE, {"year": 2025, "forening": oslo.public_id}, follow=True)
    assert response.status_code == 200
    said = [str(message) for message in response.context["messages"]]
    assert said == [
        "Årsrapport 2025: Oslo Sanitetsforening er på vei. Du kan laste den ned nedenfor når "
        "den er ferdig."
    ]
    assert AnnualReport.objects.get().status == AnnualStatus.QUEUED


def test_a_pdf_tables_cell_that_fits_is_drawn_as_text_and_a_longer_one_wrapped():
    """The PDF's tables draw a cell that fits on its line as a string (a paragraph is parsed
    and wrapped again on every page a long table is split over: the national table of each
    association has 400 rows), and wrap the text that does not fit."""
    from reportlab.platypus import Paragraph

    from reports.tables import Cell, Row, Table

    long_label = "A crisis shelter whose name is far too long for one line of the table " * 2
    table = Table(
        "referrals-by-shelter",
        "Referrals per shelter",
        ["Shelter", "2025"],
        rows=[Row("Short", [Cell(12)]), Row(long_label, [Cell(1234)])],
    )
    cells = annual._pdf_table(table)._cellvalues
    assert cells[0] == ["Shelter", "2025"]
    assert cells[1] == ["Short", "12"]
    assert isinstance(cells[2][0], Paragraph)
    assert cells[2][0].getPlainText() == long_label.strip()
    assert isinstance(cells[2][1], str)


def test_the_pdfs_tables_indent_a_part_and_set_a_total_in_bold():
    from reports.tables import Cell, Row, Table

    table = Table(
        "outcomes",
        "Outcomes",
        ["Outcome", "2025"],
        rows=[
            Row("Yes", [Cell(7)]),
            Row("of which during", [Cell(5)], indent=True),
            Row("In all", [Cell(9)], total=True),
        ],
    )
    styles = annual._row_styles(table)
    assert ("LEFTPADDING", (0, 2), (0, 2), 14) in styles
    assert ("FONT", (0, 3), (-1, 3), annual.BOLD, annual.FONT_SIZE, annual.LEADING) in styles
    assert not [style for style in styles if style[1][1] == 1]


def test_a_chart_draws_counts_above_nought_only():
    from reports.suppression import PRIMARY
    from reports.tables import Cell, Row, Table

    def chart_of(*cells):
        rows = [Row(f"Row {n}", [cell]) for n, cell in enumerate(cells)]
        return annual._chart(Table("matches", "Matches", ["Figure", "2025"], rows=rows))

    # Nothing but noughts and a hidden count: no chart with an empty axis.
    assert chart_of(Cell(0), Cell(None, PRIMARY), Cell(0)) is None
    # A rate is not drawn beside the counts.
    drawn = chart_of(Cell(12), Cell(3.5, kind="rate"), Cell(6))
    chart = drawn.contents[0]
    assert chart.data == [[6.0, 12.0]]
    assert chart.categoryAxis.categoryNames == ["Row 2", "Row 0"]
