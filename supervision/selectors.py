"""Reads of supervision groups: the attendance of a group's members and each volunteer's last
supervision."""

from datetime import timedelta

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from supervision.models import Attendance, GroupSession, SupervisionGroup, expected_weeks
from volunteers import hooks
from volunteers.models import Status, Volunteer


def last_supervision_subquery(volunteer_ref=None) -> Subquery:
    """The start of the last session she attended, for .annotate(last_supervision=...)."""
    return Subquery(
        Attendance.objects.filter(volunteer=volunteer_ref or OuterRef("pk"))
        .order_by("-session__starts_at")
        .values("session__starts_at")[:1]
    )


def groups_for(user) -> QuerySet[SupervisionGroup]:
    return (
        SupervisionGroup.objects.for_user(user)
        .select_related("leader")
        .prefetch_related("members")
        .annotate(last_session=Max("sessions__starts_at"))
    )


def members_with_last_supervision(group: SupervisionGroup) -> QuerySet[Volunteer]:
    return (
        group.members.filter(erased_at__isnull=True)
        .annotate(last_supervision=last_supervision_subquery())
        .order_by("first_name", "last_name", "id")
    )


def sessions_of(group: SupervisionGroup) -> QuerySet[GroupSession]:
    from django.db.models import Count

    return group.sessions.annotate(attended=Count("attendance")).order_by("-starts_at", "id")


def due_volunteers(association_id: int) -> QuerySet[Volunteer]:
    """Approved volunteers of the association with an open match who have not attended a
    supervision session within the association's expectation (or never)."""
    since = timezone.now() - timedelta(weeks=expected_weeks(association_id))
    volunteers = Volunteer.objects.filter(
        association_id=association_id, status=Status.APPROVED, erased_at__isnull=True
    )
    volunteers = hooks.with_open_matches(volunteers)
    recent = Attendance.objects.filter(session__starts_at__gte=since).values("volunteer_id")
    return volunteers.exclude(pk__in=recent).annotate(last_supervision=last_supervision_subquery())
