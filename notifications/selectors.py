"""Reads of notifications shared by the bell, the list page and the volunteer's start page.

Which notifications belong to which role is decided in one place, `notifications.models.in_role`.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from accounts.models import Membership
from notifications import kinds
from notifications.kinds import NotificationKind
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


# The list shows at most this many unread urgent notifications one by one (more would be a
# crisis of its own; the rest follow in their group's page).
URGENT_SHOWN = 50
# A group of unread routine notifications shows its newest this many; the rest are a link away.
GROUP_PREVIEW = 5


@dataclass
class Group:
    """Her unread routine notifications of one kind: how many, and the newest GROUP_PREVIEW."""

    kind: NotificationKind
    count: int
    latest: list[Notification] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.kind.group_text(self.count)


def unread_by_urgency(user, acting: Membership | None) -> tuple[list[Notification], list[Group]]:
    """Her unread notifications as the list shows them, in one query however many there are:
    the urgent ones (a concern), newest first (URGENT_SHOWN at most), and the routine ones
    grouped by kind, the group with the newest first, each with its count and its newest
    GROUP_PREVIEW."""
    urgent_codes = kinds.urgent_codes()
    rows = (
        in_acting_role(user, acting)
        .unread()
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("kind"),
                order_by=(F("created_at").desc(), F("id").desc()),
            ),
            in_group=Window(Count("pk"), partition_by=F("kind")),
        )
        .filter(Q(kind__in=urgent_codes, rank__lte=URGENT_SHOWN) | Q(rank__lte=GROUP_PREVIEW))
    )
    urgent: list[Notification] = []
    groups: dict[str, Group] = {}
    for notification in sorted(rows, key=lambda n: (n.created_at, n.pk), reverse=True):
        if notification.kind in urgent_codes:
            urgent.append(notification)
            continue
        group = groups.get(notification.kind)
        if group is None:
            kind = kinds.get(notification.kind)
            group = groups[notification.kind] = Group(kind=kind, count=notification.in_group)
        group.latest.append(notification)
    return urgent[:URGENT_SHOWN], list(groups.values())


def earlier(user, acting: Membership | None) -> NotificationQuerySet:
    """Those she has read, newest first (the list's last part, a page at a time)."""
    return in_acting_role(user, acting).filter(read_at__isnull=False)


def of_kind(user, acting: Membership | None, kind: NotificationKind) -> NotificationQuerySet:
    """All of hers of one kind, read or not, newest first (a group opened in full)."""
    return in_acting_role(user, acting).filter(kind=kind)
