"""The statistics page's summary in words, the words beside every hidden number, and every
table as one workbook (.xlsx) that holds exactly what the CSV files hold.

Read in English (the language cookie) unless a test says otherwise.
"""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import Shelter
from matching.models import Referral
from reports.models import Snapshot
from reports.periods import Period
from reports.summary import when
from tests.conftest import login
from tests.querycount import assert_constant_queries
from tests.reports.conftest import PERIOD_QUERY, at
from tests.reports.test_views import EXPORTABLE, page, read_csv, table, text_of
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

XLSX = reverse("statistics_xlsx")
ABOUT = "About the figures"


def summary_of(response) -> str:
    return " ".join(response.context["summary"])


def download(client, query: str = PERIOD_QUERY):
    response = client.get(f"{XLSX}?{query}")
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="statistikk-2025-01-01-2025-12-31.xlsx"'
    )
    return load_workbook(io.BytesIO(response.content))


def as_csv_text(value) -> str:
    """A workbook cell as the CSV file writes it (decimal comma), to compare the two."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}".replace(".", ",")
    return str(value)


def sheet_rows(sheet) -> list[list[str]]:
    return [[as_csv_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def csv_of(client, slug: str, query: str = PERIOD_QUERY) -> list[list[str]]:
    rows = read_csv(client.get(f"{reverse('statistics_csv', args=[slug])}?{query}"))
    # The CSV guards a label that looks like a formula with "'"; the workbook keeps it text.
    return [[row[0].removeprefix("'"), *row[1:]] for row in rows]


# --- The summary ----------------------------------------------------------------------------


def test_a_coordinators_summary_says_her_figures_in_words(english, dataset, coordinator_oslo):
    login(english, coordinator_oslo)
    response = page(english)
    summary = summary_of(response)
    matches = table(response, "matches")
    assert matches["Started in the period"] == ["3"]
    assert summary == (
        "In 2025, 3 women got a ressursvenn. "
        "3 matches ended; 1 of them lasted the whole year. "
        "1 pair was still meeting at the end of the period. "
        "The pairs met 6 times. "
        "The crisis shelters referred 7 women; 2 were still waiting for a ressursvenn at the "
        "end of the period. "
        "Half of the matches that started began within 40 days of the referral. "
        "2 new volunteers were approved, and 9 applied. "
        "The volunteers gave 12 hours to meetings, courses, supervision and gatherings. "
        "0 of the 1 volunteer with an active match at the end of the period had been to "
        "supervision as often as expected."
    )
    # On top: before the first table, with the outcome's headline and the workbook's link.
    html = response.content.decode()
    assert html.index('id="summary-text"') < html.index("<table")
    assert f'href="{XLSX}?{PERIOD_QUERY}'.replace("&", "&amp;") in html
    assert "Download everything (Excel workbook)" in text_of(response)


def test_the_whole_year_is_found_by_its_reason_not_its_name(english, dataset, coordinator_oslo):
    """A national admin renames «The year is over»: the summary still counts the whole year."""
    from accounts import services
    from matching.models import MATCH_END_REASONS, EndReason

    services.list_entry_rename(
        programme_list=MATCH_END_REASONS,
        value=EndReason.YEAR_OVER,
        name_nb="Året er fullført",
        name_en="The year was completed",
    )
    login(english, coordinator_oslo)
    assert "3 matches ended; 1 of them lasted the whole year." in summary_of(page(english))


def test_the_summary_follows_the_figures(english, dataset, coordinator_oslo):
    """More volunteers approved in the period: the sentence says so (once the figures are
    counted again)."""
    login(english, coordinator_oslo)
    before = table(page(english), "approvals")["Volunteers approved in the period"][0]
    Volunteer.objects.filter(association=dataset.oslo, approved_at__isnull=True).filter(
        applied_at__year=2025
    ).update(approved_at=at(2025, 6, 1), status="approved")
    Snapshot.objects.all().delete()
    response = page(english)
    after = table(response, "approvals")["Volunteers approved in the period"][0]
    assert int(after) > int(before)
    assert f"{after} new volunteers were approved" in summary_of(response)


def test_a_national_summary_never_puts_a_hidden_number_in_a_sentence(
    english, dataset, national_admin
):
    login(english, national_admin)
    response = page(english)
    summary = summary_of(response)
    assert table(response, "matches")["Active at the end of the period"] == ["<5"]
    assert "Fewer than 5 pairs were still meeting at the end of the period." in summary
    assert "In 2025, 15 women got a ressursvenn." in summary
    # How many lasted the whole year is hidden (":"): the sentence leaves it out, and says so.
    assert table(response, "end-reasons")["The year is over"] == [":"]
    assert "15 matches ended." in summary and "whole year" not in summary
    assert summary.endswith(
        "Some figures are left out here: they are hidden so that small numbers cannot be "
        "worked out."
    )
    assert "<5" not in summary and " : " not in summary


def test_the_summary_is_in_norwegian(client, dataset, coordinator_oslo):
    login(client, coordinator_oslo)
    summary = summary_of(page(client))
    assert summary.startswith("I 2025 har 3 kvinner fått en ressursvenn.")


def test_the_period_in_words():
    with translation.override("en"):
        assert when(Period(date(2025, 1, 1), date(2025, 12, 31))) == "In 2025"
        assert when(Period(date(2026, 1, 1), date(2026, 5, 3)), today=date(2026, 5, 3)) == (
            "In 2026"
        )
        assert when(Period(date(2025, 3, 1), date(2025, 5, 31))) == (
            "From 01.03.2025 to 31.05.2025"
        )


# --- The workbook ---------------------------------------------------------------------------


def test_a_national_admins_workbook_has_a_sheet_per_table_as_the_csv_files(
    english, dataset, national_admin
):
    login(english, national_admin)
    shown = [t for s in page(english).context["sections"] for t in s["tables"]]
    book = download(english)
    assert book.sheetnames[0] == ABOUT
    sheets = book.sheetnames[1:]
    assert len(sheets) == len(shown) == len(set(sheets))
    assert all(len(name) <= 31 for name in book.sheetnames)
    for name, shown_table in zip(sheets, shown, strict=True):
        sheet = book[name]
        assert all(cell.font.bold for cell in sheet[1]), name
        assert sheet_rows(sheet) == csv_of(english, shown_table.slug), name
    # Hidden numbers are the CSV file's marks, never a number.
    outcomes = sheet_rows(book["Outcomes"])
    assert outcomes[2] == ["Moved back to the abuser", "<5"]
    assert book["Outcomes"]["B3"].value == "<5" and book["Outcomes"]["B2"].value == 11
    assert book["Referrals"]["B3"].value == ":"
    # Every association, not a page of them.
    assert [row[0] for row in sheet_rows(book["Each association"])][1:-1] == [
        "Bergen Sanitetsforening",
        "Oslo Sanitetsforening",
    ]
    about = [cell for row in book[ABOUT].iter_rows(values_only=True) for cell in row if cell]
    assert "Statistics: all associations" in about
    assert "The period 01.01.2025–31.12.2025" in about
    assert any(str(cell).startswith("<5: fewer than 5") for cell in about)


def test_a_coordinators_workbook_holds_her_csv_files_and_nothing_personal(
    english, dataset, coordinator_oslo
):
    login(english, coordinator_oslo)
    book = download(english)
    assert len(book.sheetnames) == 1 + len(EXPORTABLE)
    for name, slug in zip(book.sheetnames[1:], EXPORTABLE, strict=True):
        assert sheet_rows(book[name]) == csv_of(english, slug), slug
    assert "Each association" not in book.sheetnames
    words = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    # No woman, no volunteer, no free text: the withdrawal reasons stay on her page.
    aliases = Referral.objects.values_list("alias", flat=True)
    names = Volunteer.objects.values_list("user__first_name", "user__last_name")
    for alias in aliases:
        assert alias not in words
    for first, last in names:
        assert f"{first} {last}" not in words
    assert "HEMMELIG-GRUNN" not in words
    assert coordinator_oslo.email not in words
    assert book.properties.creator == "Ressursvenner"
    assert coordinator_oslo.first_name not in (book.properties.lastModifiedBy or "")


def test_a_national_admins_workbook_of_one_association(english, dataset, national_admin):
    login(english, national_admin)
    query = f"{PERIOD_QUERY}&forening={dataset.oslo.public_id}"
    book = download(english, query)
    assert "Each association" not in book.sheetnames
    assert sheet_rows(book["Outcomes"]) == csv_of(english, "outcomes", query)
    assert "Statistics: Oslo Sanitetsforening" in [
        row[0] for row in book[ABOUT].iter_rows(values_only=True)
    ]


def test_the_workbook_is_in_norwegian_for_a_norwegian_reader(client, dataset, national_admin):
    login(client, national_admin)
    book = download(client)
    assert book.sheetnames[:4] == ["Om tallene", "Utfall", "Andre utfall", "Seks måneder etter"]
    assert book["Utfall"]["A1"].value == "Utfall"
    assert all(len(name) <= 31 for name in book.sheetnames)


def test_a_label_that_looks_like_a_formula_stays_text(english, dataset, coordinator_oslo):
    Shelter.objects.filter(name="Oslo krisesenter").update(name="=HYPERLINK(1)")
    login(english, coordinator_oslo)
    book = download(english)
    cell = book["Referrals per shelter"]["A2"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


@pytest.mark.parametrize("who", ["shelter_worker_oslo", "volunteer_oslo"])
def test_shelter_staff_and_volunteers_get_no_workbook(english, dataset, who, request):
    login(english, request.getfixturevalue(who))
    assert english.get(f"{XLSX}?{PERIOD_QUERY}").status_code == 403


def test_a_coordinator_gets_no_other_associations_workbook(english, dataset, coordinator_oslo):
    login(english, coordinator_oslo)
    response = english.get(f"{XLSX}?{PERIOD_QUERY}&forening={dataset.bergen.public_id}")
    assert response.status_code == 404


def test_a_wrong_period_gets_400_with_the_message(english, dataset, coordinator_oslo):
    login(english, coordinator_oslo)
    response = english.get(f"{XLSX}?periode=custom&fra=2025-12-31&til=2025-01-01")
    assert response.status_code == 400
    assert "Choose a valid period" in response.content.decode()


def test_the_workbook_makes_a_fixed_number_of_queries(
    english, dataset, coordinator_oslo, national_admin, grow
):
    """Whatever the number of associations: computed the first time, served from the
    snapshot after (pinned: 3 for the national workbook, 3 for hers)."""
    login(english, national_admin)
    assert assert_constant_queries(english, f"{XLSX}?{PERIOD_QUERY}", grow) == 3
    login(english, coordinator_oslo)
    assert assert_constant_queries(english, f"{XLSX}?{PERIOD_QUERY}", lambda n: None) == 3
    # Computed (no snapshot yet): the same whatever the number of associations.
    counts = []
    for more in (0, 5):
        grow(more)
        Snapshot.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            assert english.get(f"{XLSX}?{PERIOD_QUERY}").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 15


def test_the_summary_says_nothing_of_what_did_not_happen(english, dataset, coordinator_oslo):
    """A period with no match ended and no meeting: the headline says none ended; the summary
    does not repeat it, nor count 0 meetings."""
    login(english, coordinator_oslo)
    response = page(english, "periode=custom&fra=2025-01-01&til=2025-01-31")
    summary = summary_of(response)
    assert table(response, "matches")["Ended in the period"] == ["0"]
    assert table(response, "matches")["Meetings held in the period"] == ["0"]
    assert "ended" not in summary and "met" not in summary
    assert summary.startswith("From 01.01.2025 to 31.01.2025, 0 women got a ressursvenn.")
