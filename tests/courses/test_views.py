"""The course pages: what each person sees, what each form does, and who gets 403 or 404."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import CalendarFeed, Course, Enrolment, EnrolmentStatus, Session
from courses.notifications import SESSION_CANCELLED
from notifications.models import Notification
from tests.conftest import login
from tests.courses.conftest import (
    BASIC,
    SPECIALISATION,
    SUPERVISION,
    attended,
    make_session,
    move_to_past,
)
from tests.factories import volunteer
from tests.helpers import assert_no_inline_code
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

OSLO = timezone.get_default_timezone()


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert_no_inline_code(html)
    return html


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def session_form_data(course: Course, **overrides) -> dict:
    day = (timezone.localdate() + timedelta(days=20)).isoformat()
    return {
        "course": str(course.public_id),
        "date": day,
        "starts": "18:00",
        "ends": "21:00",
        "place": "Frivillighetssentralen, Storgata 1",
        "capacity": "12",
        "notes": "Ta med matpakke.",
        **overrides,
    }


@pytest.fixture
def oslo_session(oslo):
    return make_session(oslo, capacity=2, place="Frivillighetssentralen, Storgata 1")


@pytest.fixture
def bergen_session(bergen):
    return make_session(bergen, place="Bergen frivilligsentral")


# --- The list -----------------------------------------------------------------------------------


def test_the_coordinator_sees_the_catalogue_and_her_own_sessions_only(
    client, coordinator_oslo, oslo, bergen_session
):
    upcoming = make_session(oslo, place="Frivillighetssentralen, Storgata 1", capacity=8)
    services.enrol(session=upcoming, volunteers=[volunteer(oslo, status="course")])
    held = move_to_past(make_session(oslo, place="Sanitetshuset, Tøyen"))
    Enrolment.objects.create(
        session=held, volunteer=volunteer(oslo, status="course"), status=EnrolmentStatus.ENROLLED
    )
    login(client, coordinator_oslo)

    html = page(client.get(reverse("course_list")))

    assert BASIC in html and SPECIALISATION in html
    assert "Veiledningsgruppe" not in html  # retired: supervision is held in the groups
    assert "Required before matching" in html
    assert "Honour-related violence" in html and "Forced marriage" in html
    assert reverse("session_detail", args=[upcoming.public_id]) in html
    assert "1 of 8" in html
    assert upcoming.starts_at.astimezone(OSLO).strftime("%d.%m.%Y") in html
    assert "Sanitetshuset, Tøyen" in html
    assert reverse("session_attendance", args=[held.public_id]) in html
    assert "Bergen frivilligsentral" not in html
    assert str(bergen_session.public_id) not in html


def test_the_empty_list_says_what_to_do(client, coordinator_oslo):
    login(client, coordinator_oslo)
    html = page(client.get(reverse("course_list")))
    assert "No course sessions are planned. Plan a session" in html
    assert reverse("session_create") in html


def test_the_list_takes_the_same_number_of_queries_for_few_and_many_sessions(
    client, coordinator_oslo, oslo
):
    made = []

    def grow(n):
        for _ in range(n):
            number = len(made)
            upcoming = make_session(oslo, starts_in=timedelta(days=number + 1), capacity=1)
            held = move_to_past(make_session(oslo), ended_days_ago=number + 1)
            applicant = volunteer(oslo, status="course")
            services.enrol(
                session=upcoming, volunteers=[applicant, volunteer(oslo, status="course")]
            )
            Enrolment.objects.create(
                session=held, volunteer=applicant, status=EnrolmentStatus.ATTENDED
            )
            made.append(upcoming)

    login(client, coordinator_oslo)
    assert_constant_queries(client, reverse("course_list"), grow)
    response = client.get(reverse("course_list"))
    assert len(response.context["upcoming"]) == len(response.context["past"]) == 30


def test_the_held_sessions_come_a_page_at_a_time_below_the_upcoming_ones(
    client, coordinator_oslo, oslo
):
    soon = make_session(oslo, place="Snart-stedet")
    for number in range(53):
        move_to_past(make_session(oslo, place=f"Holdt-{number:02d}"), ended_days_ago=number + 1)
    login(client, coordinator_oslo)

    first = client.get(reverse("course_list"))
    html = page(first)
    assert "Snart-stedet" in html and "Course catalogue" in html
    assert "Holdt-00" in html and "Holdt-49" in html and "Holdt-50" not in html
    assert "Showing 1–50 of 53" in html and 'href="?side=2"' in html

    second = client.get(reverse("course_list"), {"side": 2})
    html = page(second)
    # Page 2 holds only the older held sessions: the upcoming ones are on the first page.
    assert "Holdt-50" in html and "Holdt-52" in html and "Holdt-49" not in html
    assert "Showing 51–53 of 53" in html
    assert str(soon.public_id) not in html and "Course catalogue" not in html


def test_at_most_a_page_of_upcoming_sessions_is_shown_the_soonest(client, coordinator_oslo, oslo):
    for number in range(51):
        make_session(oslo, starts_in=timedelta(days=number + 1), place=f"Snart-{number:02d}")
    login(client, coordinator_oslo)

    response = client.get(reverse("course_list"))

    html = page(response)
    assert len(response.context["upcoming"]) == 50
    assert "Snart-49" in html and "Snart-50" not in html
    assert "Only the soonest sessions are shown." in html


# --- Creating and changing a session ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [("2030-01-15", 17), ("2030-06-15", 16)],  # winter: UTC+1, summer: UTC+2
)
def test_the_coordinator_plans_a_session_in_oslo_time(
    client, coordinator_oslo, oslo, basic_course, day, utc_hour
):
    login(client, coordinator_oslo)
    assert page(client.get(reverse("session_create")))
    data = session_form_data(basic_course, date=day, starts="18:30", ends="21:00")

    response = client.post(reverse("session_create"), data)

    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("session_detail", args=[session.public_id])
    assert session.association == oslo
    assert session.course == basic_course
    assert session.created_by == coordinator_oslo
    year, month, date = (int(part) for part in day.split("-"))
    assert session.starts_at == datetime(year, month, date, utc_hour, 30, tzinfo=UTC)
    assert session.ends_at == datetime(year, month, date, utc_hour + 3, 0, tzinfo=UTC)
    assert (session.place, session.capacity, session.notes) == (
        "Frivillighetssentralen, Storgata 1",
        12,
        "Ta med matpakke.",
    )


def test_an_end_before_the_start_is_shown_at_the_end_time_and_what_she_typed_is_kept(
    client, coordinator_oslo, basic_course
):
    login(client, coordinator_oslo)
    data = session_form_data(basic_course, starts="18:00", ends="17:00", place="Huset på hjørnet")

    response = client.post(reverse("session_create"), data)

    html = page(response)
    assert response.context["form"].errors == {"ends": ["The session must end after it starts."]}
    assert 'value="Huset på hjørnet"' in html
    assert 'value="17:00"' in html and 'value="18:00"' in html
    assert "Ta med matpakke." in html
    assert not Session.objects.exists()


def test_a_session_cannot_be_planned_in_the_past(client, coordinator_oslo, basic_course):
    login(client, coordinator_oslo)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        reverse("session_create"), session_form_data(basic_course, date=yesterday)
    )
    page(response)
    assert list(response.context["form"].errors) == ["date"]
    assert not Session.objects.exists()


def test_a_course_no_longer_offered_cannot_be_chosen(client, coordinator_oslo, basic_course):
    basic_course.is_active = False
    basic_course.save()
    login(client, coordinator_oslo)
    response = client.post(reverse("session_create"), session_form_data(basic_course))
    page(response)
    assert list(response.context["form"].errors) == ["course"]


def test_the_coordinator_changes_a_session(client, coordinator_oslo, oslo_session, basic_course):
    login(client, coordinator_oslo)
    html = page(client.get(reverse("session_update", args=[oslo_session.public_id])))
    assert 'value="Frivillighetssentralen, Storgata 1"' in html

    response = client.post(
        reverse("session_update", args=[oslo_session.public_id]),
        session_form_data(basic_course, place="Sanitetshuset", capacity="4"),
    )

    assert response.status_code == 302
    oslo_session.refresh_from_db()
    assert (oslo_session.place, oslo_session.capacity) == ("Sanitetshuset", 4)


def test_fewer_seats_than_those_seated_is_shown_at_the_seats_and_nothing_changes(
    client, coordinator_oslo, oslo, oslo_session, basic_course
):
    services.enrol(
        session=oslo_session, volunteers=[volunteer(oslo, status="course") for _ in range(2)]
    )
    login(client, coordinator_oslo)

    response = client.post(
        reverse("session_update", args=[oslo_session.public_id]),
        session_form_data(basic_course, place="Et nytt sted", capacity="1"),
    )

    html = page(response)
    assert response.context["form"].errors == {
        "capacity": ["2 volunteers already have a seat; the number of seats cannot be lower."]
    }
    assert 'value="Et nytt sted"' in html
    oslo_session.refresh_from_db()
    assert (oslo_session.place, oslo_session.capacity) == ("Frivillighetssentralen, Storgata 1", 2)


def test_a_session_that_has_started_cannot_be_changed(client, coordinator_oslo, oslo_session):
    move_to_past(oslo_session)
    login(client, coordinator_oslo)
    response = client.get(reverse("session_update", args=[oslo_session.public_id]), follow=True)
    assert texts(response) == ["A session that is cancelled or has started cannot be changed."]


# --- One session, and signing volunteers up -----------------------------------------------------


def test_the_session_page_shows_who_has_a_seat_and_the_waiting_list_in_order(
    client, coordinator_oslo, oslo, oslo_session
):
    names = ("Anna", "Berit", "Cecilie", "Dina")
    anna, berit, cecilie, dina = (
        volunteer(oslo, status="course", first_name=n, last_name="Lie") for n in names
    )
    services.enrol(session=oslo_session, volunteers=[anna, berit])
    services.enrol(session=oslo_session, volunteers=[dina])
    services.enrol(session=oslo_session, volunteers=[cecilie])
    volunteer(oslo, status="screening", first_name="Siri", last_name="Dahl")
    login(client, coordinator_oslo)

    response = client.get(reverse("session_detail", args=[oslo_session.public_id]))

    html = page(response)
    assert [e.volunteer for e in response.context["seated"]] == [anna, berit]
    assert [e.volunteer for e in response.context["waiting"]] == [dina, cecilie]
    assert html.index("Dina Lie") < html.index("Cecilie Lie")
    # Nobody is offered for sign-up until she searches: no box per volunteer of the association.
    assert "Siri Dahl" not in html and 'type="checkbox"' not in html
    assert 'name="q"' in html
    for name in ("session_update", "session_cancel", "session_ics"):
        assert reverse(name, args=[oslo_session.public_id]) in html


def test_the_coordinator_signs_up_several_volunteers_and_hears_who_was_skipped(
    client, coordinator_oslo, oslo, oslo_session
):
    anna, berit, cecilie = (
        volunteer(oslo, status="course", first_name=n, last_name="Lie")
        for n in ("Anna", "Berit", "Cecilie")
    )
    # A colleague signed Anna up after the page was opened.
    services.enrol(session=oslo_session, volunteers=[anna])
    login(client, coordinator_oslo)

    response = client.post(
        reverse("session_enrol", args=[oslo_session.public_id]),
        {"volunteers": [str(v.public_id) for v in (anna, berit, cecilie)]},
        follow=True,
    )

    assert texts(response) == [
        "1 volunteer got a seat: Berit Lie.",
        "The session is full. 1 volunteer is on the waiting list: Cecilie Lie.",
        "Anna Lie was not signed up. She is already signed up.",
    ]
    assert {e.volunteer: e.status for e in Enrolment.objects.all()} == {
        anna: EnrolmentStatus.ENROLLED,
        berit: EnrolmentStatus.ENROLLED,
        cecilie: EnrolmentStatus.WAITING,
    }


def test_signing_up_nobody_shows_an_error(client, coordinator_oslo, oslo, oslo_session):
    volunteer(oslo, status="course")
    login(client, coordinator_oslo)
    response = client.post(reverse("session_enrol", args=[oslo_session.public_id]), {})
    page(response)
    assert response.context["enrol_form"].errors == {
        "volunteers": ["Tick at least one volunteer to sign up."]
    }
    assert not Enrolment.objects.exists()


def test_a_volunteer_of_another_association_cannot_be_signed_up(
    client, coordinator_oslo, bergen, oslo_session
):
    from_bergen = volunteer(bergen, status="course")
    login(client, coordinator_oslo)
    response = client.post(
        reverse("session_enrol", args=[oslo_session.public_id]),
        {"volunteers": [str(from_bergen.public_id)]},
    )
    page(response)
    assert list(response.context["enrol_form"].errors) == ["volunteers"]
    assert not Enrolment.objects.exists()


def test_the_coordinator_signs_a_volunteer_off_and_the_first_waiting_gets_the_seat(
    client, coordinator_oslo, oslo, oslo_session
):
    anna, berit, cecilie = (
        volunteer(oslo, status="course", first_name=n, last_name="Lie")
        for n in ("Anna", "Berit", "Cecilie")
    )
    services.enrol(session=oslo_session, volunteers=[anna, berit, cecilie])
    login(client, coordinator_oslo)

    response = client.post(
        reverse("enrolment_cancel", args=[Enrolment.objects.get(volunteer=anna).public_id])
    )

    assert response["Location"] == reverse("session_detail", args=[oslo_session.public_id])
    assert {e.volunteer: e.status for e in Enrolment.objects.all()} == {
        anna: EnrolmentStatus.CANCELLED,
        berit: EnrolmentStatus.ENROLLED,
        cecilie: EnrolmentStatus.ENROLLED,
    }


def test_cancelling_asks_first_then_tells_those_signed_up(
    client,
    coordinator_oslo,
    volunteer_oslo,
    nora,
    oslo,
    oslo_session,
    django_capture_on_commit_callbacks,
):
    services.enrol(session=oslo_session, volunteers=[nora, volunteer(oslo, status="course")])
    login(client, coordinator_oslo)
    url = reverse("session_cancel", args=[oslo_session.public_id])

    html = page(client.get(url))
    assert (
        "The 2 volunteers who are signed up or on the waiting list will get a notification" in html
    )
    oslo_session.refresh_from_db()
    assert not oslo_session.is_cancelled

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302
    oslo_session.refresh_from_db()
    assert oslo_session.is_cancelled
    notification = Notification.objects.get(kind=SESSION_CANCELLED)
    assert (notification.recipient, notification.link) == (volunteer_oslo, reverse("my_courses"))
    # Nothing about the course in what she is told.
    assert "vold" not in str(notification.text).lower()


# --- Attendance ---------------------------------------------------------------------------------


def test_attendance_waits_until_the_session_has_started(
    client, coordinator_oslo, oslo, oslo_session
):
    kari = volunteer(oslo, status="course")
    services.enrol(session=oslo_session, volunteers=[kari])
    enrolment = Enrolment.objects.get()
    login(client, coordinator_oslo)
    url = reverse("session_attendance", args=[oslo_session.public_id])

    html = page(client.get(url))
    assert "Attendance can be registered once the session has started" in html
    assert "Save attendance" not in html

    response = client.post(url, {"attended": [str(enrolment.public_id)]}, follow=True)
    assert texts(response) == ["Attendance can be registered once the session has started."]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_the_coordinator_registers_who_came(client, coordinator_oslo, oslo, oslo_session):
    anna, berit, waiting = (
        volunteer(oslo, status="course", first_name=n, last_name="Lie")
        for n in ("Anna", "Berit", "Wenche")
    )
    services.enrol(session=oslo_session, volunteers=[anna, berit, waiting])
    move_to_past(oslo_session)
    login(client, coordinator_oslo)
    url = reverse("session_attendance", args=[oslo_session.public_id])
    html = page(client.get(url))
    assert "Anna Lie" in html and "Berit Lie" in html
    assert "Wenche Lie" not in html  # no seat, no attendance

    response = client.post(
        url, {"attended": [str(Enrolment.objects.get(volunteer=anna).public_id)]}, follow=True
    )

    assert texts(response) == ["Attendance is registered: 1 of 2 attended."]
    assert {e.volunteer: e.status for e in Enrolment.objects.all()} == {
        anna: EnrolmentStatus.ATTENDED,
        berit: EnrolmentStatus.ABSENT,
        waiting: EnrolmentStatus.WAITING,
    }
    # Once registered, the list shows the result instead of a link.
    assert "1 of 2 attended" in page(client.get(reverse("course_list")))


# --- The volunteer's own page -------------------------------------------------------------------


def test_the_volunteer_sees_her_sessions_and_those_she_can_join(
    client, volunteer_oslo, nora, oslo, bergen
):
    mine = make_session(oslo, place="Sanitetshuset, Tøyen", notes="Ta med matpakke.")
    services.enrol(session=mine, volunteers=[nora], self_service=True)
    full = make_session(oslo, capacity=1, place="Biblioteket")
    services.enrol(session=full, volunteers=[volunteer(oslo, status="course")])
    make_session(bergen, place="Bergen frivilligsentral")
    cancelled = services.session_cancel(session=make_session(oslo, place="Avlyst sted"))
    login(client, volunteer_oslo)

    html = page(client.get(reverse("my_courses")))

    assert f'id="session-{mine.public_id}"' in html
    assert "You have a seat" in html and "Ta med matpakke." in html
    assert (
        reverse("enrolment_cancel", args=[Enrolment.objects.get(volunteer=nora).public_id]) in html
    )
    assert reverse("my_session_sign_up", args=[full.public_id]) in html
    assert "Join the waiting list" in html
    assert reverse("my_session_sign_up", args=[mine.public_id]) not in html
    assert "Bergen frivilligsentral" not in html
    assert str(cancelled.public_id) not in html
    feed = CalendarFeed.objects.get(volunteer=nora)
    assert f'value="http://127.0.0.1:8000/kalender/{feed.token}.ics"' in html
    assert f'href="webcal://127.0.0.1:8000/kalender/{feed.token}.ics"' in html


def test_what_she_completed_is_shown_done_with_its_date_and_not_offered_again(
    client, volunteer_oslo, nora, oslo, basic_course, specialisation_course
):
    done = attended(nora, basic_course, ended_days_ago=30)
    supervision_course = Course.objects.get(title=SUPERVISION)
    attended(nora, supervision_course, ended_days_ago=20)
    basic_again = make_session(oslo, basic_course, place="Sanitetshuset, Tøyen")
    special = make_session(oslo, specialisation_course, place="Biblioteket")
    supervision = make_session(oslo, supervision_course, place="Kafeen")
    login(client, volunteer_oslo)

    html = page(client.get(reverse("my_courses")))

    done_on = timezone.localtime(done.session.ends_at).strftime("%d.%m.%Y")
    completed = html[html.index('id="done-title"') : html.index('id="past-title"')]
    assert BASIC in completed and f"Completed on {done_on}" in completed
    # A supervision group is met again and again: attending one completes nothing.
    assert SUPERVISION not in completed
    assert reverse("my_session_sign_up", args=[basic_again.public_id]) not in html
    assert "Sanitetshuset, Tøyen" not in html
    assert reverse("my_session_sign_up", args=[special.public_id]) in html
    assert reverse("my_session_sign_up", args=[supervision.public_id]) in html
    assert "What you still need" not in html  # the basic course is the only one required

    # Asked for anyway (an old page, a second tab): refused, and nothing changes.
    response = client.post(reverse("my_session_sign_up", args=[basic_again.public_id]), follow=True)
    assert texts(response) == ["You have already completed this course."]
    assert not Enrolment.objects.filter(session=basic_again).exists()


def test_a_completion_that_has_expired_is_offered_again(
    client, volunteer_oslo, nora, oslo, specialisation_course
):
    specialisation_course.validity_months = 12
    specialisation_course.save()
    attended(nora, specialisation_course, ended_days_ago=400)
    again = make_session(oslo, specialisation_course)
    login(client, volunteer_oslo)

    html = page(client.get(reverse("my_courses")))

    assert 'id="done-title"' not in html
    assert reverse("my_session_sign_up", args=[again.public_id]) in html
    client.post(reverse("my_session_sign_up", args=[again.public_id]))
    assert Enrolment.objects.get(session=again).status == EnrolmentStatus.ENROLLED


def test_what_she_still_needs_comes_first_then_the_other_offers(
    client, volunteer_oslo, nora, oslo, basic_course, specialisation_course
):
    # The specialisation session is sooner, but the basic course is what she needs.
    special = make_session(oslo, specialisation_course, starts_in=timedelta(days=2))
    basic = make_session(oslo, basic_course, starts_in=timedelta(days=20))
    login(client, volunteer_oslo)

    html = page(client.get(reverse("my_courses")))

    needed = html.index("What you still need")
    other = html.index("Other course sessions you can join")
    basic_at = html.index(reverse("my_session_sign_up", args=[basic.public_id]))
    special_at = html.index(reverse("my_session_sign_up", args=[special.public_id]))
    assert needed < basic_at < other < special_at
    assert 'id="done-title"' not in html

    # Signed up for it, she is told so where the course is listed, and it is not offered twice.
    client.post(reverse("my_session_sign_up", args=[basic.public_id]))
    html = page(client.get(reverse("my_courses")))
    assert "You are signed up for a session of this course (see above)." in html
    assert reverse("my_session_sign_up", args=[basic.public_id]) not in html


def test_a_needed_course_without_a_session_says_so(client, volunteer_oslo, nora, oslo):
    login(client, volunteer_oslo)
    html = page(client.get(reverse("my_courses")))
    assert "What you still need" in html and BASIC in html
    assert (
        "No session of this course is planned yet. It appears here when your association plans one."
        in html
    )


def test_the_volunteer_signs_herself_up_and_off(client, volunteer_oslo, nora, oslo):
    session = make_session(oslo, capacity=1)
    login(client, volunteer_oslo)

    response = client.post(reverse("my_session_sign_up", args=[session.public_id]), follow=True)
    enrolment = Enrolment.objects.get(volunteer=nora)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert texts(response)[0].startswith("You have a seat on the course session on ")

    response = client.post(reverse("enrolment_cancel", args=[enrolment.public_id]))
    assert response["Location"] == reverse("my_courses")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED


def test_a_full_session_puts_her_on_the_waiting_list_and_shows_her_number(
    client, volunteer_oslo, nora, oslo
):
    session = make_session(oslo, capacity=1)
    services.enrol(session=session, volunteers=[volunteer(oslo, status="course") for _ in range(2)])
    login(client, volunteer_oslo)

    response = client.post(reverse("my_session_sign_up", args=[session.public_id]), follow=True)

    assert Enrolment.objects.get(volunteer=nora).status == EnrolmentStatus.WAITING
    assert texts(response) == [
        "The session is full, so you are on the waiting list. You will be told if a seat becomes free."
    ]
    assert "Number 2 on the waiting list" in response.content.decode()


def test_before_the_course_stage_the_coordinator_signs_her_up(client, volunteer_oslo, oslo):
    volunteer(oslo, status="screening", user=volunteer_oslo)
    session = make_session(oslo)
    login(client, volunteer_oslo)

    html = page(client.get(reverse("my_courses")))
    assert "At this stage your coordinator signs you up for course sessions." in html
    assert reverse("my_session_sign_up", args=[session.public_id]) not in html

    client.post(reverse("my_session_sign_up", args=[session.public_id]))
    assert not Enrolment.objects.exists()


def test_a_volunteer_cannot_sign_off_someone_else(client, volunteer_oslo, nora, oslo, oslo_session):
    other = volunteer(oslo, status="course")
    services.enrol(session=oslo_session, volunteers=[other])
    login(client, volunteer_oslo)

    response = client.post(reverse("enrolment_cancel", args=[Enrolment.objects.get().public_id]))

    assert response.status_code == 404
    assert Enrolment.objects.get().status == EnrolmentStatus.ENROLLED


def test_a_volunteer_login_without_a_volunteer_record_gets_404(client, volunteer_oslo, oslo):
    login(client, volunteer_oslo)
    assert client.get(reverse("my_courses")).status_code == 404


# --- Who may see what ---------------------------------------------------------------------------


def oslo_urls(session: Session, enrolment: Enrolment) -> list[tuple[str, str]]:
    on_session = (
        "session_detail",
        "session_update",
        "session_cancel",
        "session_attendance",
        "session_ics",
    )
    urls = [("get", reverse(name, args=[session.public_id])) for name in on_session]
    urls += [
        ("post", reverse("session_enrol", args=[session.public_id])),
        ("post", reverse("session_cancel", args=[session.public_id])),
        ("post", reverse("session_update", args=[session.public_id])),
        ("post", reverse("session_attendance", args=[session.public_id])),
        ("post", reverse("enrolment_cancel", args=[enrolment.public_id])),
    ]
    return urls


def test_the_coordinator_of_another_association_gets_404_and_changes_nothing(
    client, coordinator_bergen, oslo, oslo_session
):
    kari = volunteer(oslo, status="course")
    services.enrol(session=oslo_session, volunteers=[kari])
    enrolment = Enrolment.objects.get()
    login(client, coordinator_bergen)

    for method, url in oslo_urls(oslo_session, enrolment):
        assert getattr(client, method)(url).status_code == 404, url
    oslo_session.refresh_from_db()
    enrolment.refresh_from_db()
    assert not oslo_session.is_cancelled
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert (
        client.post(reverse("my_session_sign_up", args=[oslo_session.public_id])).status_code == 403
    )


def test_a_volunteer_gets_403_on_the_coordinators_pages(client, volunteer_oslo, nora, oslo_session):
    login(client, volunteer_oslo)
    coordinator_pages = [
        ("get", reverse("course_list")),
        ("get", reverse("session_create")),
        ("post", reverse("session_create")),
    ] + [
        (method, url)
        for method, url in oslo_urls(oslo_session, Enrolment(public_id=oslo_session.public_id))
        if "kalender.ics" not in url and "meld-av" not in url
    ]
    for method, url in coordinator_pages:
        assert getattr(client, method)(url).status_code == 403, url


def test_shelter_staff_and_national_admins_get_403(
    client, shelter_worker_oslo, national_admin, oslo_session
):
    for user in (shelter_worker_oslo, national_admin):
        login(client, user)
        for name in ("course_list", "my_courses"):
            assert client.get(reverse(name)).status_code == 403
        assert client.get(reverse("session_ics", args=[oslo_session.public_id])).status_code == 403


def test_logged_out_people_are_sent_to_log_in(client, oslo_session):
    for url in (
        reverse("course_list"),
        reverse("my_courses"),
        reverse("session_detail", args=[oslo_session.public_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# --- The catalogue in the admin -----------------------------------------------------------------


def test_a_superuser_sets_what_a_course_qualifies_for_with_checkboxes_in_the_admin(
    client, superuser_admin, specialisation_course
):
    login(client, superuser_admin)
    url = reverse("admin:courses_course_change", args=[specialisation_course.pk])
    html = client.get(url).content.decode()
    assert re.search(r'type="checkbox" name="qualifies_for" value="1"[^>]*checked', html)

    response = client.post(
        url,
        {
            "title": specialisation_course.title,
            "description": specialisation_course.description,
            "kind": specialisation_course.kind,
            "qualifies_for": ["1", "4"],
            "validity_months": "24",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    specialisation_course.refresh_from_db()
    assert specialisation_course.qualifies_for == 5
    assert specialisation_course.validity_months == 24


def test_the_admin_is_closed_to_coordinators(client, coordinator_oslo, basic_course):
    login(client, coordinator_oslo)
    response = client.get(reverse("admin:courses_course_change", args=[basic_course.pk]))
    assert response.status_code == 302
