"""Calendar files and the volunteer's calendar feed, read back with icalendar as a phone would."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from courses import services
from courses.models import Enrolment, Session
from tests.conftest import login
from tests.courses.conftest import BASIC, make_session
from tests.factories import volunteer

pytestmark = pytest.mark.django_db

OSLO = timezone.get_default_timezone()
NEUTRAL = "Ressursvenner: kurssamling"


def oslo_session(association, *, local_start: datetime, hours: int = 3, **fields) -> Session:
    """A session at a given Oslo wall-clock time (times out of reach of "now" on purpose)."""
    session = make_session(association, **fields)
    starts_at = local_start.replace(tzinfo=OSLO)
    Session.objects.filter(pk=session.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours)
    )
    session.refresh_from_db()
    return session


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def assert_says_nothing_sensitive(content: bytes) -> None:
    text = content.decode().lower()
    assert BASIC.lower() not in text
    assert "vold" not in text
    assert "krisesenter" not in text


def feed_url(feed) -> str:
    return reverse("calendar_feed", kwargs={"token": feed.token})


def test_a_session_as_a_calendar_file_is_neutral_with_a_stable_uid(client, coordinator_oslo, oslo):
    session = make_session(oslo, place="Frivillighetssentralen, Storgata 1")
    login(client, coordinator_oslo)
    url = reverse("session_ics", args=[session.public_id])

    response = client.get(url)

    calendar = parse(response)
    assert response["Content-Disposition"].startswith('attachment; filename="kurssamling-')
    assert str(calendar["PRODID"]) == "-//NKS//Ressursvenner//NO"
    [event] = calendar.events
    assert str(event["UID"]) == f"session-{session.public_id}@ressursvenner"
    assert str(event["SUMMARY"]) == NEUTRAL
    assert str(event["LOCATION"]) == "Frivillighetssentralen, Storgata 1"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["DESCRIPTION"]) == (
        f"http://127.0.0.1:8000{reverse('session_detail', args=[session.public_id])}"
    )
    assert "DTSTAMP" in event
    assert_says_nothing_sensitive(response.content)
    # Downloaded again (or changed), it is the same entry.
    assert str(parse(client.get(url)).events[0]["UID"]) == str(event["UID"])


@pytest.mark.parametrize(
    ("local_start", "utc_hour"),
    [
        (datetime(2027, 1, 14, 18, 0), 17),  # winter: UTC+1
        (datetime(2027, 3, 27, 18, 0), 17),  # the day before summer time starts (28 March)
        (datetime(2027, 3, 29, 18, 0), 16),  # the day after: UTC+2
        (datetime(2027, 7, 1, 18, 0), 16),  # summer
    ],
)
def test_times_are_oslo_wall_clock_times_with_a_timezone_either_side_of_summer_time(
    client, coordinator_oslo, oslo, local_start, utc_hour
):
    session = oslo_session(oslo, local_start=local_start)
    login(client, coordinator_oslo)

    response = client.get(reverse("session_ics", args=[session.public_id]))

    calendar = parse(response)
    [event] = calendar.events
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert event["DTEND"].params["TZID"] == "Europe/Oslo"
    assert event.start.replace(tzinfo=None) == local_start
    assert event.end.replace(tzinfo=None) == local_start + timedelta(hours=3)
    assert event.start.astimezone(UTC).hour == utc_hour
    assert f"DTSTART;TZID=Europe/Oslo:{local_start:%Y%m%dT%H%M%S}" in response.content.decode()
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]


def test_a_cancelled_session_says_so(client, coordinator_oslo, oslo):
    session = services.session_cancel(session=make_session(oslo))
    login(client, coordinator_oslo)
    [event] = parse(client.get(reverse("session_ics", args=[session.public_id]))).events
    assert str(event["STATUS"]) == "CANCELLED"


def test_a_volunteer_gets_a_calendar_file_linking_to_her_own_page(
    client, volunteer_oslo, nora, oslo
):
    session = make_session(oslo)
    login(client, volunteer_oslo)
    [event] = parse(client.get(reverse("session_ics", args=[session.public_id]))).events
    assert str(event["DESCRIPTION"]) == (
        f"http://127.0.0.1:8000{reverse('my_courses')}#session-{session.public_id}"
    )


def test_the_coordinator_of_another_association_gets_no_calendar_file(
    client, coordinator_bergen, oslo
):
    session = make_session(oslo)
    login(client, coordinator_bergen)
    assert client.get(reverse("session_ics", args=[session.public_id])).status_code == 404


# --- The feed -----------------------------------------------------------------------------------


def test_the_feed_holds_her_sessions_and_keeps_cancelled_ones_so_phones_remove_them(
    client, oslo, nora
):
    seated = make_session(oslo, starts_in=timedelta(days=3))
    full = make_session(oslo, starts_in=timedelta(days=4), capacity=1)
    services.enrol(session=full, volunteers=[volunteer(oslo, status="course")])
    to_be_cancelled = make_session(oslo, starts_in=timedelta(days=5))
    signed_off = make_session(oslo, starts_in=timedelta(days=6))
    not_hers = make_session(oslo, starts_in=timedelta(days=7))
    for session in (seated, full, to_be_cancelled, signed_off):
        services.enrol(session=session, volunteers=[nora], self_service=True)
    services.session_cancel(session=to_be_cancelled)
    services.sign_off(enrolment=Enrolment.objects.get(session=signed_off, volunteer=nora))
    feed = services.calendar_feed_get_or_create(volunteer=nora)

    response = client.get(feed_url(feed))  # no login: the calendar app has none

    calendar = parse(response)
    assert response["Cache-Control"] == "no-store"
    assert {str(e["UID"]): str(e["STATUS"]) for e in calendar.events} == {
        f"session-{seated.public_id}@ressursvenner": "CONFIRMED",
        f"session-{full.public_id}@ressursvenner": "TENTATIVE",
        f"session-{to_be_cancelled.public_id}@ressursvenner": "CANCELLED",
    }
    assert {str(e["SUMMARY"]) for e in calendar.events} == {NEUTRAL}
    assert str(not_hers.public_id) not in response.content.decode()
    assert_says_nothing_sensitive(response.content)


def test_a_tampered_or_unknown_token_gets_404(client, nora):
    feed = services.calendar_feed_get_or_create(volunteer=nora)
    tampered = feed.token[:-1] + ("A" if feed.token[-1] != "A" else "B")

    for token in (tampered, feed.token.upper(), "x"):
        assert client.get(reverse("calendar_feed", kwargs={"token": token})).status_code == 404
    assert client.get(feed_url(feed)).status_code == 200


def test_a_new_link_makes_the_old_one_stop_working(client, volunteer_oslo, nora):
    old = feed_url(services.calendar_feed_get_or_create(volunteer=nora))
    login(client, volunteer_oslo)

    response = client.post(reverse("calendar_feed_renew"))

    assert response["Location"] == f"{reverse('my_courses')}#calendar"
    new = feed_url(nora.calendar_feed.__class__.objects.get(volunteer=nora))
    assert new != old
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_the_feed_stops_when_she_has_left_the_programme(client, nora):
    feed = services.calendar_feed_get_or_create(volunteer=nora)
    type(nora).objects.filter(pk=nora.pk).update(status="ended")
    assert client.get(feed_url(feed)).status_code == 404
