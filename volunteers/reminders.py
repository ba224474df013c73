"""Reminder rules about applications and commitment periods (run by notifications.reminders).

Each rule's threshold, its notification kind (the neutral text, filled from the threshold) and
its query stand together below. A threshold used by a coordinator's list as well lives with the
list (volunteers.selectors) and is imported here; the retention warning is a setting.
"""

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import ngettext_lazy

from accounts.models import Role, coordinators_by_association
from notifications.kinds import register
from notifications.reminders import Due, Rule
from volunteers import selectors
from volunteers.models import (
    ACTIVE,
    CommitmentPeriod,
    ConfidentialityDeclaration,
    Status,
    Volunteer,
)
from volunteers.selectors import COMMITMENT_ENDING_DAYS

# --- An application waiting ---

# The coordinators are reminded of an application not handled after this many days.
APPLICATION_WAITING_DAYS = 7
APPLICATION_WAITING = register(
    "application_waiting",
    ngettext_lazy(
        "An application has waited %(days)s day for you.",
        "An application has waited %(days)s days for you.",
        "days",
    ),
    numbers={"days": APPLICATION_WAITING_DAYS},
    group_text=ngettext_lazy(
        "%(count)s application has waited %(days)s days for you",
        "%(count)s applications have waited %(days)s days for you",
        "count",
    ),
)


def application_waiting(today: date) -> list[Due]:
    rows = list(
        Volunteer.objects.filter(
            status=Status.APPLIED,
            applied_at__date__lte=today - timedelta(days=APPLICATION_WAITING_DAYS),
        ).values_list("pk", "association_id", "public_id")
    )
    coordinators = coordinators_by_association(row[1] for row in rows)
    return [
        Due(pk, user_id, "", link, Role.COORDINATOR, association_id)
        for pk, association_id, public_id in rows
        # The link once per row, not per coordinator (reverse() is slow at scale).
        for link in [reverse("volunteer_detail", args=[public_id])]
        for user_id in coordinators.get(association_id, [])
    ]


# --- A year of commitment ending (selectors.COMMITMENT_ENDING_DAYS, as the list and the card) ---

COMMITMENT_ENDING = register(
    "commitment_ending",
    ngettext_lazy(
        "A year of commitment ends within %(days)s day.",
        "A year of commitment ends within %(days)s days.",
        "days",
    ),
    numbers={"days": COMMITMENT_ENDING_DAYS},
    group_text=ngettext_lazy(
        "%(count)s year of commitment ends within %(days)s days",
        "%(count)s years of commitment end within %(days)s days",
        "count",
    ),
)


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
    her_page = reverse("my_page")
    due = []
    for pk, association_id, ends_on, public_id, user_id in rows:
        period = ends_on.isoformat()
        link = reverse("volunteer_detail", args=[public_id])  # once, not per coordinator
        for coordinator_id in coordinators.get(association_id, []):
            due.append(Due(pk, coordinator_id, period, link, Role.COORDINATOR, association_id))
        if user_id:
            due.append(Due(pk, user_id, period, her_page, Role.VOLUNTEER, association_id))
    return due


# --- Personal data to be erased: settings.RETENTION_WARNING_DAYS before (an operator's choice) ---
# The one kind of every erasure warning (matching's rule about referrals sends it too).

RETENTION_SOON = register(
    "retention_soon",
    ngettext_lazy(
        "Personal data that is no longer needed will be erased in %(days)s day, as the "
        "retention rules require.",
        "Personal data that is no longer needed will be erased in %(days)s days, as the "
        "retention rules require.",
        "days",
    ),
    numbers=lambda: {"days": settings.RETENTION_WARNING_DAYS},
)


def retention_soon(today: date) -> list[Due]:
    """Coordinators are told RETENTION_WARNING_DAYS before a volunteer's personal data is erased."""
    from volunteers.retention import due

    rows = list(
        due(today + timedelta(days=settings.RETENTION_WARNING_DAYS)).values_list(
            "pk", "association_id", "public_id"
        )
    )
    coordinators = coordinators_by_association(row[1] for row in rows)
    return [
        Due(pk, user_id, "", link, Role.COORDINATOR, association_id)
        for pk, association_id, public_id in rows
        # The link once per row, not per coordinator (reverse() is slow at scale).
        for link in [reverse("volunteer_detail", args=[public_id])]
        for user_id in coordinators.get(association_id, [])
    ]


# --- A new confidentiality declaration not signed in time (settings.CONFIDENTIALITY_SIGN_DAYS) ---
# From then on she is not suggested for matching (selectors.confidentiality_overdue). Once per
# version: the period is the version she should have signed.

CONFIDENTIALITY_OVERDUE = register(
    "confidentiality_overdue",
    ngettext_lazy(
        "A new confidentiality declaration has not been signed within %(days)s day. Until it "
        "is signed, no new match can be proposed.",
        "A new confidentiality declaration has not been signed within %(days)s days. Until it "
        "is signed, no new match can be proposed.",
        "days",
    ),
    numbers=lambda: {"days": settings.CONFIDENTIALITY_SIGN_DAYS},
    group_text=ngettext_lazy(
        "%(count)s volunteer has not signed the new confidentiality declaration in time",
        "%(count)s volunteers have not signed the new confidentiality declaration in time",
        "count",
    ),
)


def confidentiality_overdue(today: date) -> list[Due]:
    """To her (when she has a login: she signs on her own page) and to her coordinators."""
    due = ConfidentialityDeclaration.objects.filter(
        valid_from__lte=today - timedelta(days=settings.CONFIDENTIALITY_SIGN_DAYS)
    ).first()  # the newest version due: ordered by version, newest first
    if due is None:
        return []
    rows = list(
        Volunteer.objects.filter(status__in=ACTIVE, erased_at__isnull=True)
        .filter(selectors.confidentiality_overdue(today))
        .values_list("pk", "association_id", "public_id", "user_id")
    )
    coordinators = coordinators_by_association(row[1] for row in rows)
    period = f"v{due.version}"
    her_page = reverse("my_confidentiality")
    result = []
    for pk, association_id, public_id, user_id in rows:
        link = reverse("volunteer_detail", args=[public_id])  # once, not per coordinator
        for coordinator_id in coordinators.get(association_id, []):
            result.append(Due(pk, coordinator_id, period, link, Role.COORDINATOR, association_id))
        if user_id:
            result.append(Due(pk, user_id, period, her_page, Role.VOLUNTEER, association_id))
    return result


RULES = [
    Rule("volunteers.application_waiting", APPLICATION_WAITING, application_waiting),
    Rule("volunteers.commitment_ending", COMMITMENT_ENDING, commitment_ending),
    Rule("volunteers.retention_soon", RETENTION_SOON, retention_soon),
    Rule("volunteers.confidentiality_overdue", CONFIDENTIALITY_OVERDUE, confidentiality_overdue),
]
