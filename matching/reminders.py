"""Reminder rules about matches and referrals (run by notifications.reminders.sweep).

Each rule asks the database one question (plus one for the coordinators) and returns who is due.
"""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse

from accounts.models import Role, coordinators_by_association
from matching.models import RUNNING, FollowUp, Match, Meeting, Referral, ReferralStatus
from matching.selectors import inactive_matches
from notifications.models import Kind
from notifications.reminders import Due, Rule

VOLUNTEER_NO_MEETING_DAYS = 14
COORDINATOR_NO_MEETING_DAYS = 28
TRY_AGAIN_DAYS = 3
REFERRAL_WAITING_WORKING_DAYS = 2
MATCH_ENDING_DAYS = 30


def working_days_before(today: date, days: int) -> date:
    """`days` working days (Monday–Friday) before today. Public holidays are not counted out."""
    day = today
    while days:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _to_coordinators(rows) -> list[Due]:
    """rows: (object_id, association_id, period, link) → one Due per coordinator."""
    rows = list(rows)
    coordinators = coordinators_by_association(row[1] for row in rows)
    return [
        Due(object_id, user_id, period, link, Role.COORDINATOR, association_id)
        for object_id, association_id, period, link in rows
        for user_id in coordinators.get(association_id, [])
    ]


def no_meeting_volunteer(today: date) -> list[Due]:
    rows = inactive_matches(
        Match.objects.filter(volunteer__user__isnull=False),
        days=VOLUNTEER_NO_MEETING_DAYS,
        today=today,
    ).values_list("pk", "volunteer__user_id", "last_contact_on", "volunteer__association_id")
    link = reverse("meeting_log")
    return [
        Due(pk, user_id, last.isoformat(), link, Role.VOLUNTEER, association_id)
        for pk, user_id, last, association_id in rows
    ]


def no_meeting_coordinator(today: date) -> list[Due]:
    rows = inactive_matches(
        Match.objects.all(), days=COORDINATOR_NO_MEETING_DAYS, today=today
    ).values_list("pk", "referral__association_id", "last_contact_on", "public_id")
    return _to_coordinators(
        (pk, association_id, last.isoformat(), reverse("match_detail", args=[public_id]))
        for pk, association_id, last, public_id in rows
    )


def try_again(today: date) -> list[Due]:
    """She tried and could not reach her; nothing logged since, for TRY_AGAIN_DAYS days."""
    later = Meeting.objects.filter(match=OuterRef("match"), date__gt=OuterRef("date"))
    rows = (
        Meeting.objects.filter(
            met=False,
            date__lte=today - timedelta(days=TRY_AGAIN_DAYS),
            date__gte=today - timedelta(days=TRY_AGAIN_DAYS + 14),
            match__status__in=RUNNING,
            match__volunteer__user__isnull=False,
        )
        .exclude(Exists(later))
        .values_list(
            "match_id", "match__volunteer__user_id", "pk", "match__volunteer__association_id"
        )
    )
    link = reverse("meeting_log")
    return [
        Due(match_id, user_id, str(meeting_id), link, Role.VOLUNTEER, association_id)
        for match_id, user_id, meeting_id, association_id in rows
    ]


def referral_waiting(today: date) -> list[Due]:
    cutoff = working_days_before(today, REFERRAL_WAITING_WORKING_DAYS)
    rows = Referral.objects.filter(
        status=ReferralStatus.RECEIVED, created_at__date__lte=cutoff
    ).values_list("pk", "association_id", "public_id")
    return _to_coordinators(
        (pk, association_id, "", reverse("referral_detail", args=[public_id]))
        for pk, association_id, public_id in rows
    )


def follow_up_due(today: date) -> list[Due]:
    rows = FollowUp.objects.due(by_date=today).values_list(
        "pk", "match__referral__association_id", "due_on", "match__public_id"
    )
    return _to_coordinators(
        (pk, association_id, due.isoformat(), reverse("match_detail", args=[match_id]))
        for pk, association_id, due, match_id in rows
    )


def match_ending(today: date) -> list[Due]:
    rows = Match.objects.filter(
        status__in=RUNNING,
        planned_end_on__gte=today,
        planned_end_on__lte=today + timedelta(days=MATCH_ENDING_DAYS),
    ).values_list("pk", "referral__association_id", "planned_end_on", "public_id")
    return _to_coordinators(
        (pk, association_id, end.isoformat(), reverse("match_detail", args=[public_id]))
        for pk, association_id, end, public_id in rows
    )


def retention_soon(today: date) -> list[Due]:
    """Coordinators are told 30 days before a referral's personal data is erased."""
    from django.conf import settings

    from matching.retention import due

    soon = due(today + timedelta(days=settings.RETENTION_WARNING_DAYS)).values_list(
        "pk", "association_id", "public_id"
    )
    return _to_coordinators(
        (pk, association_id, "", reverse("referral_detail", args=[public_id]))
        for pk, association_id, public_id in soon
    )


RULES = [
    Rule(
        "matching.no_meeting_volunteer",
        Kind.NO_MEETING_VOLUNTEER,
        no_meeting_volunteer,
        digestible=False,
    ),
    Rule("matching.no_meeting_coordinator", Kind.NO_MEETING_COORDINATOR, no_meeting_coordinator),
    Rule("matching.try_again", Kind.TRY_AGAIN, try_again, digestible=False),
    Rule("matching.referral_waiting", Kind.REFERRAL_WAITING, referral_waiting),
    Rule("matching.follow_up_due", Kind.FOLLOW_UP_DUE, follow_up_due),
    Rule("matching.match_ending", Kind.MATCH_ENDING, match_ending),
    Rule("matching.retention_soon", Kind.RETENTION_SOON, retention_soon),
]
