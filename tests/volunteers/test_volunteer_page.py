"""Her coordinator's page: the one primary next step per stage, approval asked first, and
signing her up for a session she can take in one step (issue 17)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrolment, EnrolmentStatus
from tests.conftest import login
from tests.courses.conftest import BASIC, SUPERVISION, attended, make_session, move_to_past
from tests.factories import volunteer
from tests.volunteers.test_pipeline import screened
from volunteers.models import CommitmentPeriod, ConfidentialityDeclaration, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def declaration(db):
    return ConfidentialityDeclaration.objects.create(version=1, text="Taushet.")


@pytest.fixture
def basic(db):
    from courses.models import Course

    return Course.objects.get(title=BASIC)


def primary(client, v) -> str:
    """The label of the page's one primary button (the next step), or ''."""
    html = client.get(v.get_absolute_url()).content.decode()
    main = html[html.index('id="status-title"') : html.index('id="screening"')]
    found = re.findall(r'class="btn btn-primary"[^>]*>([^<]+)<', main)
    assert len(found) <= 1, found
    if found:
        assert main.count("next-step") == 1
    return found[0].strip() if found else ""


def screened_at(status, *args):
    v = screened(*args)
    v.status = status
    v.save()
    return v


def test_the_next_step_follows_her_stage(client, oslo, coordinator_oslo, declaration, basic):
    login(client, coordinator_oslo)
    applied = volunteer(oslo)
    assert primary(client, applied) == "Start screening"
    halfway = volunteer(oslo, status=Status.SCREENING)
    assert primary(client, halfway) == "Record the next screening step"
    screened_one = screened_at(Status.SCREENING, oslo, coordinator_oslo, declaration)
    assert primary(client, screened_one) == "Screening done: on to the course"

    course = screened(oslo, coordinator_oslo, declaration)
    assert primary(client, course) == "Enrol her on a course session"
    seat = Enrolment.objects.create(session=make_session(oslo), volunteer=course)
    assert primary(client, course) == ""  # she has a seat: the session comes first
    move_to_past(seat.session)
    assert primary(client, course) == "Register attendance"
    seat.status = EnrolmentStatus.ATTENDED
    seat.save()
    assert primary(client, course) == "Approve as ressursvenn"

    ready = screened_at(Status.APPROVED, oslo, coordinator_oslo, declaration)
    attended(ready, basic)
    assert primary(client, ready) == "Renew her year of commitment"  # none is running
    today = timezone.localdate()
    CommitmentPeriod.objects.create(
        volunteer=ready, starts_on=today, ends_on=today + timedelta(days=365)
    )
    assert primary(client, ready) == "Find a woman to match her with"
    ConfidentialityDeclaration.objects.create(version=2, text="Ny tekst.")
    assert primary(client, ready) == "Record the next screening step"

    paused = volunteer(oslo, status=Status.PAUSED)
    assert primary(client, paused) == "Resume after the pause"
    for left in (Status.ENDED, Status.REJECTED):
        assert primary(client, volunteer(oslo, status=left)) == ""


def test_rejecting_and_withdrawing_are_secondary_buttons(client, oslo, coordinator_oslo):
    login(client, coordinator_oslo)
    html = client.get(volunteer(oslo).get_absolute_url()).content.decode()
    assert re.search(r'class="btn btn-outline-danger">\s*Reject', html)
    assert re.search(r'class="btn btn-outline-danger">\s*End', html)
    assert 'class="btn btn-primary">Start screening' in html
    # The primary step is not offered a second time among the other changes.
    assert html.count('value="screening"') == 1


def test_approving_asks_first_and_approves_on_the_confirmation(
    client, oslo, coordinator_oslo, declaration, basic
):
    v = screened(oslo, coordinator_oslo, declaration, first_name="Selam")
    attended(v, basic)
    login(client, coordinator_oslo)
    page = client.get(v.get_absolute_url()).content.decode()
    url = reverse("volunteer_approve", args=[v.public_id])
    assert f'method="get" action="{url}"' in page  # the button only opens the question
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Yes, approve her" in html and "her year of commitment starts today" in html
    v.refresh_from_db()
    assert v.status == Status.COURSE  # asking changes nothing
    response = client.post(url)
    assert response.status_code == 302
    v.refresh_from_db()
    assert v.status == Status.APPROVED


def test_the_confirmation_lists_what_is_missing_and_offers_no_button(
    client, oslo, coordinator_oslo
):
    v = volunteer(oslo, status=Status.COURSE)
    login(client, coordinator_oslo)
    html = client.get(reverse("volunteer_approve", args=[v.public_id])).content.decode()
    assert "Before she can be approved:" in html and "the interview" in html
    assert "Yes, approve her" not in html
    applicant = volunteer(oslo)
    html = client.get(reverse("volunteer_approve", args=[applicant.public_id])).content.decode()
    assert "Only a volunteer at the course stage can be approved." in html


def test_enrol_from_her_page_lists_only_sessions_she_can_take_and_enrols_in_one_step(
    client, oslo, bergen, coordinator_oslo, basic
):
    from courses.models import Course

    nora = volunteer(oslo, status=Status.SCREENING, first_name="Nora")
    other = volunteer(oslo, status=Status.SCREENING)
    soon = make_session(oslo, basic, place="Sted A", starts_in=timedelta(days=3))
    full = make_session(oslo, basic, place="Sted B", capacity=1)
    Enrolment.objects.create(session=full, volunteer=other)
    make_session(oslo, basic, place="Sted C", cancelled_at=timezone.now())
    make_session(bergen, basic, place="Sted D")
    make_session(oslo, Course.objects.get(title=SUPERVISION), place="Sted E")
    on_it = make_session(oslo, basic, place="Sted F")
    Enrolment.objects.create(session=on_it, volunteer=nora)
    move_to_past(make_session(oslo, basic, place="Sted G"))
    login(client, coordinator_oslo)
    url = reverse("volunteer_sessions", args=[nora.public_id])
    html = client.get(url).content.decode()
    places = re.findall(r"Sted [A-G]", html)
    assert places == ["Sted A"], places  # the basic course she needs, free, not on it yet

    response = client.post(url, {"session": str(soon.public_id)}, follow=True)
    assert f"Nora has a seat on {BASIC}" in response.content.decode()
    assert Enrolment.objects.get(session=soon, volunteer=nora).status == EnrolmentStatus.ENROLLED

    # Once she has completed the basic course, the other sessions are offered.
    attended(nora, basic)
    html = client.get(url).content.decode()
    assert re.findall(r"Sted [A-G]", html) == ["Sted E"]


def test_enrol_from_her_page_is_refused_for_an_applicant_and_another_association(
    client, oslo, bergen, coordinator_oslo, basic
):
    applicant = volunteer(oslo)
    session = make_session(oslo, basic)
    login(client, coordinator_oslo)
    url = reverse("volunteer_sessions", args=[applicant.public_id])
    assert "once her screening has started" in client.get(url).content.decode()
    client.post(url, {"session": str(session.public_id)})
    assert not Enrolment.objects.filter(volunteer=applicant).exists()
    nora = volunteer(oslo, status=Status.COURSE)
    elsewhere = make_session(bergen, basic)
    url = reverse("volunteer_sessions", args=[nora.public_id])
    assert client.post(url, {"session": str(elsewhere.public_id)}).status_code == 404
    response = client.post(url, {"session": "nonsense"}, follow=True)
    assert "Choose a course session." in response.content.decode()
    assert not Enrolment.objects.filter(volunteer=nora).exists()


def test_she_with_as_many_women_as_she_can_take_has_no_next_step(
    oslo, coordinator_oslo, declaration, basic
):
    from types import SimpleNamespace

    from volunteers import selectors

    ready = screened_at(Status.APPROVED, oslo, coordinator_oslo, declaration)
    attended(ready, basic)
    today = timezone.localdate()
    CommitmentPeriod.objects.create(
        volunteer=ready, starts_on=today, ends_on=today + timedelta(days=365)
    )
    read = selectors.volunteer_detail(coordinator_oslo, ready.public_id)
    open_match, ended = SimpleNamespace(is_open=True), SimpleNamespace(is_open=False)
    assert selectors.next_step(read, screening_missing=[], matches=[ended]).code == "find_match"
    assert selectors.next_step(read, screening_missing=[], matches=[open_match]) is None
