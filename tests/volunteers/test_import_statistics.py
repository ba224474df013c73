"""An import does not distort the statistics (issue 20, review): the course session it records
(her course before she was moved in) proves her completion but counts in no course statistics,
no hours and no list of sessions; an imported volunteer is no application or approval of the
period, yet counts as a volunteer. And a course date past the course's validity is refused.

The data set, by hand: Oslo, the period the last 90 days.
- Kari, imported today from a sheet: approved, course completed 60 days ago, commitment from
  30 days ago. The import records a 6-hour session of the basic course (required for
  matching) 60 days ago, attended by her.
- Amina, applied through the system 20 days ago, approved 5 days ago; she attended a real
  session of the basic course 10 days ago: 4 hours, 8 seats.
So: 1 application, 1 approval (15 days after it), 2 approved volunteers at the end; 1 session
held, 8 seats, 1 attended; 4 course hours (not 10).
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from courses.models import Course, Enrolment, EnrolmentStatus, Session
from courses.selectors import annotate_completion, has_completed_required_courses
from reports.figures import collect
from reports.periods import Period
from tests.conftest import login
from tests.factories import volunteer
from tests.volunteers.test_import import _day, csv_file, good_row, only_problem, preview
from volunteers import importing
from volunteers.certificate import certificate_for
from volunteers.models import Status, Volunteer
from volunteers.selectors import recent_hours

pytestmark = pytest.mark.django_db

IMPORT_PLACE = "Completed before the import"


@pytest.fixture
def data(coordinator_oslo, oslo):
    acting = coordinator_oslo.memberships.get()
    with translation.override("en"):
        volunteer_import = importing.import_preview(
            association=oslo, by=coordinator_oslo, data=csv_file(good_row())
        )
        importing.import_confirm(
            volunteer_import=volunteer_import,
            by=coordinator_oslo,
            acting=acting,
            invite=False,
            consent=True,
        )
    kari = Volunteer.objects.get(email="kari@example.no")
    now = timezone.now()
    amina = volunteer(
        oslo,
        status=Status.APPROVED,
        email="amina@example.no",
        applied_at=now - timedelta(days=20),
        last_applied_at=now - timedelta(days=20),
        approved_at=now - timedelta(days=5),
        status_changed_at=now - timedelta(days=5),
    )
    basic = Course.objects.get(required_for_matching=True)
    starts = now - timedelta(days=10)
    held = Session.objects.create(
        association=oslo,
        course=basic,
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        place="Frivillighetssentralen",
        capacity=8,
    )
    Enrolment.objects.create(session=held, volunteer=amina, status=EnrolmentStatus.ATTENDED)
    return kari, amina, held


def period() -> Period:
    today = timezone.localdate()
    return Period(today - timedelta(days=90), today)


def test_the_import_session_is_marked(data):
    kari, _amina, held = data
    recorded = Session.objects.get(enrolments__volunteer=kari)
    assert recorded.recorded_at_import and recorded.place == IMPORT_PLACE
    assert timezone.localdate(recorded.ends_at) == timezone.localdate() - timedelta(days=60)
    assert not held.recorded_at_import


def test_an_imported_volunteer_is_no_application_nor_approval_but_a_volunteer(data, oslo):
    kari, _amina, _held = data
    assert kari.imported_at is not None and kari.applied_at >= timezone.now() - timedelta(hours=1)
    row = collect(period(), [oslo.pk]).rows[oslo.pk]
    assert row["applied"] == 1  # Amina; not Kari, "applied" today by the import
    assert row["reached_approval"] == 1 and row["funnel_approved"] == 1
    assert row["approved"] == 1  # Amina; not Kari, "approved" today by the import
    assert row["approval_days_median"] == 15  # Amina's 20 - 5 days; no 0 from Kari
    assert row["status_approved"] == 2  # both are approved volunteers
    assert row["pipeline_total"] == 2


def test_course_statistics_leave_out_the_import_session(data, oslo):
    row = collect(period(), [oslo.pk]).rows[oslo.pk]
    assert (row["sessions_held"], row["seats_offered"]) == (1, 8)
    assert (row["attended"], row["seats_filled"]) == (1, 1)


def test_hours_leave_out_the_import_session(data, oslo):
    kari, amina, _held = data
    row = collect(period(), [oslo.pk]).rows[oslo.pk]
    assert row["hours_courses"] == 4  # Amina's 4 hours; not Kari's invented 6
    assert row["hours"] == 4

    def course_hours(someone) -> float:
        with translation.override("en"):
            return sum(
                hours
                for year in recent_hours(someone)
                for label, hours in year.parts
                if str(label) == "Courses"
            )

    assert course_hours(kari) == 0
    assert course_hours(amina) == 4


def test_the_certificate_names_her_course_without_hours_from_it(data):
    kari, _amina, _held = data
    certificate = certificate_for(kari)
    basic = Course.objects.get(required_for_matching=True)
    assert [course for course, _day in certificate.courses] == [basic]
    assert certificate.courses[0][1] == timezone.localdate() - timedelta(days=60)
    assert sum(year.total for year in certificate.hours) == 0


def test_the_course_list_does_not_show_the_import_session(client, data, coordinator_oslo):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login(client, coordinator_oslo)
    html = client.get(reverse("course_list")).content.decode()
    assert "Frivillighetssentralen" in html  # the session held
    assert IMPORT_PLACE not in html


def test_her_completion_still_counts_for_matching(data):
    kari, _amina, _held = data
    assert has_completed_required_courses(kari)
    assert annotate_completion(Volunteer.objects.filter(pk=kari.pk)).get().required_courses_complete


def test_a_course_date_past_the_validity_is_refused(coordinator_oslo):
    Course.objects.filter(required_for_matching=True).update(validity_months=24)
    old = _day(800)  # more than 24 months ago
    problem = only_problem(preview(coordinator_oslo, csv_file(good_row(course=old))))
    assert (
        "Kurset ble fullført for mer enn 24 måneder siden og må tas på nytt før hun kan kobles."
        in problem
    )
    # A course date within the validity is accepted.
    rows = preview(coordinator_oslo, csv_file(good_row(course=_day(300))))
    assert [row.outcome for row in rows] == ["new"]


def test_a_course_date_without_validity_is_accepted(coordinator_oslo):
    rows = preview(coordinator_oslo, csv_file(good_row(course=_day(3000))))
    assert [row.outcome for row in rows] == ["new"]
