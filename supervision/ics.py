"""A supervision session as a calendar file. As for courses (courses/ics.py): a neutral
summary, the time, the place and a link, nothing more."""

from django.utils import timezone
from icalendar import STATUS, Event

from courses.ics import calendar_bytes
from supervision.models import GroupSession

# Not translated, as the course sessions' summary: calendars outlive a language choice.
SUMMARY = "Ressursvenner: veiledning"


def group_session_ics(session: GroupSession, *, link: str) -> bytes:
    oslo = timezone.get_default_timezone()
    event = Event.new(
        uid=f"supervision-{session.public_id}@ressursvenner",
        summary=SUMMARY,
        start=timezone.localtime(session.starts_at, oslo),
        end=timezone.localtime(session.ends_at, oslo),
        stamp=timezone.now(),
        location=session.place,
        description=link,
        status=STATUS.CONFIRMED,
    )
    return calendar_bytes([event], feed=False)
