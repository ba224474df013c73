"""Applications, screening, approval and the one-year commitment of a volunteer (ressursvenn)."""

import uuid
from datetime import date, timedelta
from enum import StrEnum
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.modelfields import PhoneNumberField

from accounts import lists
from accounts.models import ERASED_REFUSAL, Association, Municipality, Role, acting_membership
from common.choices import ChoiceLabels
from common.crypto import EncryptedTextField
from common.flags import labels


class Strength(models.IntegerChoices):
    """What a volunteer can help with; a referral's needs use the same list."""

    NETWORK = 1, _("Building a network")
    JOB_SEARCH = 2, _("Job search")
    HOUSING = 4, _("Housing")
    PUBLIC_SERVICES = 8, _("Public services and NAV")
    NORWEGIAN_PRACTICE = 16, _("Norwegian practice")
    CHILDRENS_ACTIVITIES = 32, _("Activities with children")
    FINANCES = 64, _("Finances")
    LEISURE_CULTURE = 128, _("Leisure and culture")


# The list national admins edit (accounts/lists.py): the names, order and entries in use.
NEEDS = lists.register(
    key="needs",
    slug="behov",
    order=10,
    title=_("Needs and strengths"),
    description=_(
        "What a woman would like help with, and what a volunteer can help with: one list for "
        "both, so that the suggestions can match them."
    ),
    choices=Strength,
    can_add=True,
)


class Availability(models.IntegerChoices):
    WEEKDAY_DAYTIME = 1, _("Weekdays, daytime")
    WEEKDAY_EVENING = 2, _("Weekday evenings")
    WEEKEND = 4, _("Weekends")


class Status(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("volunteer status", "Applied")
    SCREENING = "screening", pgettext_lazy("volunteer status", "Screening")
    COURSE = "course", pgettext_lazy("volunteer status", "Course")
    APPROVED = "approved", pgettext_lazy("volunteer status", "Approved")
    PAUSED = "paused", pgettext_lazy("volunteer status", "Paused")
    ENDED = "ended", pgettext_lazy("volunteer status", "Ended")
    REJECTED = "rejected", pgettext_lazy("volunteer status", "Rejected")


# The allowed changes of status, written once. Approval has its own checks (services).
TRANSITIONS: dict[str, set[str]] = {
    Status.APPLIED: {Status.SCREENING, Status.REJECTED, Status.ENDED},
    Status.SCREENING: {Status.COURSE, Status.REJECTED, Status.ENDED},
    Status.COURSE: {Status.APPROVED, Status.REJECTED, Status.ENDED},
    Status.APPROVED: {Status.PAUSED, Status.ENDED},
    Status.PAUSED: {Status.APPROVED, Status.ENDED},
    Status.ENDED: set(),
    Status.REJECTED: set(),
}
# An application still being handled: a repeated application is merged into it.
OPEN_APPLICATION = (Status.APPLIED, Status.SCREENING, Status.COURSE)
# She can sign up for course sessions herself from this stage on.
SELF_ENROL = (Status.COURSE, Status.APPROVED, Status.PAUSED)
# A coordinator can enrol her from this stage on.
CAN_BE_ENROLLED = (Status.SCREENING, Status.COURSE, Status.APPROVED, Status.PAUSED)
ACTIVE = (Status.APPROVED, Status.PAUSED)
# She has left: withdrew her application, was rejected, or ended as a ressursvenn.
LEFT = (Status.ENDED, Status.REJECTED)


class VolunteerAction(StrEnum):
    """What someone can do with a volunteer's record, for the one rule in Volunteer.refusal().
    Other apps (courses, matching, accounts) pass the same words as plain strings."""

    SCREEN = "screen"  # record a screening step
    CHANGE_STATUS = "change_status"
    APPROVE = "approve"
    COMMITMENT = "commitment"  # renew or end her year
    UPDATE_PROFILE = "update_profile"
    ROUTE = "route"  # send an application from outside every area to an association
    LOG_OUT = "log_out"  # log her out on every device
    RESET_TWO_STEP = "reset_two_step"
    INVITE = "invite"  # to the volunteer role
    ENROL = "enrol"  # in a course session
    ATTENDANCE = "attendance"  # register whether she came to a session
    PROPOSE = "propose"  # for a match
    NOTIFY = "notify"  # tell her anything, in the app or by email
    ERASE = "erase"
    CERTIFICATE = "certificate"  # issue her volunteer certificate (frivillighetsattest)


# What still makes sense once she has left: registering a session she had a seat in before,
# logging her login out (a lost phone), erasing her data, her certificate. Nothing once she is
# erased.
ALLOWED_AFTER_LEAVING = frozenset(
    {
        VolunteerAction.ATTENDANCE,
        VolunteerAction.LOG_OUT,
        VolunteerAction.ERASE,
        VolunteerAction.CERTIFICATE,
    }
)


class VolunteerQuerySet(models.QuerySet):
    def for_user(self, user) -> "VolunteerQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.COORDINATOR:
            return self.filter(association_id=acting.association_id)
        if acting.role == Role.VOLUNTEER:
            return self.filter(user=user, association_id=acting.association_id)
        if acting.role == Role.NATIONAL_ADMIN:
            # Only to route applications from outside every association's area.
            return self.filter(outside_area=True, status=Status.APPLIED)
        return self.none()

    def search(self, text: str) -> "VolunteerQuerySet":
        """Those whose name, email address or phone number holds every word of `text`: the
        coordinator's list and the search for someone to sign up for a course use this one
        definition."""
        found = self
        for word in text.split():
            found = found.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(phone__icontains=word.lstrip("0"))
            )
        return found

    def gathering_guests(self) -> "VolunteerQuerySet":
        """Those invited to a gathering (Volunteer.may_join_gatherings): approved (or paused),
        with a login, not erased."""
        return self.filter(status__in=ACTIVE, user__isnull=False, erased_at__isnull=True)

    def can_be_enrolled(self, *, self_service: bool) -> "VolunteerQuerySet":
        """Those Volunteer.can_be_enrolled() says yes to, and not erased (Volunteer.refusal):
        for offering her for a course session. The enrolment service asks both again."""
        return self.filter(
            status__in=SELF_ENROL if self_service else CAN_BE_ENROLLED, erased_at__isnull=True
        )


class Volunteer(ChoiceLabels, models.Model):
    """An applicant, and later a ressursvenn. One row per application that is not merged."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        null=True,
        related_name="volunteers",
        verbose_name=_("local association"),
    )
    outside_area = models.BooleanField(
        _("outside every association's area"),
        default=False,
        help_text=_("Routed to the nearest association because none covers her municipality."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_profiles",
        verbose_name=_("login"),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email address"))
    phone = PhoneNumberField(_("mobile phone"), region="NO")
    # The interface language she applied in: her emails are written in it until she has a
    # login with a language of its own.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="nb"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    strengths = models.PositiveSmallIntegerField(_("strengths"), default=0)
    availability = models.PositiveSmallIntegerField(_("availability"), default=0)
    motivation = models.TextField(_("motivation"), max_length=3000)
    capacity = models.PositiveSmallIntegerField(
        _("matches at a time"),
        default=1,
        help_text=_("How many women she can be a ressursvenn for at the same time (1–3)."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.APPLIED, db_index=True
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    # Why she was rejected, or why she ended (typed by the coordinator).
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    applied_at = models.DateTimeField(_("applied"), default=timezone.now)
    last_applied_at = models.DateTimeField(_("last applied"), default=timezone.now)
    application_count = models.PositiveSmallIntegerField(_("applications"), default=1)
    # The names of the answers the last repeated application changed (not their old values), so
    # the coordinator can check a changed phone or name with her before she relies on it.
    changed_on_reapplying = models.JSONField(
        _("answers changed by the last application"), default=list, blank=True
    )
    consent_at = models.DateTimeField(_("consent given"))
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    last_matched_at = models.DateTimeField(_("last matched"), null=True, blank=True)
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    # Screening
    interview_on = models.DateField(_("interview date"), null=True, blank=True)
    interview_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interviewed by"),
    )
    interview_note = EncryptedTextField(_("interview note"), max_length=2000, blank=True)
    first_reference_checked_on = models.DateField(
        _("first reference checked"), null=True, blank=True
    )
    second_reference_checked_on = models.DateField(
        _("second reference checked"), null=True, blank=True
    )
    confidentiality_signed_on = models.DateField(
        _("confidentiality declaration signed"), null=True, blank=True
    )
    confidentiality_version = models.ForeignKey(
        "ConfidentialityDeclaration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("version signed"),
    )
    # The police certificate: only THAT it was seen, when and by whom. Never a copy or content.
    police_certificate_seen_on = models.DateField(
        _("police certificate seen"), null=True, blank=True
    )
    police_certificate_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("seen by"),
    )
    police_certificate_legal_basis = models.CharField(
        _("legal basis"), max_length=100, blank=True, default=""
    )
    # Moved in from the association's own spreadsheet (volunteers.importing): when, by whom, and
    # the import (kept a day at most; then only when and by whom remain).
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_in = models.ForeignKey(
        "VolunteerImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteers",
    )

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        ordering = ("first_name", "last_name")
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.CheckConstraint(
                name="volunteers_volunteer_capacity_1_to_3",
                condition=Q(capacity__gte=1, capacity__lte=3),
            ),
        ]
        indexes = [models.Index(fields=["association", "status"])]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("volunteer_detail", args=[self.public_id])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def age(self) -> int:
        return date.today().year - self.birth_year

    @property
    def strength_labels(self) -> list[str]:
        return NEEDS.labels(self.strengths)

    @property
    def availability_labels(self) -> list[str]:
        return labels(Availability, self.availability)

    @property
    def changed_on_reapplying_labels(self) -> list[str]:
        return [
            # The names are those of fields on this model, never of a relation.
            str(
                _("languages")
                if name == "languages"
                else cast(models.Field, self._meta.get_field(name)).verbose_name
            )
            for name in self.changed_on_reapplying
        ]

    @property
    def language_codes(self) -> list[str]:
        return [language.code for language in self.languages.all()]

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def refusal(self, action: str) -> str | None:
        """THE rule for acting on a volunteer who is erased or has left: why `action` (a
        VolunteerAction) cannot be taken on her, in words for the person who tried; None when
        it can. Every service that changes her record or writes to her asks this first."""
        if self.erased_at is not None:
            return str(ERASED_REFUSAL)
        if self.status in LEFT and action not in ALLOWED_AFTER_LEAVING:
            if self.status == Status.REJECTED:
                return str(_("Her application was rejected, so this can no longer be done."))
            if self.approved_at is None:
                return str(_("Her application is closed, so this can no longer be done."))
            return str(_("She is no longer a ressursvenn, so this can no longer be done."))
        return None

    def may_join_gatherings(self) -> bool:
        """Gatherings are for ressursvenner: approved (or paused), with a login."""
        return self.status in ACTIVE and self.user_id is not None and self.erased_at is None

    def can_be_enrolled(self, *, self_service: bool) -> bool:
        """A coordinator enrols her from screening on; she signs up herself from the course on."""
        return self.status in (SELF_ENROL if self_service else CAN_BE_ENROLLED)


def birth_year_problem(year: int) -> str | None:
    """THE rule for a volunteer's year of birth (the application and the import ask it):
    "implausible" (over 100 or not yet born), "too_young" (under VOLUNTEER_MINIMUM_AGE this
    year), or None. Each caller words it for the person who reads it."""
    age = timezone.localdate().year - year
    if age > 100 or age < 0:
        return "implausible"
    if age < settings.VOLUNTEER_MINIMUM_AGE:
        return "too_young"
    return None


class VolunteerLanguage(models.Model):
    """A language she speaks (ISO 639 code, see accounts/languages.py)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=3)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "code"], name="volunteers_language_once"),
        ]

    def __str__(self) -> str:
        return self.code


class ConfidentialityDeclaration(models.Model):
    """A version of the confidentiality declaration's text. A new version must be signed again
    by every active volunteer; the newest is the current one."""

    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    text = models.TextField(_("text"))
    valid_from = models.DateField(_("valid from"), default=date.today)

    class Meta:
        ordering = ("-version",)
        verbose_name = _("confidentiality declaration")
        verbose_name_plural = _("confidentiality declarations")

    def __str__(self) -> str:
        return _("Version %(version)s") % {"version": self.version}

    @classmethod
    def current(cls) -> "ConfidentialityDeclaration | None":
        return cls.objects.order_by("-version").first()

    @property
    def sign_by(self) -> date:
        """Every active volunteer has signed it by this day (settings.CONFIDENTIALITY_SIGN_DAYS
        after it was published); then one who has not is not suggested for matching."""
        return self.valid_from + timedelta(days=settings.CONFIDENTIALITY_SIGN_DAYS)


class EndReason(models.TextChoices):
    COMPLETED = "completed", _("The year is over")
    RENEWED = "renewed", _("Renewed for another year")
    MOVED = "moved", _("Moved")
    NO_CAPACITY = "no_capacity", _("No longer has the capacity")
    HEALTH = "health", _("Health")
    PROGRAMME_DECISION = "programme_decision", _("Decision by the programme")
    OTHER = "other", _("Other")


COMMITMENT_END_REASONS = lists.register(
    key="commitment_end_reasons",
    slug="grunner-bindingstid",
    order=50,
    title=_("Reasons a commitment ended"),
    description=_(
        "Asked when a coordinator ends a volunteer's commitment period. A renewal is recorded by "
        "the system and never offered."
    ),
    choices=EndReason,
    can_add=False,
    no_add_reason=_(
        "The statistics count each reason on its own, so no reason can be added here: rename, "
        "reorder or deactivate those there are."
    ),
    not_offered=[EndReason.RENEWED],
)


class CommitmentPeriodQuerySet(models.QuerySet):
    def open(self) -> "CommitmentPeriodQuerySet":
        return self.filter(ended_on__isnull=True)

    def for_user(self, user) -> "CommitmentPeriodQuerySet":
        return self.filter(volunteer__in=Volunteer.objects.for_user(user))


class CommitmentPeriod(ChoiceLabels, models.Model):
    """A year (bindingstid) a volunteer has committed to. At most one is open at a time."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="commitments")
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=30, choices=EndReason.choices, blank=True)
    end_note = EncryptedTextField(_("note"), max_length=500, blank=True)

    objects = CommitmentPeriodQuerySet.as_manager()

    class Meta:
        ordering = ("-starts_on",)
        verbose_name = _("commitment period")
        verbose_name_plural = _("commitment periods")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer"],
                condition=Q(ended_on__isnull=True),
                name="volunteers_commitment_one_open_per_volunteer",
            ),
            models.CheckConstraint(
                name="volunteers_commitment_ends_after_start",
                condition=Q(ends_on__gt=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"

    def get_end_reason_display(self) -> str:  # type: ignore[no-redef]
        """The reason's name as the programme's list has it now (accounts/lists.py)."""
        return COMMITMENT_END_REASONS.name(self.end_reason)

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    @property
    def days_left(self) -> int:
        return max(0, (self.ends_on - timezone.localdate()).days)


class CommitmentPause(models.Model):
    """A pause in her year: from the day she was paused to the day she resumed. Pausing pauses
    the year: on resuming, her open commitment period's end moves by the paused days
    (volunteers.services.commitment_pause_end, the one place of the rule). Her commitment's
    history."""

    period = models.ForeignKey(CommitmentPeriod, on_delete=models.CASCADE, related_name="pauses")
    paused_on = models.DateField(_("paused"))
    resumed_on = models.DateField(_("resumed"), null=True, blank=True)
    # The days the period's end was moved by (when she resumed).
    days = models.PositiveIntegerField(_("days paused"), null=True, blank=True)
    ends_on_before = models.DateField(_("end before the pause"), null=True, blank=True)
    ends_on_after = models.DateField(_("end after the pause"), null=True, blank=True)

    class Meta:
        ordering = ("paused_on", "id")
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")

    def __str__(self) -> str:
        return f"{self.paused_on:%d.%m.%Y}–{self.resumed_on or ''}"


class Feeling(models.IntegerChoices):
    """How she is doing, in her own short words (the wellbeing check's scale)."""

    VERY_GOOD = 5, _("Very good")
    GOOD = 4, _("Good")
    OKAY = 3, _("Okay")
    SOMEWHAT_HARD = 2, _("A bit hard")
    HARD = 1, _("Hard")


class WellbeingOccasion(models.TextChoices):
    """When she answered: from her page, or after a supervision session (AFTER_SUPERVISION: the
    invitation sent when her attendance is recorded links to the check with the session's id,
    supervision.services.attendance_record; volunteers.views.my_wellbeing passes the occasion
    to wellbeing_check_answer)."""

    ANY_TIME = "any_time", _("From her page")
    AFTER_SUPERVISION = "supervision", _("After supervision")


class WellbeingCheckQuerySet(models.QuerySet):
    def for_user(self, user) -> "WellbeingCheckQuerySet":
        """Her own answers for her; her association's coordinators see them. Nobody else: not
        the national admin, not shelter staff, and never a group leader (a supervision group's
        leader must not see them: a role added later gets none here unless written in)."""
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.COORDINATOR:
            return self.filter(volunteer__association_id=acting.association_id)
        if acting.role == Role.VOLUNTEER:
            return self.filter(
                volunteer__user=user, volunteer__association_id=acting.association_id
            )
        return self.none()

    def needs_talk_open(self) -> "WellbeingCheckQuerySet":
        """ "I need to talk" the coordinator has not yet marked as talked about."""
        return self.filter(needs_talk=True, talked_at__isnull=True)


class WellbeingCheck(models.Model):
    """A short wellbeing check she answered: how she is doing, whether she needs to talk to the
    coordinator, and an optional note (encrypted). Hers: she sees and deletes her own answers
    (a hard delete, and no change history is kept of them: not in AUDITLOG tracking)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="wellbeing_checks"
    )
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)
    feeling = models.PositiveSmallIntegerField(_("how are you doing?"), choices=Feeling.choices)
    needs_talk = models.BooleanField(_("I would like to talk to my coordinator"), default=False)
    note = EncryptedTextField(_("short note"), max_length=500, blank=True)
    occasion = models.CharField(
        max_length=20, choices=WellbeingOccasion.choices, default=WellbeingOccasion.ANY_TIME
    )
    # The coordinator has talked with her (the start page counts those not yet talked about).
    talked_at = models.DateTimeField(_("talked"), null=True, blank=True)

    objects = WellbeingCheckQuerySet.as_manager()

    class Meta:
        ordering = ("-answered_at", "-id")
        verbose_name = _("wellbeing check")
        verbose_name_plural = _("wellbeing checks")
        indexes = [models.Index(fields=["volunteer", "-answered_at"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.answered_at:%Y-%m-%d}"


class VolunteerImportQuerySet(models.QuerySet):
    def for_user(self, user) -> "VolunteerImportQuerySet":
        """A coordinator's imports of her own association; nobody else's."""
        acting = acting_membership(user)
        if acting is None or acting.role != Role.COORDINATOR:
            return self.none()
        return self.filter(association_id=acting.association_id)


class VolunteerImport(models.Model):
    """A spreadsheet of volunteers uploaded by a coordinator (volunteers.importing): its rows
    as read and checked, kept on the server between the preview and her confirmation (never
    posted back by the browser). The rows hold personal data, so they are encrypted, emptied once
    imported, and the import itself is deleted a day after it was uploaded (retention.py)."""

    class State(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        IMPORTED = "imported", _("Imported")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PREVIEW)
    # JSON: the checked rows (see volunteers.importing.Row), encrypted at rest.
    rows = EncryptedTextField(blank=True)
    columns_ignored = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    invited_at = models.DateTimeField(null=True, blank=True)

    objects = VolunteerImportQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("volunteer import")
        verbose_name_plural = _("volunteer imports")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.created_at:%Y-%m-%d %H:%M}"
