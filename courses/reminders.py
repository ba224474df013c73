"""Reminder rules about course sessions."""

from datetime import date, timedelta

from django.urls import reverse

from accounts.models import Role
from courses.models import Enrolment, EnrolmentStatus
from notifications.models import Kind
from notifications.reminders import Due, Rule

SESSION_SOON_DAYS = 2


def session_soon(today: date) -> list[Due]:
    """A volunteer with a seat on a session that starts in two days (Europe/Oslo dates)."""
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


RULES = [Rule("courses.session_soon", Kind.SESSION_SOON, session_soon, digestible=False)]
