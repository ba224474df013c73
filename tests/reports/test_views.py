"""The statistics page and its CSV exports: who sees what, small numbers, bad input, queries.

Pages are read in English (the language cookie), so the assertions do not depend on the
Norwegian translation.
"""

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Association, Shelter
from reports.figures import collect
from reports.periods import PeriodForm, preset
from reports.publication import Publication
from reports.report import build_tables
from reports.suppression import SHOWN
from reports.tables import ASSOCIATIONS_PER_PAGE, PublishedSource
from tests.conftest import login
from tests.helpers import assert_no_inline_code, assert_nothing_from_other_origins
from tests.querycount import assert_constant_queries
from tests.reports.conftest import PERIOD, PERIOD_QUERY
from tests.reports.test_suppression import possible_values

pytestmark = pytest.mark.django_db

URL = "/statistikk/"


def page(client, query: str = PERIOD_QUERY):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    return response


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    html = re.sub(r'<span class="visually-hidden">.*?</span>', " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&lt;", "<")


def table(response, slug):
    for section in response.context["sections"]:
        for found in section["tables"]:
            if found.slug == slug:
                return {row.label: [cell.text() for cell in row.cells] for row in found.rows}
    return None


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


# --- The coordinator ------------------------------------------------------------------------


def test_a_coordinator_sees_her_associations_figures_and_charts(english, dataset, coordinator_oslo):
    login(english, coordinator_oslo)
    response = page(english)
    html = response.content.decode()
    text = text_of(response)
    # The headline first, before any table.
    assert (
        "1 of the 3 women whose match ended in the period did not move back to the abuser." in text
    )
    assert "1 moved back, and for 1 it is not known." in text
    assert html.index("did not move back to the abuser.") < html.index("<table")
    assert "Oslo Sanitetsforening" in text and "01.01.2025–31.12.2025" in text
    # Her own figures as they are: small numbers shown.
    assert table(response, "outcomes") == {
        "Did not move back to the abuser": ["1"],
        "Moved back to the abuser": ["1"],
        "Not known": ["1"],
        "Matches ended": ["3"],
    }
    assert table(response, "applications") == {
        "Applications received": ["9", "–"],
        "Screening started": ["7", "78 %"],
        "Completed the basic course": ["4", "44 %"],
        "Approved": ["3", "33 %"],
    }
    assert table(response, "waiting-times")[
        "First proposed match (referrals first proposed in the period)"
    ] == ["10", "26", "5"]
    assert table(response, "referrals-by-shelter") == {
        "Oslo krisesenter": ["5"],
        "Sør-Øst krisesenter": ["2"],
        "In all": ["7"],
    }
    assert table(response, "matches")["Meetings per active match per month"] == ["0.2"]
    assert table(response, "commitments")["Share renewed"] == ["50 %"]
    assert table(response, "monthly")["January 2025"] == ["1", "0"]
    # The reasons for withdrawal, in her words, only here.
    assert "HEMMELIG-GRUNN flyttet til Tromsø" in text
    # Charts: SVG drawn on the server, labelled for screen readers.
    assert html.count('role="img"') == 3
    assert 'aria-labelledby="chart-monthly-title chart-monthly-desc"' in html
    assert '<title id="chart-outcomes-title">' in html
    assert "Bergen" not in text
    assert "associations" not in {s["slug"] for s in response.context["sections"]}
    assert_no_inline_code(html)
    assert_nothing_from_other_origins(html)


def test_the_menu_offers_statistics_to_coordinators_and_national_admins(
    english, coordinator_oslo, national_admin
):
    for person in (coordinator_oslo, national_admin):
        login(english, person)
        assert f'href="{URL}"' in english.get(reverse("home")).content.decode()


def test_a_coordinator_asking_for_another_association_gets_404(english, dataset, coordinator_oslo):
    login(english, coordinator_oslo)
    assert english.get(f"{URL}?forening={dataset.bergen.public_id}").status_code == 404
    assert english.get(f"{URL}?forening=ikke-en-id").status_code == 404
    csv_url = reverse("statistics_csv", args=["outcomes"])
    assert english.get(f"{csv_url}?forening={dataset.bergen.public_id}").status_code == 404
    assert english.get(f"{URL}?forening={dataset.oslo.public_id}").status_code == 200


@pytest.mark.parametrize("who", ["shelter_worker_oslo", "volunteer_oslo"])
def test_shelter_staff_and_volunteers_are_refused(english, dataset, who, request):
    login(english, request.getfixturevalue(who))
    assert english.get(URL).status_code == 403
    assert english.get(reverse("statistics_csv", args=["outcomes"])).status_code == 403


def test_someone_logged_out_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/logg-inn/" in response["Location"]


# --- The national admin ---------------------------------------------------------------------


def test_a_national_admin_sees_all_associations_with_small_counts_suppressed(
    english, dataset, national_admin
):
    login(english, national_admin)
    response = page(english)
    text = text_of(response)
    assert (
        "11 of the 15 women whose match ended in the period did not move back to the abuser."
        in text
    )
    assert "<5 moved back, and for <5 it is not known." in text
    assert table(response, "outcomes") == {
        "Did not move back to the abuser": ["11"],
        "Moved back to the abuser": ["<5"],
        "Not known": ["<5"],
        "Matches ended": ["15"],
    }
    overview = table(response, "associations")
    assert set(overview) == {"Bergen Sanitetsforening", "Oslo Sanitetsforening", "All associations"}
    assert overview["All associations"][0] == "15"  # applications
    # No count of people from 1 to 4 is shown anywhere on the page.
    for section in response.context["sections"]:
        for shown in section["tables"]:
            for row in shown.rows:
                for cell in row.cells:
                    if cell.kind == "count" and cell.state == SHOWN and cell.value is not None:
                        assert not 1 <= cell.value <= 4, (shown.slug, row.label, cell)
    # Aggregates only: no alias, no free-text reason.
    assert "Amal" not in text and "HEMMELIG-GRUNN" not in text
    assert "withdrawal-reasons" not in {
        t.slug for s in response.context["sections"] for t in s["tables"]
    }
    assert_no_inline_code(response.content.decode())


def test_every_national_table_leaves_no_suppressed_cell_recoverable(dataset):
    ids = list(Association.objects.values_list("pk", flat=True))
    publication = Publication(collect(PERIOD, ids, national=True))
    checked = 0
    for name, result in publication.tables.items():
        hidden = sum(s != SHOWN for row in result.state[:-1] for s in row[:-1])
        assert not result.withheld, name
        if hidden > 6:
            continue  # too many tables to try by brute force; the fast check covers it
        for cell, values in possible_values(result.values, result.state).items():
            assert len(values) >= 2, (name, cell, values)
        checked += 1
    assert checked >= 10


def test_a_national_admin_sees_one_association_as_published(english, dataset, national_admin):
    login(english, national_admin)
    response = page(english, f"{PERIOD_QUERY}&forening={dataset.oslo.public_id}")
    text = text_of(response)
    assert "Oslo Sanitetsforening" in text and "Back to all associations" in text
    assert table(response, "outcomes")["Did not move back to the abuser"] == ["<5"]
    # Lists of a single association are not published nationally (they would add up, across
    # associations, to the national lists).
    slugs = {t.slug for s in response.context["sections"] for t in s["tables"]}
    assert not slugs & {"monthly", "referrals-by-shelter", "end-reasons", "associations"}
    assert f'name="forening" value="{dataset.oslo.public_id}"' in response.content.decode()


def test_a_national_admin_asking_for_an_unknown_association_gets_404(english, national_admin):
    login(english, national_admin)
    assert english.get(f"{URL}?forening=00000000-0000-0000-0000-000000000000").status_code == 404
    assert english.get(f"{URL}?forening=1").status_code == 404


def test_the_national_start_page_shows_this_years_headline(english, dataset, national_admin):
    login(english, national_admin)
    text = text_of(english.get(reverse("home")))
    # Nothing in the data set ended this year.
    assert "No matches have ended so far this year." in text
    assert "See the statistics" in text


# --- The period -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("periode=custom&fra=2025-06-01&til=2025-01-01", "til", "cannot be before the first day"),
        ("periode=custom&fra=2025-01-01&til=2999-01-01", "til", "cannot end after today"),
        ("periode=custom&fra=2025-01-01&til=2025-02-30", "til", "Enter a valid date."),
        ("periode=custom&fra=1.1.99999&til=2025-02-01", "fra", "Enter a valid date."),
        ("periode=custom&fra=2010-01-01&til=2025-02-01", "fra", "from 01.01.2016 on"),
        ("periode=custom&til=2025-02-01", "fra", "Give the first day"),
        ("periode=neste_aar", "periode", "Select a valid choice."),
    ],
)
def test_a_wrong_period_gets_a_message_beside_the_field_not_an_error(
    english, dataset, coordinator_oslo, query, field, message
):
    login(english, coordinator_oslo)
    response = english.get(f"{URL}?{query}")
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    assert "Choose a valid period to see the figures." in html
    assert "sections" not in response.context or not response.context.get("sections")
    csv_response = english.get(f"{reverse('statistics_csv', args=['outcomes'])}?{query}")
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


def test_the_preset_periods():
    today = date(2026, 3, 15)
    assert preset("this_year", today) == preset("", today)
    assert (preset("this_year", today).start, preset("this_year", today).end) == (
        date(2026, 1, 1),
        today,
    )
    assert (preset("last_year", today).start, preset("last_year", today).end) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    assert (preset("last_12_months", today).start, preset("last_12_months", today).end) == (
        date(2025, 3, 16),
        today,
    )
    form = PeriodForm({"periode": "last_year"})
    assert form.is_valid() and form.query() == "periode=last_year"


def test_without_a_period_the_page_shows_this_year(english, dataset, coordinator_oslo):
    login(english, coordinator_oslo)
    response = english.get(URL)
    assert response.context["period"] == preset("this_year")


# --- CSV ------------------------------------------------------------------------------------


def test_a_coordinators_export_is_suppressed_like_the_national_view_of_her_association(
    english, dataset, coordinator_oslo, national_admin
):
    url = reverse("statistics_csv", args=["outcomes"])
    login(english, coordinator_oslo)
    response = english.get(f"{url}?{PERIOD_QUERY}")
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="statistikk-outcomes-2025-01-01-2025-12-31.csv"'
    )
    rows = read_csv(response)
    assert rows == [
        ["Outcome", "Matches"],
        ["Did not move back to the abuser", "<5"],
        ["Moved back to the abuser", "<5"],
        ["Not known", "<5"],
        ["Matches ended", "<5"],
    ]
    login(english, national_admin)
    national = english.get(f"{url}?{PERIOD_QUERY}&forening={dataset.oslo.public_id}")
    assert read_csv(national) == rows


def test_an_export_keeps_norwegian_letters_and_decimal_commas(english, dataset, coordinator_oslo):
    login(english, coordinator_oslo)
    url = reverse("statistics_csv", args=["referrals-by-shelter"])
    rows = read_csv(english.get(f"{url}?{PERIOD_QUERY}"))
    assert rows[0] == ["Crisis shelter", "Referrals"]
    # Her 7 referrals are hidden in the national figures (her partition of them has small
    # parts), so the list that adds up to them is hidden whole.
    assert rows[1:] == [["Oslo krisesenter", ":"], ["Sør-Øst krisesenter", ":"], ["In all", ":"]]
    url = reverse("statistics_csv", args=["waiting-times"])
    rows = read_csv(english.get(f"{url}?{PERIOD_QUERY}"))
    # The national view publishes medians only when they rest on five or more: 5 first
    # proposals (10 and 26 days), 3 matches started (not shown).
    assert rows[1][1:] == ["10", "26", "5"]
    assert rows[2][1:3] == ["–", "–"]


def test_a_decimal_is_written_with_a_comma(english, dataset, national_admin):
    login(english, national_admin)
    url = reverse("statistics_csv", args=["waiting-times"])
    rows = read_csv(english.get(f"{url}?{PERIOD_QUERY}"))
    assert rows[2][1:] == ["9", "32,8", "15"]


def test_the_national_export_of_each_association(english, dataset, national_admin):
    login(english, national_admin)
    url = reverse("statistics_csv", args=["associations"])
    rows = read_csv(english.get(f"{url}?{PERIOD_QUERY}"))
    assert rows[0][0] == "Association" and rows[-1][0] == "All associations"
    assert [row[0] for row in rows[1:-1]] == ["Bergen Sanitetsforening", "Oslo Sanitetsforening"]
    for row in rows[1:]:
        for value in row[1:]:
            assert value in ("0", "<5", ":") or int(value) >= 5


def test_a_label_that_looks_like_a_formula_is_not_one_in_the_export(
    english, dataset, coordinator_oslo
):
    Shelter.objects.filter(name="Oslo krisesenter").update(name="=HYPERLINK(1)")
    login(english, coordinator_oslo)
    url = reverse("statistics_csv", args=["referrals-by-shelter"])
    rows = read_csv(english.get(f"{url}?{PERIOD_QUERY}"))
    assert rows[1][0] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("slug", ["withdrawal-reasons", "ukjent", "associations"])
def test_tables_that_do_not_leave_the_association_have_no_export(
    english, dataset, coordinator_oslo, slug
):
    login(english, coordinator_oslo)
    url = reverse("statistics_csv", args=[slug])
    assert english.get(f"{url}?{PERIOD_QUERY}").status_code == 404


def test_every_table_on_the_page_can_be_exported(english, dataset, national_admin):
    login(english, national_admin)
    response = page(english)
    for section in response.context["sections"]:
        for shown in section["tables"]:
            url = reverse("statistics_csv", args=[shown.slug])
            link = f"{url}?{PERIOD_QUERY}".replace("&", "&amp;")
            assert f'href="{link}"' in response.content.decode()
            rows = read_csv(english.get(f"{url}?{PERIOD_QUERY}"))
            assert rows[0] == shown.columns
            assert [row[0] for row in rows[1:]] == [row.label for row in shown.rows]
            assert [row[1:] for row in rows[1:]] == [
                [cell.csv() for cell in row.cells] for row in shown.rows
            ]


# --- Queries --------------------------------------------------------------------------------


def test_the_statistics_pages_make_a_fixed_number_of_queries(
    english, dataset, coordinator_oslo, national_admin, grow
):
    """The same number of queries with 3 and with 30 more associations (and as many more
    referrals, matches and meetings in Oslo), at most 15: the figures are sent as one
    statement per group of topics, whatever the number of associations."""
    login(english, national_admin)
    assert_constant_queries(english, f"{URL}?{PERIOD_QUERY}", grow)
    login(english, national_admin)
    assert_constant_queries(
        english, f"{URL}?{PERIOD_QUERY}&forening={dataset.oslo.public_id}&side=2", grow
    )
    login(english, coordinator_oslo)
    assert_constant_queries(english, f"{URL}?{PERIOD_QUERY}", grow)


@pytest.mark.parametrize(
    "slug", ["monthly", "referrals-by-shelter", "matches", "applications", "waiting-times"]
)
def test_a_coordinators_export_makes_a_fixed_number_of_queries(
    english, dataset, coordinator_oslo, grow, slug
):
    login(english, coordinator_oslo)
    url = reverse("statistics_csv", args=[slug])
    assert_constant_queries(english, f"{url}?{PERIOD_QUERY}", grow)


@pytest.mark.parametrize("slug", ["associations", "monthly", "outcomes"])
def test_a_national_export_makes_a_fixed_number_of_queries(
    english, dataset, national_admin, grow, slug
):
    login(english, national_admin)
    url = reverse("statistics_csv", args=[slug])
    assert_constant_queries(english, f"{url}?{PERIOD_QUERY}", grow)


# --- 400 associations -----------------------------------------------------------------------


def test_the_national_page_shows_a_page_of_associations_and_stays_small(
    english, dataset, national_admin, grow
):
    grow(40)  # with Oslo and Bergen: 42 associations
    login(english, national_admin)
    first = page(english)
    overview = table(first, "associations")
    assert len(overview) == ASSOCIATIONS_PER_PAGE + 1
    assert list(overview)[:2] == ["Bergen Sanitetsforening", "Oslo Sanitetsforening"]
    assert overview["All associations"][0] == str(15 + 2 * 40)  # applications, all of them
    html = first.content.decode()
    assert len(first.content) < 100_000
    assert f"Showing 1–{ASSOCIATIONS_PER_PAGE} of 42" in html
    assert "side=2" in html and "The CSV file has every association." in html
    # The national totals and the other tables are on every page.
    second = page(english, f"{PERIOD_QUERY}&side=2")
    rest = table(second, "associations")
    assert len(rest) == 42 - ASSOCIATIONS_PER_PAGE + 1
    assert rest["All associations"] == overview["All associations"]
    assert table(second, "outcomes") == table(first, "outcomes")
    assert not set(rest) - {"All associations"} & set(overview)
    # The export has every association.
    url = reverse("statistics_csv", args=["associations"])
    rows = read_csv(english.get(f"{url}?{PERIOD_QUERY}&side=2"))
    assert len(rows) == 1 + 42 + 1
    assert [row[0] for row in rows[1:-1]] == sorted(
        Association.objects.values_list("name", flat=True)
    )


# --- A coordinator's export: her association alone ------------------------------------------

EXPORTABLE = [
    "outcomes",
    "other-outcomes",
    "later-outcomes",
    "applications",
    "approvals",
    "pipeline",
    "commitments",
    "renewals",
    "hours",
    "supervision",
    "courses",
    "referrals",
    "waiting-times",
    "referrals-by-shelter",
    "referrals-by-county",
    "withdrawn",
    "cancelled",
    "matches",
    "ended-planned",
    "end-reasons",
    "concerns",
    "relationship",
    "monthly",
]


def national_view_of(association, period=PERIOD) -> dict:
    """Every table of `association` as the national computation gives it: every figure of
    every association counted and suppressed together, her own lists (per month, per shelter,
    per end reason) suppressed against the totals it publishes for her. (What a coordinator's
    export was computed from before it counted her association alone.)"""
    ids = list(Association.objects.values_list("pk", flat=True))
    publication = Publication(collect(period, ids, national=True))
    own = collect(period, [association.pk])
    with translation.override("en"):
        return build_tables(PublishedSource(publication, association.pk), lists=own)


def as_csv(shown) -> list[list[str]]:
    return [
        shown.columns,
        *[[row.label, *[cell.csv() for cell in row.cells]] for row in shown.rows],
    ]


@pytest.mark.parametrize("slug", EXPORTABLE)
def test_a_coordinators_export_equals_the_national_computation_for_her_association(
    english, dataset, coordinator_oslo, grow, slug
):
    grow(6)  # more associations, so that their small numbers and hers are suppressed together
    login(english, coordinator_oslo)
    url = reverse("statistics_csv", args=[slug])
    assert read_csv(english.get(f"{url}?{PERIOD_QUERY}")) == as_csv(
        national_view_of(dataset.oslo)[slug]
    )


def test_every_table_of_a_coordinators_export_is_checked(english, dataset, coordinator_oslo):
    login(english, coordinator_oslo)
    shown = {t.slug for s in page(english).context["sections"] for t in s["tables"] if t.exportable}
    assert shown == set(EXPORTABLE)


def test_a_coordinators_export_holds_her_association_alone(english, dataset, coordinator_oslo):
    login(english, coordinator_oslo)
    url = reverse("statistics_csv", args=["referrals-by-shelter"])
    shelters = [row[0] for row in read_csv(english.get(f"{url}?{PERIOD_QUERY}"))[1:]]
    assert shelters == ["Oslo krisesenter", "Sør-Øst krisesenter", "In all"]
    # Her counts, where they are shown, not those of all associations.
    url = reverse("statistics_csv", args=["matches"])
    rows = {row[0]: row[1] for row in read_csv(english.get(f"{url}?{PERIOD_QUERY}"))[1:]}
    own = collect(PERIOD, [dataset.oslo.pk]).totals
    ids = list(Association.objects.values_list("pk", flat=True))
    everyone = collect(PERIOD, ids, national=True).totals
    labels = {
        "Proposed in the period": "proposed",
        "Started in the period": "started",
        "Active at the end of the period": "active_end",
        "Active at some time in the period": "active_during",
        "Ended in the period": "ended",
        "Meetings held in the period": "meetings",
    }
    shown = [label for label in labels if rows[label] not in ("<5", ":")]
    assert "Proposed in the period" in shown
    assert rows["Proposed in the period"] == "6" != str(everyone["proposed"])
    for label in shown:
        assert rows[label] == str(own[labels[label]])


def test_her_lists_and_medians_are_counted_from_her_associations_rows_alone(
    english, dataset, coordinator_oslo
):
    """Only the counts that decide which of her cells are hidden are counted for every
    association; the lists per month and per shelter and the medians are filtered on her
    association in the database, before anything is counted."""
    login(english, coordinator_oslo)
    for slug in ("monthly", "referrals-by-shelter", "waiting-times"):
        url = reverse("statistics_csv", args=[slug])
        with CaptureQueriesContext(connection) as captured:
            assert english.get(f"{url}?{PERIOD_QUERY}").status_code == 200
        statements = [q["sql"] for q in captured.captured_queries]
        own = [sql for sql in statements if f'association_id" IN ({dataset.oslo.pk})' in sql]
        national = [sql for sql in statements if 'association_id" IS NOT NULL' in sql]
        assert len(own) == len(national) == 1, slug
        # No list (grouped by a month or a shelter: a "label") and no median in the counts.
        counts = national[0]
        assert '"label"' not in counts and "percentile" not in counts.lower(), slug
        if slug == "monthly":
            assert own[0].count('AS "label"') == 2  # the referrals' and the matches' months
        if slug == "referrals-by-shelter":
            assert '"name" AS "label"' in own[0]
        if slug == "waiting-times":
            assert "percentile" in own[0].lower()


def test_every_hidden_number_is_explained_in_words_beside_it(english, dataset, national_admin):
    """Not a mark alone: "<5" and ":" each have the words for what they mean next to them,
    shown to everyone (the mark itself is left out for screen readers, the words are read)."""
    login(english, national_admin)
    response = page(english)
    html = response.content.decode()
    primary = (
        '<span aria-hidden="true">&lt;5</span><small class="hidden-why">fewer than 5 – hidden '
        "to protect the people it is about</small>"
    )
    secondary = (
        '<span aria-hidden="true">:</span><small class="hidden-why">hidden so that a small '
        "number cannot be worked out</small>"
    )
    assert primary in html and secondary in html
    marks = sum(
        1
        for section in response.context["sections"]
        for shown in section["tables"]
        for row in shown.rows
        for cell in row.cells
        if cell.hidden
    )
    assert html.count('<small class="hidden-why">') == marks


def test_the_national_page_works_before_there_is_any_data(english, national_admin):
    login(english, national_admin)
    response = page(english, "")
    assert "No matches ended in the period." in text_of(response)
    assert table(response, "associations") == {"All associations": ["0"] * 7}
    assert english.get(reverse("home")).status_code == 200


def test_a_coordinator_sees_only_her_own_associations_reasons(english, dataset, coordinator_bergen):
    login(english, coordinator_bergen)
    response = page(english)
    text = text_of(response)
    assert "Bergen Sanitetsforening" in text
    assert "HEMMELIG-GRUNN" not in text and "Oslo" not in text
    assert table(response, "outcomes")["Matches ended"] == ["12"]
