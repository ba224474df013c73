"""Reminder rules about course sessions (run by notifications.reminders.sweep).

The rule's threshold, its notification kind (the neutral text, filled from the threshold) and its
query stand together.
"""

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import ngettext_lazy

from accounts.models import Role
from courses.models import Enrolment, EnrolmentStatus
from notifications.kinds import register
from notifications.reminders import Due, Rule

# A volunteer with a seat is reminded this many days before the session.
SESSION_SOON_DAYS = 2
SESSION_SOON = register(
    "session_soon",
    ngettext_lazy(
        "You have a course session in %(days)s day.",
        "You have a course session in %(days)s days.",
        "days",
    ),
    numbers={"days": SESSION_SOON_DAYS},
)


def session_soon(today: date) -> list[Due]:
    """A volunteer with a seat on a session that starts in SESSION_SOON_DAYS (Europe/Oslo
    dates)."""
    day = today + timedelta(days=SESSION_SOON_DAYS)
    rows = Enrolment.objects.filter(
        status=EnrolmentStatus.ENROLLED,
        session__cancelled_at__isnull=True,
        session__starts_at__date=day,
        volunteer__user__isnull=False,
    ).values_list("pk", "volunteer__user_id", "session__association_id")
    link = reverse("my_courses")
    return [
        Due(pk, user_id, day.isoformat(), link, Role.VOLUNTEER, association_id)
        for pk, user_id, association_id in rows
    ]


RULES = [Rule("courses.session_soon", SESSION_SOON, session_soon, digestible=False)]
