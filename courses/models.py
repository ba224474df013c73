"""Course catalogue, sessions run by associations, enrolment and attendance.

Courses name the volunteer by string ("volunteers.Volunteer"): volunteers imports courses to
ask about completion, never the other way round.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import lists
from accounts.models import Association, Role, acting_membership
from common.choices import ChoiceLabels


class Consideration(models.IntegerChoices):
    """Special considerations of a referral; some call for a specialisation course."""

    HONOUR_VIOLENCE = 1, _("Honour-related violence")
    NEGATIVE_SOCIAL_CONTROL = 2, _("Negative social control")
    FORCED_MARRIAGE = 4, _("Forced marriage")
    HAS_CHILDREN = 8, _("Has children")
    NEEDS_INTERPRETER = 16, _("Needs an interpreter")


CONSIDERATIONS = lists.register(
    key="considerations",
    slug="hensyn",
    order=20,
    title=_("Special considerations"),
    description=_(
        "What the matching must take into account about a woman. Honour-related violence, "
        "negative social control and forced marriage call for a volunteer with a specialisation "
        "course that qualifies for them; an entry added here does not."
    ),
    choices=Consideration,
    can_add=True,
    # The specialisation rule of the matching depends on them being offered to the shelters.
    always_active=(
        Consideration.HONOUR_VIOLENCE,
        Consideration.NEGATIVE_SOCIAL_CONTROL,
        Consideration.FORCED_MARRIAGE,
    ),
)


# The considerations a volunteer must be trained for (by a course that qualifies for them).
NEEDS_SPECIALISATION = (
    Consideration.HONOUR_VIOLENCE
    | Consideration.NEGATIVE_SOCIAL_CONTROL
    | Consideration.FORCED_MARRIAGE
)


class CourseKind(models.TextChoices):
    BASIC = "basic", _("Basic course")
    SPECIALISATION = "specialisation", _("Specialisation course")
    # Retired: supervision is held in the supervision groups (the supervision app), which have
    # a leader, members, an expectation and attendance. The kind stays for the sessions already
    # held as a course (her history and certificate keep them); no new course takes it.
    SUPERVISION = "supervision", _("Supervision group (as a course, retired)")


# The kinds a new or changed course may take.
KINDS_OFFERED = (CourseKind.BASIC, CourseKind.SPECIALISATION)


# The kinds a volunteer completes once (until the completion expires, for a course with a
# validity): she is not offered them again. A supervision group meets again and again.
COMPLETED_ONCE = (CourseKind.BASIC, CourseKind.SPECIALISATION)


class Course(ChoiceLabels, models.Model):
    """A course in the national catalogue, kept by national admins."""

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CourseKind.choices)
    required_for_matching = models.BooleanField(
        _("required for matching"),
        default=False,
        help_text=_("Every volunteer must have completed it before she can be approved."),
    )
    qualifies_for = models.PositiveSmallIntegerField(
        _("qualifies for"),
        default=0,
        help_text=_("The special considerations a volunteer who completed it is trained for."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty when completion never expires."),
    )
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ("kind", "title")
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title

    @property
    def is_completed_once(self) -> bool:
        return self.kind in COMPLETED_ONCE

    @property
    def qualification_labels(self) -> list[str]:
        return CONSIDERATIONS.labels(self.qualifies_for)


class SessionQuerySet(models.QuerySet):
    def for_user(self, user) -> "SessionQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role in (Role.COORDINATOR, Role.VOLUNTEER):
            return self.filter(association_id=acting.association_id)
        return self.none()

    def held_here(self) -> "SessionQuerySet":
        """Less the sessions an import recorded (Session.recorded_at_import)."""
        return self.filter(recorded_at_import=False)

    def upcoming(self) -> "SessionQuerySet":
        return self.filter(ends_at__gte=timezone.now(), cancelled_at__isnull=True).order_by(
            "starts_at"
        )


class Session(models.Model):
    """One session (kursdag / veiledningsgruppe) of a course, run by an association."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course")
    )
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        related_name="course_sessions",
        verbose_name=_("local association"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("seats"))
    notes = models.TextField(_("notes for participants"), max_length=2000, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Recorded by an import (volunteers.importing): the course her sheet says she completed
    # before she was moved in. It proves her completion like any held session (courses.selectors),
    # but was never held here: no list of sessions, no course statistics and no hours count it.
    recorded_at_import = models.BooleanField(_("recorded at import"), default=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ("starts_at",)
        verbose_name = _("course session")
        verbose_name_plural = _("course sessions")
        constraints = [
            models.CheckConstraint(
                name="courses_session_ends_after_start",
                condition=Q(ends_at__gt=models.F("starts_at")),
            ),
            models.CheckConstraint(name="courses_session_has_seats", condition=Q(capacity__gte=1)),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.course} {local:%d.%m.%Y %H:%M}"

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITING = "waiting", _("On the waiting list")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")
    CANCELLED = "cancelled", _("Signed off")


# Statuses that hold a seat.
SEATED = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED, EnrolmentStatus.ABSENT)


class EnrolmentQuerySet(models.QuerySet):
    def for_user(self, user) -> "EnrolmentQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.COORDINATOR:
            return self.filter(session__association_id=acting.association_id)
        if acting.role == Role.VOLUNTEER:
            return self.filter(volunteer__user=user, session__association_id=acting.association_id)
        return self.none()

    def seated(self) -> "EnrolmentQuerySet":
        return self.filter(status__in=SEATED)


class Enrolment(ChoiceLabels, models.Model):
    """A volunteer's place on a session, or on its waiting list."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="enrolments")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When she joined the waiting list; the first in line gets the next free seat.
    queued_at = models.DateTimeField(null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "volunteer"], name="courses_enrolment_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.session_id}: {self.status}"


class CalendarFeed(models.Model):
    """A volunteer's personal calendar feed of her course sessions.

    The token in its address is the only key: unguessable, shown only to her, and replaced when
    she asks for a new link (the old address stops working at once).
    """

    volunteer = models.OneToOneField(
        "volunteers.Volunteer",
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("volunteer"),
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.created_at:%Y-%m-%d}"


# --- Gatherings (samlinger) -----------------------------------------------------------------------
# The yearly gathering of volunteers, national or for one or more associations. Not a course
# session: a session belongs to one association and one course of the catalogue, and taking it is
# a step towards approval; a gathering has its own title, invites volunteers of many associations
# (approved, with a login), closes its sign-up on a date and may have no seat limit.


class GatheringQuerySet(models.QuerySet):
    def for_user(self, user) -> "GatheringQuerySet":
        """National admins see every gathering; a coordinator and a volunteer the national ones
        and those for her association."""
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.NATIONAL_ADMIN:
            return self.all()
        if acting.role in (Role.COORDINATOR, Role.VOLUNTEER):
            return self.for_association(acting.association_id)
        return self.none()

    def for_association(self, association_id) -> "GatheringQuerySet":
        """The gatherings a volunteer of the association is invited to."""
        invited = Gathering.associations.through.objects.filter(association_id=association_id)
        return self.filter(Q(national=True) | Q(pk__in=invited.values("gathering_id")))

    def organised_by(self, user) -> "GatheringQuerySet":
        """The gatherings `user` may change and record attendance of: a national admin those
        organised nationally, a coordinator her association's."""
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.NATIONAL_ADMIN:
            return self.filter(organiser__isnull=True)
        if acting.role == Role.COORDINATOR:
            return self.filter(organiser_id=acting.association_id)
        return self.none()


class Gathering(models.Model):
    """A gathering (samling) of volunteers: national (every association's volunteers are
    invited) or for the associations named. Organised by the national admins (organiser empty)
    or by one association."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200)
    description = models.TextField(_("about the gathering"), max_length=2000, blank=True)
    sign_up_by = models.DateField(_("sign-up deadline"))
    capacity = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    national = models.BooleanField(_("national"), default=False)
    associations = models.ManyToManyField(
        Association, blank=True, related_name="+", verbose_name=_("for the associations")
    )
    organiser = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organised by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Cancelled, never deleted: those signed up were told, and it is history.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = GatheringQuerySet.as_manager()

    class Meta:
        ordering = ("starts_at",)
        verbose_name = _("gathering")
        verbose_name_plural = _("gatherings")
        constraints = [
            models.CheckConstraint(
                name="courses_gathering_ends_after_start",
                condition=Q(ends_at__gt=models.F("starts_at")),
            ),
            models.CheckConstraint(
                name="courses_gathering_has_seats",
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def sign_up_open(self) -> bool:
        return (
            not self.is_cancelled
            and not self.has_started
            and timezone.localdate() <= self.sign_up_by
        )


class SignUpStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")
    CANCELLED = "cancelled", _("Signed off")
    # On the waiting list of a full gathering: she gets the first seat freed (queued_at order).
    WAITING = "waiting", _("On the waiting list")


# Statuses that hold a seat.
SIGNED = (SignUpStatus.SIGNED_UP, SignUpStatus.ATTENDED, SignUpStatus.ABSENT)


class GatheringSignUpQuerySet(models.QuerySet):
    def for_user(self, user) -> "GatheringSignUpQuerySet":
        """A coordinator sees her association's volunteers' sign-ups; a national admin those to
        the gatherings organised nationally (she records their attendance); a volunteer her own."""
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.NATIONAL_ADMIN:
            return self.filter(gathering__organiser__isnull=True)
        if acting.role == Role.COORDINATOR:
            return self.filter(volunteer__association_id=acting.association_id)
        if acting.role == Role.VOLUNTEER:
            return self.filter(
                volunteer__user=user, volunteer__association_id=acting.association_id
            )
        return self.none()


class GatheringSignUp(ChoiceLabels, models.Model):
    """A volunteer's place at a gathering, and afterwards whether she came."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="sign_ups")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="gathering_sign_ups"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SignUpStatus.choices, default=SignUpStatus.SIGNED_UP
    )
    # When she joined the waiting list (the order seats are given in); empty when not waiting.
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GatheringSignUpQuerySet.as_manager()

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = _("gathering sign-up")
        verbose_name_plural = _("gathering sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["gathering", "volunteer"], name="courses_gathering_sign_up_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.gathering_id}: {self.status}"
