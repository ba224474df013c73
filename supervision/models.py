"""Supervision groups (veiledningsgrupper): a group of an association's approved volunteers
with a group leader, its sessions and who attended them, and how often the association expects
a volunteer with an active match to attend.

The course kind "supervision group" (courses.CourseKind.SUPERVISION) stays a course: the
training in supervision given in the catalogue. The groups here are the standing groups that
meet all year; their sessions are not course sessions (no seats, no enrolment, no completion).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Association, Role, acting_membership

# How often a volunteer with an active match is expected to attend, unless her association
# says otherwise.
DEFAULT_EVERY_WEEKS = 8


class Expectation(models.Model):
    """How often (in weeks) the association expects a volunteer with an active match to attend
    a session of her supervision group. No row: DEFAULT_EVERY_WEEKS."""

    association = models.OneToOneField(
        Association, on_delete=models.CASCADE, related_name="supervision_expectation"
    )
    every_weeks = models.PositiveSmallIntegerField(
        _("expected attendance, every … weeks"), default=DEFAULT_EVERY_WEEKS
    )

    class Meta:
        verbose_name = _("supervision expectation")
        verbose_name_plural = _("supervision expectations")

    def __str__(self) -> str:
        return f"{self.association}: {self.every_weeks}"


def expected_weeks(association_id: int) -> int:
    weeks = (
        Expectation.objects.filter(association_id=association_id)
        .values_list("every_weeks", flat=True)
        .first()
    )
    return weeks or DEFAULT_EVERY_WEEKS


class GroupQuerySet(models.QuerySet):
    def for_user(self, user) -> "GroupQuerySet":
        """The association's groups for its coordinators; a group leader's own groups (those
        she leads) for her; nobody else (a new role gets none here unless written in)."""
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.COORDINATOR:
            return self.filter(association_id=acting.association_id)
        if acting.role == Role.GROUP_LEADER:
            return self.filter(association_id=acting.association_id, leader__user=user)
        return self.none()


class SupervisionGroup(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="supervision_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="groups_led",
        verbose_name=_("group leader"),
    )
    members = models.ManyToManyField(
        "volunteers.Volunteer",
        related_name="supervision_groups",
        blank=True,
        verbose_name=_("members"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")
        constraints = [
            models.UniqueConstraint(
                fields=["association", "name"], name="supervision_group_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class GroupSessionQuerySet(models.QuerySet):
    def for_user(self, user) -> "GroupSessionQuerySet":
        """The sessions of the groups she may see; for a volunteer, those of the groups she is
        a member of (her calendar file; she does not see the group's page)."""
        acting = acting_membership(user)
        if acting is not None and acting.role == Role.VOLUNTEER:
            return self.filter(
                group__association_id=acting.association_id, group__members__user=user
            )
        return self.filter(group__in=SupervisionGroup.objects.for_user(user))


class GroupSession(models.Model):
    """One meeting of a supervision group. Times are stored as instants, typed in Oslo time."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(SupervisionGroup, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set once attendance has been recorded (so "nobody came" differs from "not yet recorded").
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = GroupSessionQuerySet.as_manager()

    class Meta:
        ordering = ("-starts_at", "id")
        verbose_name = pgettext_lazy("supervision", "supervision session")
        verbose_name_plural = pgettext_lazy("supervision", "supervision sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="supervision_session_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.starts_at:%Y-%m-%d}"

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()


class Attendance(models.Model):
    """She attended this session."""

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="attendance")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="supervision_attendance"
    )

    class Meta:
        verbose_name = _("supervision attendance")
        verbose_name_plural = _("supervision attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "volunteer"], name="supervision_attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.volunteer_id}"
