"""Reads of supervision groups: the attendance of a group's members and each volunteer's last
supervision."""

from datetime import date, datetime, time, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications.models import Notification
from supervision.models import (
    DEFAULT_EVERY_WEEKS,
    Attendance,
    Expectation,
    GroupSession,
    SupervisionGroup,
)
from supervision.notifications import WELLBEING_AFTER_SUPERVISION
from volunteers import hooks
from volunteers.models import Status, Volunteer, WellbeingCheck

# Her start page shows the invitation to the wellbeing check after a session for this many days,
# or until she answers.
WELLBEING_INVITATION_DAYS = 7


def last_supervision_subquery() -> Subquery:
    """The start of the last session she attended, for .annotate(last_supervision=...)."""
    return Subquery(
        Attendance.objects.filter(volunteer_id=OuterRef("pk"))
        .order_by("-session__starts_at")
        .values("session__starts_at")[:1]
    )


def groups_for(user) -> QuerySet[SupervisionGroup]:
    """Her groups, each with the last session held and the next one planned."""
    now = timezone.now()
    return (
        SupervisionGroup.objects.for_user(user)
        .select_related("leader")
        .prefetch_related("members")
        .annotate(
            last_session=Max("sessions__starts_at", filter=Q(sessions__starts_at__lte=now)),
            next_session=Min("sessions__starts_at", filter=Q(sessions__starts_at__gt=now)),
        )
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


def _due(volunteers: QuerySet[Volunteer], now) -> QuerySet[Volunteer]:
    """`volunteers` (approved, with an open match) who have not attended a session within
    their association's expectation: counted from her last session, or, when she never came,
    from her approval. In one query (the expectation is a subquery)."""
    weeks = Coalesce(
        Subquery(
            Expectation.objects.filter(association_id=OuterRef("association_id")).values(
                "every_weeks"
            )[:1]
        ),
        Value(DEFAULT_EVERY_WEEKS),
    )
    cutoff = ExpressionWrapper(
        Value(now) - F("expected_weeks") * Value(timedelta(weeks=1)),
        output_field=DateTimeField(),
    )
    return (
        hooks.with_open_matches(volunteers.filter(status=Status.APPROVED, erased_at__isnull=True))
        .annotate(last_supervision=last_supervision_subquery(), expected_weeks=weeks)
        .annotate(cutoff=cutoff)
        .filter(
            Q(last_supervision__lt=F("cutoff"))
            | Q(last_supervision__isnull=True, approved_at__lt=F("cutoff"))
            | Q(last_supervision__isnull=True, approved_at__isnull=True)
        )
    )


def due_volunteers(association_id: int, now=None) -> QuerySet[Volunteer]:
    """Approved volunteers of the association with an open match who are due for supervision
    (see _due), the longest waiting first."""
    return _due(
        Volunteer.objects.filter(association_id=association_id), now or timezone.now()
    ).order_by(F("last_supervision").asc(nulls_first=True), "first_name", "last_name", "id")


def due_for(user) -> QuerySet[Volunteer]:
    """Her association's volunteers due for supervision, as the coordinator may see them (the
    start page's card and the list it links to)."""
    return _due(Volunteer.objects.for_user(user), timezone.now()).order_by(
        F("last_supervision").asc(nulls_first=True), "first_name", "last_name", "id"
    )


def due_everywhere(now) -> QuerySet[Volunteer]:
    """Every association's volunteers due for supervision (the reminder rule)."""
    return _due(Volunteer.objects.all(), now)


def is_due(volunteer: Volunteer) -> bool:
    return _due(Volunteer.objects.filter(pk=volunteer.pk), timezone.now()).exists()


def next_session_of(volunteer: Volunteer) -> GroupSession | None:
    """The next session of a group she is a member of (her start page)."""
    return (
        GroupSession.objects.filter(group__members=volunteer, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )


def supervision_minutes(volunteer, start: date, end: date) -> QuerySet:
    """The length of the group sessions she attended that started from `start` up to `end` (not
    included), as one duration: her hours (volunteers.hooks.HoursSource, registered in
    supervision/apps.py)."""
    zone = timezone.get_current_timezone()
    return (
        Attendance.objects.filter(
            volunteer=volunteer,
            session__starts_at__gte=datetime.combine(start, time.min, tzinfo=zone),
            session__starts_at__lt=datetime.combine(end, time.min, tzinfo=zone),
        )
        .order_by()
        .values("volunteer")
        .annotate(total=Sum(F("session__ends_at") - F("session__starts_at")))
        .values("total")
    )


def wellbeing_invitation(user, volunteer: Volunteer | None) -> str | None:
    """The link of her newest invitation to the wellbeing check after a supervision session
    (WELLBEING_AFTER_SUPERVISION), while it is at most WELLBEING_INVITATION_DAYS old and she
    has not answered the check since it came; None otherwise. One query."""
    if volunteer is None or volunteer.user_id != user.pk:
        return None
    answered = WellbeingCheck.objects.for_user(user).filter(
        volunteer=volunteer, answered_at__gte=OuterRef("created_at")
    )
    return (
        Notification.objects.filter(
            recipient=user,
            kind=WELLBEING_AFTER_SUPERVISION,
            created_at__gte=timezone.now() - timedelta(days=WELLBEING_INVITATION_DAYS),
        )
        .filter(~Exists(answered))
        .order_by("-created_at", "-id")
        .values_list("link", flat=True)
        .first()
    )
