"""Supervision attendance in the statistics (issue 18, item 8): of the volunteers with an active
match on the period's last day, those who attended a supervision group session within their
association's expected interval before it. Worked out by hand on a small data set of its own;
small numbers suppressed on the national page and in exports; one query, however many
volunteers.
"""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from matching.models import AgeBracket, EndReason, Match, MatchStatus, Referral, YesNoUnknown
from reports.figures import collect
from supervision.models import Attendance, Expectation, GroupSession, SupervisionGroup
from tests.conftest import login
from tests.factories import UserFactory, municipality, volunteer
from tests.reports.conftest import PERIOD, PERIOD_QUERY, at
from tests.reports.test_views import page, read_csv, table

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Europe/Oslo")


class Data:
    pass


def _referral(association, shelter, number: str, alias: str) -> Referral:
    staff = UserFactory()
    return Referral.objects.create(
        consent_recorded_by=staff,
        association=association,
        shelter=shelter,
        created_at=at(2025, 1, 10),
        alias=alias,
        age_bracket=AgeBracket.AGE_26_35,
        municipality=municipality(number),
        preferred_language="no",
        consent_on=date(2025, 1, 10),
    )


@pytest.fixture
def attendance(oslo, bergen, oslo_shelter, bergen_shelter):
    """By hand, on 31 December 2025 (the period's last day).

    Oslo (no expectation: every 8 weeks, so sessions from 6 November on count):
    - A: active match, attended 1 December: met;
    - B: active match, attended 5 November (57 days before, one day too early): not met;
    - C: active match, attended 6 November (the first day that counts): met;
    - D: her match ended on 31 December: not counted (not active at the end);
    - E: active match, never attended: not met;
    - F: no match, attended 1 December: not counted;
    - G: her match starts in 2026: not counted.
    Oslo: 4 with an active match, 2 met, 2 not.
    Bergen (every 4 weeks, so from 4 December on):
    - H: active match, attended 10 December: met;
    - I: active match, attended 20 November: not met (it would count with 8 weeks).
    Bergen: 2 with an active match, 1 met, 1 not. Together: 6, 3 met.
    """
    data = Data()
    data.oslo, data.bergen = oslo, bergen
    Expectation.objects.create(association=bergen, every_weeks=4)

    def person(association, letter, *, started=date(2025, 3, 1), ended=None, match=True):
        someone = volunteer(association, status="approved", first_name=letter)
        if match:
            shelter, number = (
                (oslo_shelter, "0301") if association == oslo else (bergen_shelter, "4601")
            )
            Match.objects.create(
                referral=_referral(association, shelter, number, f"K{letter}"),
                volunteer=someone,
                proposed_at=at(2025, 2, 1),
                status=MatchStatus.ENDED if ended else MatchStatus.ACTIVE,
                started_on=started,
                ended_on=ended,
                **(
                    {"outcome_moved_back": YesNoUnknown.NO, "end_reason": EndReason.YEAR_OVER}
                    if ended
                    else {}
                ),
            )
        return someone

    def came(association, day: date, *people) -> None:
        group, _ = SupervisionGroup.objects.get_or_create(association=association, name="Gruppe")
        session = GroupSession.objects.create(
            group=group,
            starts_at=datetime(day.year, day.month, day.day, 18, tzinfo=ZONE),
            ends_at=datetime(day.year, day.month, day.day, 20, tzinfo=ZONE),
            place="Lokalet",
        )
        for someone in people:
            Attendance.objects.create(session=session, volunteer=someone)

    a, b, c = person(oslo, "A"), person(oslo, "B"), person(oslo, "C")
    d = person(oslo, "D", ended=date(2025, 12, 31))
    person(oslo, "E")
    f = person(oslo, "F", match=False)
    g = person(oslo, "G", started=date(2026, 1, 5))
    came(oslo, date(2025, 12, 1), a, d, f, g)
    came(oslo, date(2025, 11, 5), b)
    came(oslo, date(2025, 11, 6), c)
    h, i = person(bergen, "H"), person(bergen, "I")
    came(bergen, date(2025, 12, 10), h)
    came(bergen, date(2025, 11, 20), i)
    return data


def test_each_association_is_counted_with_its_own_expectation(attendance):
    figures = collect(PERIOD, [attendance.oslo.pk, attendance.bergen.pk], national=True)
    oslo, bergen = figures.rows[attendance.oslo.pk], figures.rows[attendance.bergen.pk]
    assert (oslo["supervision_active"], oslo["supervision_met"], oslo["supervision_not_met"]) == (
        4,
        2,
        2,
    )
    assert (bergen["supervision_active"], bergen["supervision_met"]) == (2, 1)
    assert (figures.totals["supervision_active"], figures.totals["supervision_met"]) == (6, 3)


def test_an_earlier_period_end_counts_what_was_true_then(attendance):
    """On 30 November: B's session of 5 November and C's of 6 November both count; A's of
    1 December is later. D's match was still active then (and she had not attended yet)."""
    from reports.periods import Period

    row = collect(Period(date(2025, 1, 1), date(2025, 11, 30)), [attendance.oslo.pk]).rows[
        attendance.oslo.pk
    ]
    assert (row["supervision_active"], row["supervision_met"]) == (5, 2)


def test_the_figures_take_one_query_however_many_volunteers(attendance, oslo_shelter):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            collect(PERIOD, [attendance.oslo.pk], topics=("supervision",))
        return len(captured)

    few = queries()
    for n in range(10):
        someone = volunteer(attendance.oslo, status="approved")
        Match.objects.create(
            referral=_referral(attendance.oslo, oslo_shelter, "0301", f"Vekst{n}"),
            volunteer=someone,
            proposed_at=at(2025, 2, 1),
            status=MatchStatus.ACTIVE,
            started_on=date(2025, 3, 1),
        )
    assert queries() == few == 1
    assert collect(PERIOD, [attendance.oslo.pk]).rows[attendance.oslo.pk]["supervision_active"] == (
        4 + 10
    )


def test_a_coordinator_sees_her_own_figures(english, attendance, coordinator_oslo):
    login(english, coordinator_oslo)
    response = page(english)
    assert table(response, "supervision") == {
        "Attended supervision as often as expected": ["2"],
        "Not as often as expected": ["2"],
        "Volunteers with an active match": ["4"],
        "Share who met the expectation": ["50 %"],
    }
    assert (
        "2 of the 4 volunteers with an active match at the end of the period had been to "
        "supervision as often as expected." in response.context["summary"]
    )


def test_the_national_page_hides_small_numbers(english, attendance, national_admin):
    login(english, national_admin)
    response = page(english)
    assert table(response, "supervision") == {
        "Attended supervision as often as expected": ["<5"],
        "Not as often as expected": ["<5"],
        "Volunteers with an active match": ["6"],
        "Share who met the expectation": [":"],
    }
    summary = " ".join(response.context["summary"])
    # The summary says no more than the table: "fewer than 5", never the 3 it hides.
    assert (
        "Fewer than 5 of the 6 volunteers with an active match at the end of the period" in summary
    )
    assert "3 of the 6" not in summary


def test_her_export_and_the_workbook_hide_small_numbers(
    english, attendance, coordinator_oslo, national_admin
):
    login(english, coordinator_oslo)
    rows = read_csv(
        english.get(f"{reverse('statistics_csv', args=['supervision'])}?{PERIOD_QUERY}")
    )
    assert rows[0] == ["Figure", "Volunteers"]
    assert [row[1] for row in rows[1:]] == ["<5", "<5", "<5", ":"]
    login(english, national_admin)
    response = english.get(f"{reverse('statistics_xlsx')}?{PERIOD_QUERY}")
    book = load_workbook(io.BytesIO(response.content))
    sheet = [[cell.value for cell in row] for row in book["Supervision"].iter_rows()]
    assert sheet[0] == ["Figure", "Volunteers"]
    assert sheet[3] == ["Volunteers with an active match", 6]


def test_a_national_admin_sees_each_association_suppressed(english, attendance, national_admin):
    """Bergen's 2 with an active match, 1 of them as expected: every count hidden as "<5"."""
    login(english, national_admin)
    response = page(english, f"{PERIOD_QUERY}&forening={attendance.bergen.public_id}")
    assert table(response, "supervision") == {
        "Attended supervision as often as expected": ["<5"],
        "Not as often as expected": ["<5"],
        "Volunteers with an active match": ["<5"],
        "Share who met the expectation": [":"],
    }
