"""A volunteer who came to a held session without a seat (a walk-in) is registered as attended
from the attendance page, and the course then counts as completed for her (issue 17)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from courses import services
from courses.models import Enrolment, EnrolmentStatus
from courses.selectors import has_completed_required_courses
from courses.services import CourseError
from tests.conftest import login
from tests.courses.conftest import make_session, move_to_past
from tests.factories import volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_services():
    """The services' messages in English too, as the pages' (tests/courses/conftest.py)."""
    with translation.override("en"):
        yield


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_walk_in_is_found_added_as_attended_and_completes_the_course(
    client, coordinator_oslo, oslo, basic_course
):
    seated = volunteer(oslo, status="course", first_name="Anna", last_name="Lie")
    walk_in = volunteer(oslo, status="course", first_name="Wenche", last_name="Vik")
    session = make_session(oslo, basic_course)
    services.enrol(session=session, volunteers=[seated])
    move_to_past(session)
    assert not has_completed_required_courses(walk_in)
    login(client, coordinator_oslo)
    url = reverse("session_attendance", args=[session.public_id])
    walk_in_url = reverse("session_walk_in", args=[session.public_id])

    response = client.post(walk_in_url, {"walk_in-q": "wenche"})
    assert response.status_code == 302
    found = response["Location"]
    assert "wenche" not in found.lower()  # the text stays out of the address
    html = client.get(found).content.decode()
    assert "Wenche Vik" in html
    assert "Anna Lie (" not in html  # she has a seat: ticked in the list, not found here

    response = client.post(walk_in_url, {"volunteer": str(walk_in.public_id)}, follow=True)
    assert messages_of(response) == [
        "Wenche Vik is registered as attended, though she had no seat."
    ]
    enrolment = Enrolment.objects.get(volunteer=walk_in)
    assert enrolment.status == EnrolmentStatus.ATTENDED
    assert has_completed_required_courses(walk_in)
    # She is now among those ticked, and saving the list again keeps her.
    html = client.get(url).content.decode()
    assert re.search(rf'value="{enrolment.public_id}"[^>]*checked', html)


def test_someone_on_the_waiting_list_who_came_is_a_walk_in_too(oslo, basic_course):
    session = make_session(oslo, basic_course, capacity=1)
    first, waiting = volunteer(oslo, status="course"), volunteer(oslo, status="course")
    services.enrol(session=session, volunteers=[first, waiting])
    move_to_past(session)
    services.attendance_add_walk_in(session=session, volunteer=waiting)
    assert Enrolment.objects.get(volunteer=waiting).status == EnrolmentStatus.ATTENDED
    with pytest.raises(CourseError, match="tick her"):
        services.attendance_add_walk_in(session=session, volunteer=first)


def test_a_walk_in_is_refused_before_the_session_and_for_who_cannot_take_courses(
    client, coordinator_oslo, oslo, bergen, basic_course
):
    upcoming = make_session(oslo, basic_course)
    held = move_to_past(make_session(oslo, basic_course))
    kari = volunteer(oslo, status="course")
    with pytest.raises(CourseError, match="once the session has started"):
        services.attendance_add_walk_in(session=upcoming, volunteer=kari)
    with pytest.raises(CourseError, match="stage"):
        services.attendance_add_walk_in(session=held, volunteer=volunteer(oslo))
    with pytest.raises(CourseError, match="another association"):
        services.attendance_add_walk_in(session=held, volunteer=volunteer(bergen, status="course"))
    with pytest.raises(CourseError):
        services.attendance_add_walk_in(session=held, volunteer=volunteer(oslo, status="ended"))
    assert not Enrolment.objects.exists()

    login(client, coordinator_oslo)
    other = volunteer(bergen, status="course")
    walk_in_url = reverse("session_walk_in", args=[held.public_id])
    assert client.post(walk_in_url, {"volunteer": str(other.public_id)}).status_code == 404
    assert client.post(walk_in_url, {"volunteer": "nonsense"}).status_code == 404
    response = client.post(walk_in_url, {"walk_in-q": "a"})
    assert response.status_code == 200
    assert "Type at least 2 letters or digits." in response.content.decode()
    # Before the session: no search is offered.
    html = client.get(reverse("session_attendance", args=[upcoming.public_id])).content.decode()
    assert "Someone came without a seat" not in html
