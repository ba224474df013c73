"""Her hours per year (issue 18, item 6): the minutes of her matches' meetings where they met and
the length of the course sessions she attended, summed in the database in one query, hers only."""

from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Enrolment, EnrolmentStatus, Session
from matching.models import Match, MatchStatus, Meeting
from tests.conftest import login
from volunteers.selectors import recent_hours, volunteer_hours

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1


def _session(association, day: date, hours: int, *, cancelled: bool = False) -> Session:
    start = timezone.make_aware(datetime.combine(day, time(10)))
    return Session.objects.create(
        course=Course.objects.filter(required_for_matching=True).first(),
        association=association,
        starts_at=start,
        ends_at=start + (timezone.timedelta(hours=hours)),
        place="Lokalet",
        capacity=10,
        cancelled_at=timezone.now() if cancelled else None,
    )


def _attend(person, session: Session, status: str = EnrolmentStatus.ATTENDED) -> None:
    Enrolment.objects.create(session=session, volunteer=person, status=status)


def _meet(match: Match, day: date, minutes: int | None, *, met: bool = True) -> None:
    Meeting.objects.create(match=match, date=day, minutes=minutes, met=met)


@pytest.fixture
def worked(oslo, make_volunteer, make_match):
    """A ressursvenn with meetings and courses across two years, and another who is not her."""
    her = make_volunteer(oslo, basic_course=False, first_name="Tove")
    other = make_volunteer(oslo, basic_course=False, first_name="Randi")
    first = make_match(her, status=MatchStatus.ENDED)
    second = make_match(her)
    _meet(first, date(LAST_YEAR, 3, 1), 90)
    _meet(first, date(LAST_YEAR, 12, 31), 30)
    _meet(first, date(LAST_YEAR, 6, 1), 60, met=False)  # she came, the woman did not
    _meet(second, date(THIS_YEAR, 1, 1), 120)
    _meet(second, date(THIS_YEAR, 1, 2), None)  # no duration logged
    _meet(make_match(other), date(THIS_YEAR, 1, 3), 600)
    _attend(her, _session(oslo, date(LAST_YEAR, 2, 1), 4))
    _attend(her, _session(oslo, date(LAST_YEAR, 2, 8), 3), EnrolmentStatus.ABSENT)
    _attend(her, _session(oslo, date(LAST_YEAR, 2, 15), 3, cancelled=True))
    _attend(her, _session(oslo, date(THIS_YEAR, 1, 1), 2))
    _attend(other, _session(oslo, date(THIS_YEAR, 1, 1), 5))
    # Supervision: a session of 90 minutes she came to this year, one she missed.
    from supervision.models import Attendance, GroupSession, SupervisionGroup

    group = SupervisionGroup.objects.create(association=oslo, name="Gruppe", leader=other)
    came, _missed = (
        GroupSession.objects.create(
            group=group,
            starts_at=timezone.make_aware(datetime.combine(day, time(18))),
            ends_at=timezone.make_aware(datetime.combine(day, time(19, 30))),
            place="Lokalet",
        )
        for day in (date(THIS_YEAR, 1, 5), date(THIS_YEAR, 1, 12))
    )
    Attendance.objects.create(session=came, volunteer=her)
    Attendance.objects.create(session=came, volunteer=other)
    return her


def test_hours_per_year_count_her_meetings_and_courses_only(worked, django_assert_num_queries):
    with django_assert_num_queries(1):
        hours = volunteer_hours(worked, [THIS_YEAR, LAST_YEAR, LAST_YEAR - 1])
    assert [(h.year, h.parts, h.total) for h in hours] == [
        (THIS_YEAR, [("Veiledning", 1.5), ("Møter", 2.0), ("Kurs", 2.0), ("Samlinger", 0.0)], 5.5),
        (LAST_YEAR, [("Veiledning", 0.0), ("Møter", 2.0), ("Kurs", 4.0), ("Samlinger", 0.0)], 6.0),
        (
            LAST_YEAR - 1,
            [("Veiledning", 0.0), ("Møter", 0.0), ("Kurs", 0.0), ("Samlinger", 0.0)],
            0.0,
        ),
    ]
    assert [h.year for h in recent_hours(worked)] == [THIS_YEAR, LAST_YEAR]


def test_a_volunteer_with_nothing_has_no_hours(oslo, make_volunteer):
    [year] = volunteer_hours(make_volunteer(oslo, basic_course=False), [THIS_YEAR])
    assert year.total == 0


def test_her_coordinator_and_she_see_her_hours(client, oslo, worked, coordinator_oslo):
    login(client, coordinator_oslo)
    html = client.get(reverse("volunteer_detail", args=[worked.public_id])).content.decode()
    assert 'id="hours-table"' in html and str(LAST_YEAR) in html and "6,0" in html

    from accounts.models import Role
    from tests.factories import person

    worked.user = person(Role.VOLUNTEER, place=oslo, email="tove@frivillig.example")
    worked.save()
    client.logout()
    login(client, worked.user)
    html = client.get(reverse("my_profile")).content.decode()
    assert 'id="hours-table"' in html and "4,0" in html and "6,0" in html
    assert reverse("my_certificate") in html
