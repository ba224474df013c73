"""Reads of supervision groups: the attendance of a group's members and each volunteer's last
supervision."""

from datetime import timedelta

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from supervision.models import Attendance, GroupSession, SupervisionGroup, expected_weeks
from volunteers import hooks
from volunteers.models import Status, Volunteer


def last_supervision_subquery() -> Subquery:
    """The start of the last session she attended, for .annotate(last_supervision=...)."""
    return Subquery(
        Attendance.objects.filter(volunteer_id=OuterRef("pk"))
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


def led_groups(user, now) -> QuerySet[SupervisionGroup]:
    """The groups the group leader leads, with their next session and the last one begun."""
    sessions = GroupSession.objects.filter(group=OuterRef("pk"))
    return (
        SupervisionGroup.objects.for_user(user)
        .annotate(
            member_count=Count("members", distinct=True),
            next_session=Subquery(
                sessions.filter(starts_at__gt=now).order_by("starts_at").values("starts_at")[:1]
            ),
            last_session_id=Subquery(
                sessions.filter(starts_at__lte=now).order_by("-starts_at").values("public_id")[:1]
            ),
            last_session=Subquery(
                sessions.filter(starts_at__lte=now).order_by("-starts_at").values("starts_at")[:1]
            ),
        )
        .order_by("name", "id")
    )


def members_with_last_supervision(group: SupervisionGroup) -> QuerySet[Volunteer]:
    return (
        group.members.filter(erased_at__isnull=True)
        .annotate(last_supervision=last_supervision_subquery())
        .order_by("first_name", "last_name", "id")
    )


def sessions_of(group: SupervisionGroup) -> QuerySet[GroupSession]:
    return group.sessions.annotate(attended=Count("attendance")).order_by("-starts_at", "id")


def due_volunteers(association_id: int) -> QuerySet[Volunteer]:
    """Approved volunteers of the association with an open match who have not attended a
    supervision session within the association's expectation (or never)."""
    since = timezone.now() - timedelta(weeks=expected_weeks(association_id))
    volunteers = hooks.with_open_matches(
        Volunteer.objects.filter(
            association_id=association_id, status=Status.APPROVED, erased_at__isnull=True
        )
    )
    recent = Attendance.objects.filter(session__starts_at__gte=since).values("volunteer_id")
    return volunteers.exclude(pk__in=recent).annotate(last_supervision=last_supervision_subquery())
