"""Reminder rules about applications and commitment periods."""

from datetime import date, timedelta

from django.urls import reverse

from accounts.models import Role, coordinators_by_association
from notifications.models import Kind
from notifications.reminders import Due, Rule
from volunteers.models import ACTIVE, CommitmentPeriod, Status, Volunteer

APPLICATION_WAITING_DAYS = 7
COMMITMENT_ENDING_DAYS = 30


def application_waiting(today: date) -> list[Due]:
    rows = list(
        Volunteer.objects.filter(
            status=Status.APPLIED,
            applied_at__date__lte=today - timedelta(days=APPLICATION_WAITING_DAYS),
        ).values_list("pk", "association_id", "public_id")
    )
    coordinators = coordinators_by_association(row[1] for row in rows)
    return [
        Due(
            pk,
            user_id,
            "",
            reverse("volunteer_detail", args=[public_id]),
            Role.COORDINATOR,
            association_id,
        )
        for pk, association_id, public_id in rows
        for user_id in coordinators.get(association_id, [])
    ]


def commitment_ending(today: date) -> list[Due]:
    """To her coordinators and to her (when she has a login)."""
    rows = list(
        CommitmentPeriod.objects.open()
        .filter(
            volunteer__status__in=ACTIVE,
            ends_on__gte=today,
            ends_on__lte=today + timedelta(days=COMMITMENT_ENDING_DAYS),
        )
        .values_list(
            "pk",
            "volunteer__association_id",
            "ends_on",
            "volunteer__public_id",
            "volunteer__user_id",
        )
    )
    coordinators = coordinators_by_association(row[1] for row in rows)
    due = []
    for pk, association_id, ends_on, public_id, user_id in rows:
        for coordinator_id in coordinators.get(association_id, []):
            due.append(
                Due(
                    pk,
                    coordinator_id,
                    ends_on.isoformat(),
                    reverse("volunteer_detail", args=[public_id]),
                    Role.COORDINATOR,
                    association_id,
                )
            )
        if user_id:
            due.append(
                Due(
                    pk,
                    user_id,
                    ends_on.isoformat(),
                    reverse("my_page"),
                    Role.VOLUNTEER,
                    association_id,
                )
            )
    return due


def retention_soon(today: date) -> list[Due]:
    """Coordinators are told 30 days before a volunteer's personal data is erased."""
    from django.conf import settings

    from volunteers.retention import due

    rows = list(
        due(today + timedelta(days=settings.RETENTION_WARNING_DAYS)).values_list(
            "pk", "association_id", "public_id"
        )
    )
    coordinators = coordinators_by_association(row[1] for row in rows)
    return [
        Due(
            pk,
            user_id,
            "",
            reverse("volunteer_detail", args=[public_id]),
            Role.COORDINATOR,
            association_id,
        )
        for pk, association_id, public_id in rows
        for user_id in coordinators.get(association_id, [])
    ]


RULES = [
    Rule("volunteers.application_waiting", Kind.APPLICATION_WAITING, application_waiting),
    Rule("volunteers.commitment_ending", Kind.COMMITMENT_ENDING, commitment_ending),
    Rule("volunteers.retention_soon", Kind.RETENTION_SOON, retention_soon),
]
