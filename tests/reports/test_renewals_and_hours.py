"""Renewals of commitment and the volunteers' hours in the statistics (issue 18, item 8):
each figure on the fixed data set (tests/reports/conftest.py) with a little added, worked out
by hand; small numbers suppressed; in the CSV files and the workbook; a coordinator's
association alone.
"""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matching.models import Match, Meeting
from reports.figures import collect
from tests.conftest import login
from tests.reports.conftest import PERIOD, PERIOD_QUERY
from tests.reports.test_views import page, read_csv, table
from volunteers.models import CommitmentPeriod, EndReason

pytestmark = pytest.mark.django_db


@pytest.fixture
def more(dataset):
    """Added to the data set: minutes on Oslo's meetings, a meeting of Bergen's, and a second
    renewal in 2025 for the Oslo volunteer (V11) who renewed, to count her once.

    Oslo in 2025, by hand:
    - commitment periods ended: V11's renewed (1 May), V11's earlier one also renewed (this
      fixture), V7's for her health: 2 volunteers, 1 of them renewed, 1 not;
    - meetings where they met: 8 and 15 February and 1 March on M1, 100 minutes each (300
      minutes, 5 hours); 8 March was only tried (60 minutes logged, not counted); M7's of
      15 December 2024 is before the period (not counted); M3's have no minutes;
    - course sessions attended: V1, V2 and V3 the 4 hours of 20 February (12 hours); V10's
      session of January 2026 is after the period.
    Bergen: one meeting of 10 hours (600 minutes) in 2025; no commitment ended.
    """
    for meeting in Meeting.objects.filter(match=dataset.m1):
        meeting.minutes = 100 if meeting.met else 60
        meeting.save(update_fields=["minutes"])
    Meeting.objects.filter(match=dataset.m7, date__year=2024).update(minutes=600)
    renewed = CommitmentPeriod.objects.get(end_reason=EndReason.RENEWED)
    CommitmentPeriod.objects.create(
        volunteer=renewed.volunteer,
        starts_on=date(2024, 2, 1),
        ends_on=date(2025, 2, 1),
        ended_on=date(2025, 2, 1),
        end_reason=EndReason.RENEWED,
    )
    bergen_match = Match.objects.filter(referral__association=dataset.bergen).first()
    Meeting.objects.create(match=bergen_match, date=date(2025, 9, 1), minutes=600)
    return dataset


def test_renewals_count_each_volunteer_once(more):
    row = collect(PERIOD, [more.oslo.pk]).rows[more.oslo.pk]
    assert row["commitments_ended"] == 3  # periods
    assert row["renewal_volunteers"] == 2  # V11 and V7
    assert (row["renewal_renewed"], row["renewal_not_renewed"]) == (1, 1)


def test_hours_are_summed_per_association(more):
    figures = collect(PERIOD, [more.oslo.pk, more.bergen.pk], national=True)
    oslo, bergen = figures.rows[more.oslo.pk], figures.rows[more.bergen.pk]
    assert (oslo["hours_meetings"], oslo["hours_courses"], oslo["hours"]) == (5, 12, 17)
    assert (bergen["hours_meetings"], bergen["hours_courses"], bergen["hours"]) == (10, 0, 10)
    assert (figures.totals["hours_meetings"], figures.totals["hours"]) == (15, 27)
    assert figures.totals["renewal_volunteers"] == 2


def test_hours_count_the_gatherings_and_the_supervision_they_attended(more):
    """A national gathering of 5 hours in June: two of Oslo's volunteers came, one signed up and
    did not come; one in 2026 is after the period."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from courses.models import Gathering, GatheringSignUp, SignUpStatus
    from volunteers.models import Volunteer

    zone = ZoneInfo("Europe/Oslo")

    def gathering(day: date) -> Gathering:
        return Gathering.objects.create(
            title="Årlig samling",
            starts_at=datetime(day.year, day.month, day.day, 10, tzinfo=zone),
            ends_at=datetime(day.year, day.month, day.day, 15, tzinfo=zone),
            place="Oslo",
            sign_up_by=day,
            national=True,
        )

    june, next_year = gathering(date(2025, 6, 14)), gathering(date(2026, 6, 13))
    came, stayed_away, later = Volunteer.objects.filter(association=more.oslo)[:3]
    for volunteer, status in ((came, "attended"), (later, "attended"), (stayed_away, "absent")):
        GatheringSignUp.objects.create(gathering=june, volunteer=volunteer, status=status)
    GatheringSignUp.objects.create(
        gathering=next_year, volunteer=came, status=SignUpStatus.ATTENDED
    )
    # And a supervision group session of 3 hours in May that two of them came to.
    from supervision.models import Attendance, GroupSession, SupervisionGroup

    group = SupervisionGroup.objects.create(association=more.oslo, name="Gruppe", leader=later)
    session = GroupSession.objects.create(
        group=group,
        starts_at=datetime(2025, 5, 6, 17, tzinfo=zone),
        ends_at=datetime(2025, 5, 6, 20, tzinfo=zone),
        place="Lokalet",
    )
    for volunteer in (came, later):
        Attendance.objects.create(session=session, volunteer=volunteer)
    row = collect(PERIOD, [more.oslo.pk]).rows[more.oslo.pk]
    assert (row["hours_gatherings"], row["hours_supervision"], row["hours"]) == (10, 6, 33)


def test_hours_count_the_volunteers_association_and_whole_hours(more):
    """A meeting counts for her association; 20 minutes more round to the nearest hour."""
    Meeting.objects.create(match=more.m1, date=date(2025, 3, 20), minutes=20)
    row = collect(PERIOD, [more.oslo.pk]).rows[more.oslo.pk]
    assert (row["meeting_minutes"], row["hours_meetings"]) == (320, 5)


def test_a_coordinator_sees_her_associations_renewals_and_hours(english, more, coordinator_oslo):
    login(english, coordinator_oslo)
    response = page(english)
    # Her own figures as they are (small numbers shown on her page).
    assert table(response, "renewals") == {
        "Renewed for another year": ["1"],
        "Did not renew": ["1"],
        "Volunteers whose commitment period ended": ["2"],
        "Share who renewed": ["50 %"],
    }
    # Bergen's 10 hours are not hers.
    assert table(response, "hours") == {
        "Meetings with the women": ["5"],
        "Course sessions attended": ["12"],
        "Supervision group sessions": ["0"],
        "Gatherings attended": ["0"],
        "In all": ["17"],
    }
    assert (
        "The volunteers gave 17 hours to meetings, courses, supervision and gatherings."
        in response.context["summary"]
    )


def test_the_national_page_suppresses_small_renewals(english, more, national_admin):
    login(english, national_admin)
    response = page(english)
    assert table(response, "renewals") == {
        "Renewed for another year": ["<5"],
        "Did not renew": ["<5"],
        "Volunteers whose commitment period ended": ["<5"],
        "Share who renewed": [":"],
    }
    assert table(response, "hours") == {
        "Meetings with the women": ["15"],
        "Course sessions attended": ["12"],
        "Supervision group sessions": ["0"],
        "Gatherings attended": ["0"],
        "In all": ["27"],
    }
    assert (
        "The volunteers gave 27 hours to meetings, courses, supervision and gatherings."
        in response.context["summary"]
    )


def test_her_csv_files_hide_small_numbers(english, more, coordinator_oslo):
    """Exports leave the system: her small numbers are hidden there, and a total that would
    give one away too."""
    Meeting.objects.filter(match=more.m1, met=True).update(minutes=60)  # 3 hours
    login(english, coordinator_oslo)
    renewals = read_csv(
        english.get(f"{reverse('statistics_csv', args=['renewals'])}?{PERIOD_QUERY}")
    )
    assert renewals[0] == ["Figure", "Volunteers"]
    assert [row[1] for row in renewals[1:]] == ["<5", "<5", "<5", ":"]
    hours = dict(
        read_csv(english.get(f"{reverse('statistics_csv', args=['hours'])}?{PERIOD_QUERY}"))[1:]
    )
    assert hours["Meetings with the women"] == "<5"
    # 3 hours could be worked out from the other two: one of them is hidden as well.
    assert ":" in (hours["Course sessions attended"], hours["In all"])


def test_the_workbook_has_the_renewals_and_hours(english, more, national_admin):
    login(english, national_admin)
    response = english.get(f"{reverse('statistics_xlsx')}?{PERIOD_QUERY}")
    book = load_workbook(io.BytesIO(response.content))
    assert {"Renewals", "Volunteers' hours"} <= set(book.sheetnames)
    rows = [[cell.value for cell in row] for row in book["Volunteers' hours"].iter_rows()]
    assert rows == [
        ["Activity", "Hours"],
        ["Meetings with the women", 15],
        ["Course sessions attended", 12],
        ["Supervision group sessions", 0],
        ["Gatherings attended", 0],
        ["In all", 27],
    ]
    renewals = [[cell.value for cell in row] for row in book["Renewals"].iter_rows()]
    assert [row[1] for row in renewals[1:]] == ["<5", "<5", "<5", ":"]


def test_the_tables_and_summary_are_in_norwegian(client, more, coordinator_oslo):
    login(client, coordinator_oslo)
    response = page(client)
    assert table(response, "hours") == {
        "Møter med kvinnene": ["5"],
        "Kurssamlinger de deltok på": ["12"],
        "Veiledninger de var på": ["0"],
        "Samlinger de var på": ["0"],
        "Totalt": ["17"],
    }
    assert table(response, "renewals")["Andel som fornyet"] == ["50 %"]
    assert (
        "Ressursvennene ga 17 timer til møter, kurs, veiledning og samlinger."
        in response.context["summary"]
    )
