"""Calendar files (RFC 5545) for course sessions (one session, or a volunteer's feed) and for
a volunteer's first meeting with the woman.

A calendar entry is seen by anyone who glances at her phone, so it says nothing that could out
her: a neutral summary, the place, and a link. Never the course title ("... vold ...").
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.utils import timezone
from icalendar import STATUS, Calendar, Event, vDuration

from courses.models import EnrolmentStatus, Session

PRODID = "-//NKS//Ressursvenner//NO"
CALENDAR_NAME = "Ressursvenner"
# Deliberately the same for every course, and not translated: calendars outlive a language choice.
SUMMARY = "Ressursvenner: kurssamling"
MEETING_SUMMARY = "Ressursvenner: møte"
FIRST_MEETING_LENGTH = timedelta(hours=1)
# How often a subscribed calendar should fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=1)


def session_uid(session: Session) -> str:
    """Stable across updates, so a calendar replaces the entry instead of adding a second one."""
    return f"session-{session.public_id}@ressursvenner"


def _event(session: Session, *, link: str, tentative: bool = False) -> Event:
    # Local wall-clock times with a TZID (and a VTIMEZONE in the calendar), not UTC: the entry
    # stays at 18:00 in Oslo across the daylight-saving change.
    oslo = timezone.get_default_timezone()
    if session.is_cancelled:
        status = STATUS.CANCELLED
    elif tentative:
        status = STATUS.TENTATIVE
    else:
        status = STATUS.CONFIRMED
    return Event.new(
        uid=session_uid(session),
        summary=SUMMARY,
        start=timezone.localtime(session.starts_at, oslo),
        end=timezone.localtime(session.ends_at, oslo),
        stamp=timezone.now(),
        location=session.place,
        description=link,
        status=status,
    )


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def calendar_bytes(events: list[Event], *, feed: bool) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if feed:
        calendar.add("x-wr-calname", CALENDAR_NAME)
        calendar.add("name", CALENDAR_NAME)
        calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    else:
        calendar.add("method", "PUBLISH")
    for event in events:
        calendar.add_component(event)
    if events:
        # Only the transitions the events need, not every one since 1970.
        first = min(_day(event.start) for event in events)
        last = max(_day(event.end) for event in events) + timedelta(days=1)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def first_meeting_ics(match, *, link: str) -> bytes:
    """The first meeting of a match, for the volunteer's calendar: when, and a link. Neither
    the place (it is often the shelter, and calendars are synced and glanced at) nor anything
    about the woman."""
    oslo = timezone.get_default_timezone()
    starts = timezone.localtime(match.first_meeting_at, oslo)
    event = Event.new(
        uid=f"first-meeting-{match.public_id}@ressursvenner",
        summary=MEETING_SUMMARY,
        start=starts,
        end=starts + FIRST_MEETING_LENGTH,
        stamp=timezone.now(),
        description=link,
        status=STATUS.CONFIRMED,
    )
    return calendar_bytes([event], feed=False)


def session_ics(session: Session, *, link: str) -> bytes:
    """One session as a calendar file to open or import; `link` is its page (absolute URL)."""
    return calendar_bytes([_event(session, link=link)], feed=False)


def sessions_feed(enrolments: Iterable, *, link: Callable[[Session], str]) -> bytes:
    """A subscribable calendar of a volunteer's enrolments (with their sessions loaded).

    Cancelled sessions stay in, marked CANCELLED, so a phone that subscribed removes them;
    a place on the waiting list is TENTATIVE.
    """
    events = [
        _event(
            enrolment.session,
            link=link(enrolment.session),
            tentative=enrolment.status == EnrolmentStatus.WAITING,
        )
        for enrolment in enrolments
    ]
    return calendar_bytes(events, feed=True)


GATHERING_SUMMARY = "Ressursvenner: samling"


def gathering_ics(gathering, *, link: str) -> bytes:
    """A gathering as a calendar file: a neutral summary (as for a course session), the time,
    the place and a link to her page of gatherings."""
    oslo = timezone.get_default_timezone()
    event = Event.new(
        uid=f"gathering-{gathering.public_id}@ressursvenner",
        summary=GATHERING_SUMMARY,
        start=timezone.localtime(gathering.starts_at, oslo),
        end=timezone.localtime(gathering.ends_at, oslo),
        stamp=timezone.now(),
        location=gathering.place,
        description=link,
        status=STATUS.CONFIRMED,
    )
    return calendar_bytes([event], feed=False)
