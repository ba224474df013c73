"""Reads of notifications shared by the bell, the list page and the volunteer's start page.

Which notifications belong to which role is decided in one place, `notifications.models.in_role`.
"""

from django.db.models import Count

from accounts.models import Membership
from notifications.models import Notification, NotificationQuerySet, in_any_of, in_role


def _others(acting: Membership | None, memberships) -> list[Membership]:
    """Her other active roles (none when she acts in none: then she sees every notification)."""
    if acting is None:
        return []
    return [m for m in memberships if m.pk != acting.pk]


def unread_counts(user, acting: Membership | None, memberships) -> tuple[int, int]:
    """(unread in the role she acts in, unread waiting in her other roles): one query."""
    others = _others(acting, memberships)
    counts = {"here": Count("pk", filter=in_role(acting)) if acting else Count("pk")}
    if others:
        counts["elsewhere"] = Count("pk", filter=in_any_of(others))
    result = Notification.objects.for_user(user).unread().aggregate(**counts)
    return result["here"], result.get("elsewhere", 0)


def unread_elsewhere(user, acting: Membership | None, memberships) -> list[tuple[Membership, int]]:
    """For each of her other roles with unread notifications: the role and how many (one query)."""
    others = _others(acting, memberships)
    if not others:
        return []
    rows = (
        Notification.objects.for_user(user)
        .unread()
        .filter(in_any_of(others))
        .values_list("role", "association_id", "shelter_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_scope = {(role, association, shelter): n for role, association, shelter, n in rows}
    return [
        (m, by_scope[(m.role, m.association_id, m.shelter_id)])
        for m in others
        if (m.role, m.association_id, m.shelter_id) in by_scope
    ]


def in_acting_role(user, acting: Membership | None) -> NotificationQuerySet:
    """Her notifications for the role she acts in, newest first."""
    return Notification.objects.for_user(user).for_role(acting).order_by("-created_at", "-id")
