"""People, courses and sessions for the course tests. The catalogue comes from the data
migration, so every test database has the three national courses."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from courses.models import Course, Enrolment, EnrolmentStatus, Session
from tests.factories import volunteer

BASIC = "Grunnkurs: vold og rollen som ressursvenn"
SPECIALISATION = "Fordypningskurs: æresrelatert vold og negativ sosial kontroll"
SUPERVISION = "Veiledningsgruppe"


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English, so assertions read the msgids (Norwegian comes from the .po file)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def basic_course(db) -> Course:
    return Course.objects.get(title=BASIC)


@pytest.fixture
def specialisation_course(db) -> Course:
    return Course.objects.get(title=SPECIALISATION)


def make_session(
    association,
    course: Course | None = None,
    *,
    starts_in: timedelta = timedelta(days=7),
    hours: int = 3,
    capacity: int = 10,
    place: str = "Frivillighetssentralen, Storgata 1",
    **fields,
) -> Session:
    """A session of `course` (the basic course by default) starting `starts_in` from now."""
    starts_at = timezone.now() + starts_in
    return Session.objects.create(
        association=association,
        course=course or Course.objects.get(title=BASIC),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        place=place,
        capacity=capacity,
        **fields,
    )


def move_to_past(session: Session, *, ended_days_ago: float = 1) -> Session:
    """Let time pass: the session has now been held (it ended `ended_days_ago` days ago)."""
    length = session.ends_at - session.starts_at
    ends_at = timezone.now() - timedelta(days=ended_days_ago)
    Session.objects.filter(pk=session.pk).update(starts_at=ends_at - length, ends_at=ends_at)
    session.refresh_from_db()
    return session


def attended(person, course: Course, *, ended_days_ago: float = 10) -> Enrolment:
    """That `person` attended a held session of `course`."""
    session = move_to_past(make_session(person.association, course), ended_days_ago=ended_days_ago)
    return Enrolment.objects.create(
        session=session, volunteer=person, status=EnrolmentStatus.ATTENDED
    )


@pytest.fixture
def nora(oslo, volunteer_oslo):
    """The logged-in volunteer of Oslo, at the course stage (she may sign herself up)."""
    return volunteer(
        oslo, status="course", user=volunteer_oslo, first_name="Nora", last_name="Berg"
    )
