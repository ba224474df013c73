"""Referrals from crisis shelters, matches with volunteers, and their histories.

A woman is never identified here: an alias or first name, an age bracket, municipalities.
"""

import uuid
from datetime import date, timedelta
from typing import cast

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from accounts import lists
from accounts.models import Association, Municipality, Role, Shelter, acting_membership
from common.choices import ChoiceLabels
from common.crypto import EncryptedIntegerField, EncryptedTextField
from common.dates import add_years
from common.flags import labels
from courses.models import CONSIDERATIONS
from volunteers.models import NEEDS, Availability, Volunteer


class AgeBracket(models.TextChoices):
    AGE_18_25 = "18-25", "18–25"
    AGE_26_35 = "26-35", "26–35"
    AGE_36_45 = "36-45", "36–45"
    AGE_46_55 = "46-55", "46–55"
    AGE_56_PLUS = "56+", "56+"


# The ages each bracket covers (inclusive), for the volunteer-age wish.
AGE_RANGES: dict[str, tuple[int, int]] = {
    AgeBracket.AGE_18_25: (18, 25),
    AgeBracket.AGE_26_35: (26, 35),
    AgeBracket.AGE_36_45: (36, 45),
    AgeBracket.AGE_46_55: (46, 55),
    AgeBracket.AGE_56_PLUS: (56, 120),
}


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("referral status", "Received")
    BEING_MATCHED = "being_matched", pgettext_lazy("referral status", "Being matched")
    MATCH_PROPOSED = "match_proposed", pgettext_lazy("referral status", "Match proposed")
    FIRST_MEETING_PLANNED = (
        "first_meeting_planned",
        pgettext_lazy("referral status", "First meeting planned"),
    )
    ACTIVE = "active", pgettext_lazy("referral status", "Active")
    ENDED = "ended", pgettext_lazy("referral status", "Ended")
    WITHDRAWN = "withdrawn", pgettext_lazy("referral status", "Withdrawn")


# The allowed changes, written once. The referral's status follows its match and changes only
# through matching.services._referral_status, which checks this table: the coordinator takes it
# (being matched) or proposes a volunteer at once; a cancelled proposal puts it back to being
# matched; a transfer makes it received again (also from received: a new association's queue);
# the shelter may withdraw it until the match is active; an ended referral is reopened for a new
# match (being matched) when the closure said a new match would be right for her and she has
# consented again (matching.services.referral_reopen).
REFERRAL_TRANSITIONS: dict[str, set[str]] = {
    ReferralStatus.RECEIVED: {
        ReferralStatus.RECEIVED,
        ReferralStatus.BEING_MATCHED,
        ReferralStatus.MATCH_PROPOSED,
        ReferralStatus.WITHDRAWN,
    },
    ReferralStatus.BEING_MATCHED: {
        ReferralStatus.RECEIVED,
        ReferralStatus.MATCH_PROPOSED,
        ReferralStatus.WITHDRAWN,
    },
    ReferralStatus.MATCH_PROPOSED: {
        ReferralStatus.FIRST_MEETING_PLANNED,
        ReferralStatus.BEING_MATCHED,
        ReferralStatus.WITHDRAWN,
    },
    ReferralStatus.FIRST_MEETING_PLANNED: {
        ReferralStatus.ACTIVE,
        ReferralStatus.BEING_MATCHED,
        ReferralStatus.WITHDRAWN,
    },
    ReferralStatus.ACTIVE: {ReferralStatus.ENDED},
    ReferralStatus.ENDED: {ReferralStatus.BEING_MATCHED},
    ReferralStatus.WITHDRAWN: set(),
}
# Waiting for a volunteer: in the coordinator's queue and the batch proposal.
WAITING = (ReferralStatus.RECEIVED, ReferralStatus.BEING_MATCHED)
# A shelter may withdraw a referral until its match is active.
WITHDRAWABLE = (
    ReferralStatus.RECEIVED,
    ReferralStatus.BEING_MATCHED,
    ReferralStatus.MATCH_PROPOSED,
    ReferralStatus.FIRST_MEETING_PLANNED,
)
CLOSED = (ReferralStatus.ENDED, ReferralStatus.WITHDRAWN)


def case_ref(public_id: uuid.UUID) -> str:
    """A referral's number from its public id (Referral.case_ref), for a query that has the id."""
    return f"H-{public_id.hex[:6].upper()}"


class ReferralQuerySet(models.QuerySet):
    def for_user(self, user) -> "ReferralQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.COORDINATOR:
            return self.filter(association_id=acting.association_id)
        if acting.role == Role.SHELTER_STAFF:
            return self.filter(shelter_id=acting.shelter_id)
        # National admins see aggregates only; volunteers see their match, not the referral.
        return self.none()

    def waiting(self) -> "ReferralQuerySet":
        return self.filter(status__in=WAITING)

    def update(self, **kwargs) -> int:
        # A bulk write would skip REFERRAL_TRANSITIONS (and bulk_update comes through here too).
        if "status" in kwargs:
            raise TypeError("Change a referral's status with matching.services._referral_status.")
        return super().update(**kwargs)


class Referral(ChoiceLabels, models.Model):
    """A woman referred by a crisis shelter, with her consent, to get a ressursvenn."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    shelter = models.ForeignKey(
        Shelter,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("crisis shelter"),
    )
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("local association"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("referred"), default=timezone.now, db_index=True)
    # Encrypted like her other details: the database can neither search nor sort it (nothing does;
    # lists are ordered by date, and a page sorts its own bounded rows if ever needed).
    alias = EncryptedTextField(_("alias or first name"), max_length=40)
    age_bracket = models.CharField(_("age"), max_length=5, choices=AgeBracket.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality where she will live"),
    )
    avoid_municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="+", verbose_name=_("municipalities to avoid")
    )
    preferred_language = models.CharField(_("preferred language"), max_length=3)
    phone = EncryptedTextField(_("her phone"), max_length=20, blank=True)
    needs = models.PositiveSmallIntegerField(_("needs"), default=0)
    availability = models.PositiveSmallIntegerField(_("when she can meet"), default=0)
    wish_age_bracket = models.CharField(
        _("wished age of the volunteer"), max_length=5, choices=AgeBracket.choices, blank=True
    )
    wish_language = models.CharField(
        _("wished language of the volunteer"), max_length=3, blank=True
    )
    wishes = EncryptedTextField(_("other wishes"), max_length=500, blank=True)
    considerations = EncryptedIntegerField(_("special considerations"), default=0)
    safety_notes = EncryptedTextField(_("safety notes"), max_length=2000, blank=True)
    desired_start = models.DateField(_("desired start"), null=True, blank=True)
    consent_on = models.DateField(_("consent given on"))
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=ReferralStatus.choices,
        default=ReferralStatus.RECEIVED,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    withdrawn_reason = EncryptedTextField(_("reason for withdrawal"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("earlier referral"),
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ("created_at",)
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["association", "status"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.public_id}"

    def get_absolute_url(self) -> str:
        return reverse("referral_detail", args=[self.public_id])

    @property
    def case_ref(self) -> str:
        """The referral's neutral reference, its number ("H-3F9A2C" for henvisning, from the
        public id): what the list of notifications names it by, never her alias (and never
        "sak": she is not a case). Not unique: the link finds the referral."""
        return case_ref(self.public_id)

    @property
    def need_labels(self) -> list[str]:
        return NEEDS.labels(self.needs)

    @property
    def availability_labels(self) -> list[str]:
        return labels(Availability, self.availability)

    @property
    def consideration_labels(self) -> list[str]:
        return CONSIDERATIONS.labels(self.considerations)

    @property
    def language_codes(self) -> list[str]:
        return [language.code for language in self.languages.all()]

    @property
    def days_waiting(self) -> int:
        return (timezone.now() - self.created_at).days


class ReferralLanguage(models.Model):
    """A language she speaks (ISO 639 code)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=3)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "code"], name="matching_referrallanguage_once"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ReferralEvent(ChoiceLabels, models.Model):
    """The referral's history, seen by the shelter and the coordinators: received, transferred
    (with the reason), status changes. Never the content of the referral."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        TRANSFERRED = "transferred", _("Transferred to another association")
        STATUS = "status", _("Status changed")
        REOPENED = "reopened", _("Reopened for a new match, with her consent given again")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=30, choices=ReferralStatus.choices, blank=True)
    from_association = models.ForeignKey(
        Association, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_association = models.ForeignKey(
        Association, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = EncryptedTextField(max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("match status", "Proposed")
    FIRST_MEETING_PLANNED = (
        "first_meeting_planned",
        pgettext_lazy("match status", "First meeting planned"),
    )
    ACTIVE = "active", pgettext_lazy("match status", "Active")
    PAUSED = "paused", pgettext_lazy("match status", "Paused")
    ENDED = "ended", pgettext_lazy("match status", "Ended")
    CANCELLED = "cancelled", pgettext_lazy("match status", "Cancelled")


# The allowed changes, written once.
MATCH_TRANSITIONS: dict[str, set[str]] = {
    MatchStatus.PROPOSED: {MatchStatus.FIRST_MEETING_PLANNED, MatchStatus.CANCELLED},
    MatchStatus.FIRST_MEETING_PLANNED: {MatchStatus.ACTIVE, MatchStatus.CANCELLED},
    MatchStatus.ACTIVE: {MatchStatus.PAUSED, MatchStatus.ENDED},
    MatchStatus.PAUSED: {MatchStatus.ACTIVE, MatchStatus.ENDED},
    MatchStatus.ENDED: set(),
    MatchStatus.CANCELLED: set(),
}
# A match that takes one of the volunteer's places (her capacity).
OPEN_MATCH = (
    MatchStatus.PROPOSED,
    MatchStatus.FIRST_MEETING_PLANNED,
    MatchStatus.ACTIVE,
    MatchStatus.PAUSED,
)
RUNNING = (MatchStatus.ACTIVE, MatchStatus.PAUSED)


class CancelReason(models.TextChoices):
    VOLUNTEER_DECLINED = (
        "volunteer_declined",
        _("The volunteer declined (she knows her or the abuser, or cannot take it)"),
    )
    WOMAN_DECLINED = "woman_declined", _("The woman did not want this match")
    COORDINATOR = "coordinator", _("The coordinator changed the plan")
    WITHDRAWN = "withdrawn", _("The referral was withdrawn")


class EndReason(models.TextChoices):
    YEAR_OVER = "year_over", _("The year is over")
    NO_LONGER_NEEDED = "no_longer_needed", _("She no longer needs it")
    MOVED = "moved", _("She moved")
    VOLUNTEER_STOPPED = "volunteer_stopped", _("The volunteer stopped")
    BROKE_OFF = "broke_off", _("Broken off")
    OTHER = "other", _("Other")


MATCH_END_REASONS = lists.register(
    key="match_end_reasons",
    slug="grunner-kobling",
    order=40,
    title=_("Reasons a match ended"),
    description=_("Asked when a coordinator ends a match."),
    choices=EndReason,
    can_add=False,
    no_add_reason=_(
        "The statistics count each reason on its own, so no reason can be added here: rename, "
        "reorder or deactivate those there are."
    ),
)


class InitiatedBy(models.TextChoices):
    WOMAN = "woman", _("The woman")
    VOLUNTEER = "volunteer", _("The volunteer")
    COORDINATOR = "coordinator", _("The coordinator")
    SHELTER = "shelter", _("The shelter")
    BOTH = "both", _("Both, together")


# A match runs for a planned year from its first meeting: THE definition of the match's length,
# used when it becomes active and when a volunteer's commitment is checked against it.
MATCH_YEARS = 1


def match_planned_end(start: date) -> date:
    """The planned end of a match whose year starts on `start`."""
    return add_years(start, MATCH_YEARS)


class ConflictCheckHow(models.TextChoices):
    """How a volunteer confirmed the conflict check when the coordinator records it for her."""

    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")
    EMAIL = "email", _("By email")


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


# Six months later: the main outcome asked again this many days after the end (a reminder to
# its coordinators), and the erasure of an ended match waits this many days more for it
# (matching.retention; docs/security.md, "Retention").
LATER_OUTCOME_DAYS = 182
LATER_OUTCOME_GRACE_DAYS = 30


# The outcomes at closure besides the main one, each with its "did it come during the match?"
# field, asked only when the outcome is "yes" (docs/statistics.md, "Other outcomes").
OUTCOMES_DURING = {
    "outcome_housing": "outcome_housing_during",
    "outcome_work_or_study": "outcome_work_or_study_during",
    "outcome_network": "outcome_network_during",
    "outcome_help_services": "outcome_help_services_during",
}


class MatchQuerySet(models.QuerySet):
    def for_user(self, user) -> "MatchQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.COORDINATOR:
            return self.filter(referral__association_id=acting.association_id)
        if acting.role == Role.VOLUNTEER:
            return self.filter(
                volunteer__user=user, volunteer__association_id=acting.association_id
            )
        if acting.role == Role.SHELTER_STAFF:
            return self.filter(referral__shelter_id=acting.shelter_id)
        return self.none()

    def open(self) -> "MatchQuerySet":
        return self.filter(status__in=OPEN_MATCH)


class Match(ChoiceLabels, models.Model):
    """A woman and a volunteer, from the coordinator's proposal to the end of their year."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="matches")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="matches")
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=MatchStatus.choices,
        default=MatchStatus.PROPOSED,
        db_index=True,
    )
    score = models.PositiveSmallIntegerField(_("score when proposed"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    conflict_checked_at = models.DateTimeField(_("conflict check confirmed"), null=True, blank=True)
    # Set when the coordinator recorded the conflict check on the volunteer's behalf (she has no
    # login, or answered by phone): who recorded it and how she confirmed. Empty when she
    # confirmed on her own page.
    conflict_check_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conflict_check_how = models.CharField(
        _("how she confirmed"), max_length=20, choices=ConflictCheckHow.choices, blank=True
    )
    # Set when the coordinator proposed her on purpose although her commitment ends before the
    # match's planned year: who confirmed the shorter match, and when her commitment ends.
    shorter_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shorter_commitment_ends_on = models.DateField(
        _("her commitment ends (a shorter match confirmed)"), null=True, blank=True
    )
    first_meeting_at = models.DateTimeField(_("first meeting"), null=True, blank=True)
    first_meeting_place = EncryptedTextField(
        _("place of the first meeting"), max_length=200, blank=True
    )
    started_on = models.DateField(_("started"), null=True, blank=True)
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("reason"), max_length=30, choices=CancelReason.choices, blank=True
    )
    end_planned = models.BooleanField(_("the end was planned"), null=True)
    end_initiated_by = models.CharField(
        _("initiated by"), max_length=20, choices=InitiatedBy.choices, blank=True
    )
    end_reason = models.CharField(_("reason"), max_length=30, choices=EndReason.choices, blank=True)
    end_note = EncryptedTextField(_("note"), max_length=1000, blank=True)
    new_match_for_woman = models.BooleanField(_("a new match would be right for her"), null=True)
    new_match_for_volunteer = models.BooleanField(
        _("a new match would be right for the volunteer"), null=True
    )
    outcome_moved_back = models.CharField(
        _("moved back to the abuser"), max_length=10, choices=YesNoUnknown.choices, blank=True
    )
    outcome_housing = models.CharField(
        _("has housing"), max_length=10, choices=YesNoUnknown.choices, blank=True
    )
    outcome_work_or_study = models.CharField(
        _("has work or study"), max_length=10, choices=YesNoUnknown.choices, blank=True
    )
    outcome_network = models.CharField(
        _("has a network of her own"), max_length=10, choices=YesNoUnknown.choices, blank=True
    )
    outcome_help_services = models.CharField(
        _("has contact with help services"), max_length=10, choices=YesNoUnknown.choices, blank=True
    )
    # For each outcome above answered "yes": did it come during the match? (None: not asked.)
    outcome_housing_during = models.BooleanField(_("housing came during the match"), null=True)
    outcome_work_or_study_during = models.BooleanField(
        _("work or study came during the match"), null=True
    )
    outcome_network_during = models.BooleanField(_("network came during the match"), null=True)
    outcome_help_services_during = models.BooleanField(
        _("contact with help services came during the match"), null=True
    )

    # Six months later (LATER_OUTCOME_DAYS): did she move back? Blank: not recorded. A
    # statistical fact, kept when her data is erased.
    later_moved_back = models.CharField(
        _("moved back to the abuser, six months later"),
        max_length=10,
        choices=YesNoUnknown.choices,
        blank=True,
    )
    later_recorded_on = models.DateField(_("six months later, recorded"), null=True, blank=True)
    later_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ("-proposed_at",)
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            # One open match per referral at a time.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(status__in=OPEN_MATCH),
                name="matching_match_one_open_per_referral",
            ),
            models.CheckConstraint(
                name="matching_match_ended_has_outcome",
                condition=~Q(status=MatchStatus.ENDED) | ~Q(outcome_moved_back=""),
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "status"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.public_id}"

    def get_absolute_url(self) -> str:
        return reverse("match_detail", args=[self.public_id])

    def get_end_reason_display(self) -> str:  # type: ignore[no-redef]
        """The reason's name as the programme's list has it now (accounts/lists.py)."""
        return MATCH_END_REASONS.name(self.end_reason)

    @property
    def card_id(self) -> str:
        """The id of its card on the volunteer's page (the anchor of her notifications' links)."""
        return f"kobling-{self.public_id}"

    def get_volunteer_url(self) -> str:
        """Where the volunteer finds this match: its card on her page ("Min kobling")."""
        return f"{reverse('my_match')}#{self.card_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MATCH

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING


class MatchEvent(ChoiceLabels, models.Model):
    """A change of a match's status: who, when, and a short note (the timeline)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=30, choices=MatchStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.status} {self.at:%Y-%m-%d}"


# A weight is a whole number from 0 (the part does not count) to WEIGHT_MAX.
WEIGHT_MAX = 100


class MatchingWeights(models.Model):
    """The weights of the score's parts, adjustable by national admins. The newest row is used;
    without one, the field defaults below. Only `services.matching_weights_update` changes it."""

    distance = models.PositiveSmallIntegerField(_("distance"), default=25)
    language = models.PositiveSmallIntegerField(_("language"), default=25)
    needs = models.PositiveSmallIntegerField(_("needs covered"), default=15)
    availability = models.PositiveSmallIntegerField(_("availability"), default=10)
    age = models.PositiveSmallIntegerField(_("age wish"), default=5)
    waiting = models.PositiveSmallIntegerField(_("waiting time"), default=10)
    experience = models.PositiveSmallIntegerField(_("experience"), default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")
        constraints = [
            models.CheckConstraint(
                name="matching_matchingweights_at_most_max",
                condition=Q(
                    distance__lte=WEIGHT_MAX,
                    language__lte=WEIGHT_MAX,
                    needs__lte=WEIGHT_MAX,
                    availability__lte=WEIGHT_MAX,
                    age__lte=WEIGHT_MAX,
                    waiting__lte=WEIGHT_MAX,
                    experience__lte=WEIGHT_MAX,
                ),
            ),
            # With every weight 0 every score would be 0, and the ranking meaningless.
            models.CheckConstraint(
                name="matching_matchingweights_one_counts",
                condition=Q(distance__gt=0)
                | Q(language__gt=0)
                | Q(needs__gt=0)
                | Q(availability__gt=0)
                | Q(age__gt=0)
                | Q(waiting__gt=0)
                | Q(experience__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    PARTS = ("distance", "language", "needs", "availability", "age", "waiting", "experience")

    @classmethod
    def defaults(cls) -> dict[str, int]:
        return {part: cast(models.Field, cls._meta.get_field(part)).default for part in cls.PARTS}

    @classmethod
    def current(cls) -> dict[str, int]:
        row = cls.objects.order_by("-pk").first()
        if row is None:
            return cls.defaults()
        return {part: getattr(row, part) for part in cls.PARTS}


class Activity(models.IntegerChoices):
    COFFEE = 1, _("Coffee and a chat")
    NETWORK = 2, _("Building a network")
    JOB_SEARCH = 4, _("Job search")
    HOUSING = 8, _("Housing viewing")
    PUBLIC_SERVICES = 16, _("Public services and NAV")
    NORWEGIAN = 32, _("Norwegian practice")
    LEISURE = 64, _("Leisure and culture")
    OTHER = 128, _("Other")


ACTIVITIES = lists.register(
    key="activities",
    slug="aktiviteter",
    order=30,
    title=_("Meeting activities"),
    description=_(
        "What the volunteer and the woman did together, ticked when a meeting is logged."
    ),
    choices=Activity,
    can_add=True,
)


class MeetingQuerySet(models.QuerySet):
    def for_user(self, user) -> "MeetingQuerySet":
        """Coordinators see the meetings of their association's matches; a volunteer her own.
        Shelter staff and national admins see none."""
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.COORDINATOR:
            return self.filter(match__referral__association_id=acting.association_id)
        if acting.role == Role.VOLUNTEER:
            return self.filter(
                match__volunteer__user=user, match__volunteer__association_id=acting.association_id
            )
        return self.none()


# A logged meeting lasts from 1 minute to this many (checked by the form, the service and the
# database).
MEETING_MAX_MINUTES = 24 * 60


def meeting_duration_refusal() -> str:
    hours = MEETING_MAX_MINUTES // 60
    return ngettext(
        "The duration must be between 1 minute and %(hours)s hour.",
        "The duration must be between 1 minute and %(hours)s hours.",
        hours,
    ) % {"hours": hours}


# The durations she picks with one tap on the meeting form, and the words for them: a meeting
# is shown everywhere as she chose it ("2 timer", not "120 minutter"), by duration_label().
QUICK_DURATIONS: dict[int, Promise] = {
    30: _("30 min"),
    60: _("1 hour"),
    120: _("2 hours"),
}


def duration_label(minutes: int | None) -> str:
    """A meeting's duration as she chose it: a quick choice in its own words, else the minutes
    she wrote."""
    if minutes is None:
        return ""
    if minutes in QUICK_DURATIONS:
        return str(QUICK_DURATIONS[minutes])
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}


class Meeting(models.Model):
    """A meeting the volunteer logged (or an attempt that did not reach the woman)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    met = models.BooleanField(_("we met"), default=True)
    minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), null=True, blank=True)
    activities = models.PositiveSmallIntegerField(_("what we did"), default=0)
    note = EncryptedTextField(_("short note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ("-date", "-created_at")
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["match", "date"])]
        constraints = [
            models.CheckConstraint(
                name="matching_meeting_duration_up_to_a_day",
                condition=Q(minutes__isnull=True)
                | Q(minutes__gte=1, minutes__lte=MEETING_MAX_MINUTES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.date:%Y-%m-%d}"

    @property
    def activity_labels(self) -> list[str]:
        return ACTIVITIES.labels(self.activities)

    @property
    def duration_label(self) -> str:
        return duration_label(self.minutes)

    @property
    def editable_until(self):
        return self.created_at + timedelta(days=settings.MEETING_EDIT_DAYS)

    @property
    def is_locked(self) -> bool:
        return timezone.now() > self.editable_until


class ConcernQuerySet(models.QuerySet):
    def for_user(self, user) -> "ConcernQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.COORDINATOR:
            return self.filter(match__referral__association_id=acting.association_id)
        if acting.role == Role.VOLUNTEER:
            return self.filter(
                match__volunteer__user=user, match__volunteer__association_id=acting.association_id
            )
        return self.none()

    def open(self) -> "ConcernQuerySet":
        return self.filter(followed_up_at__isnull=True)


class Concern(models.Model):
    """ "Jeg er bekymret": raised with a meeting log, it alerts the coordinators at once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="concerns")
    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="concern", null=True, blank=True
    )
    text = EncryptedTextField(_("what worries you"), max_length=1000)
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    follow_up_note = EncryptedTextField(_("what was done"), max_length=1000, blank=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ("-raised_at",)
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.raised_at:%Y-%m-%d}"


# The closing conversation is still held, and reminded, after the match has ended, for this
# many days after the end; an older one not held is taken as not to be held any more.
CLOSING_AFTER_END_DAYS = 60


class FollowUpKind(models.TextChoices):
    TWO_WEEKS = "2w", _("After two weeks")
    ONE_MONTH = "1m", _("After one month")
    THREE_MONTHS = "3m", _("After three months")
    SIX_MONTHS = "6m", _("After six months")
    NINE_MONTHS = "9m", _("After nine months")
    CLOSING = "closing", _("Closing conversation")


# The follow-up conversations after a match becomes active: (kind, days after the start). The
# closing conversation is at the planned end. Close contact in the first month, then regular
# (MENTOR). A constant, not a setting: each kind's label names its point ("After two weeks").
FOLLOW_UP_SCHEDULE = [
    (FollowUpKind.TWO_WEEKS, 14),
    (FollowUpKind.ONE_MONTH, 30),
    (FollowUpKind.THREE_MONTHS, 91),
    (FollowUpKind.SIX_MONTHS, 182),
    (FollowUpKind.NINE_MONTHS, 273),
]


class With(models.IntegerChoices):
    VOLUNTEER = 1, _("The volunteer")
    WOMAN = 2, _("The woman")
    SHELTER = 4, _("The shelter")


class FollowUpQuerySet(models.QuerySet):
    def for_user(self, user) -> "FollowUpQuerySet":
        acting = acting_membership(user)
        if acting is None or acting.role != Role.COORDINATOR:
            return self.none()
        return self.filter(match__referral__association_id=acting.association_id)

    def pending(self) -> "FollowUpQuerySet":
        """Still to be held: neither held nor cancelled."""
        return self.filter(done_on__isnull=True, cancelled_on__isnull=True)

    def due(self, *, by_date) -> "FollowUpQuerySet":
        """Due by `by_date` and not held: of a running match, or the closing conversation of a
        match that ended (early, or before it was held) within CLOSING_AFTER_END_DAYS."""
        closing_after_end = Q(
            kind=FollowUpKind.CLOSING,
            match__status=MatchStatus.ENDED,
            match__ended_on__gte=by_date - timedelta(days=CLOSING_AFTER_END_DAYS),
        )
        return self.pending().filter(
            Q(match__status__in=RUNNING) | closing_after_end, due_on__lte=by_date
        )


class FollowUp(ChoiceLabels, models.Model):
    """A follow-up conversation the coordinator holds at a set point of the match."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("when"), max_length=10, choices=FollowUpKind.choices)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("held"), null=True, blank=True)
    with_whom = models.PositiveSmallIntegerField(_("with"), default=0)
    note = EncryptedTextField(_("note"), max_length=2000, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Not deleted when the match ends before its planned year: recorded as cancelled (the day).
    cancelled_on = models.DateField(_("cancelled"), null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ("due_on",)
        verbose_name = _("follow-up conversation")
        verbose_name_plural = _("follow-up conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["match", "kind"], name="matching_followup_once_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on:%Y-%m-%d}"

    @property
    def with_labels(self) -> list[str]:
        return labels(With, self.with_whom)


# --- How the pair is doing: asked at some of the follow-up conversations ------------------------

# The conversations at which the coordinator asks how the pair is doing (issue 19): after one,
# three and six months, and at closing.
RELATIONSHIP_ASKED_AT = (
    FollowUpKind.ONE_MONTH,
    FollowUpKind.THREE_MONTHS,
    FollowUpKind.SIX_MONTHS,
    FollowUpKind.CLOSING,
)
# A score at or below this, or a drop of at least RELATIONSHIP_DROP from the same respondent's
# previous answer to the same question, asks the coordinator to look at the match.
RELATIONSHIP_LOW = 2
RELATIONSHIP_DROP = 2
RELATIONSHIP_SCALE = range(1, 6)


class Respondent(models.TextChoices):
    WOMAN = "woman", _("The woman")
    VOLUNTEER = "volunteer", _("The volunteer")


class AskedHow(models.TextChoices):
    THROUGH_VOLUNTEER = "volunteer", _("Through the volunteer")
    THROUGH_SHELTER = "shelter", _("Through the shelter")
    DIRECTLY = "directly", _("Directly (she has agreed)")


# The four questions, in the order shown: (field, what the woman is asked, what the volunteer is
# asked, the short label of the trend table).
RELATIONSHIP_QUESTIONS = (
    (
        "closeness",
        _("How close do you feel to your volunteer?"),
        _("How close do you feel to the woman you are matched with?"),
        _("Closeness"),
    ),
    (
        "trust",
        _("How much do you trust your volunteer?"),
        _("How much trust do you feel there is between you and her?"),
        _("Trust"),
    ),
    (
        "frequency",
        _("Do you meet as often as you would like?"),
        _("Do you meet as often as you would like?"),
        _("Meeting often enough"),
    ),
    (
        "helps",
        _("Do you feel that it helps you?"),
        _("Do you feel that it helps her?"),
        _("It helps"),
    ),
)
RELATIONSHIP_FIELDS = tuple(q[0] for q in RELATIONSHIP_QUESTIONS)


class RelationshipAnswerQuerySet(models.QuerySet):
    def for_user(self, user) -> "RelationshipAnswerQuerySet":
        """The match's coordinators only; everyone else (the volunteer, the shelter, a group
        leader, a national admin) none."""
        acting = acting_membership(user)
        if acting is None or acting.role != Role.COORDINATOR:
            return self.none()
        return self.filter(follow_up__match__referral__association_id=acting.association_id)


def _score(label):
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )


class RelationshipAnswer(ChoiceLabels, models.Model):
    """One respondent's answers at one follow-up conversation: each 1-5, null when she did not
    answer. No row when she was not asked."""

    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="relationship_answers"
    )
    respondent = models.CharField(_("who answered"), max_length=10, choices=Respondent.choices)
    asked_how = models.CharField(
        _("how she was asked"), max_length=10, choices=AskedHow.choices, blank=True
    )
    closeness = _score(_("closeness"))
    trust = _score(_("trust"))
    frequency = _score(_("meeting often enough"))
    helps = _score(_("it helps"))

    objects = RelationshipAnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer about the relationship")
        verbose_name_plural = _("answers about the relationship")
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "respondent"], name="matching_relationship_once_per_respondent"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"matching_relationship_{name}_1_to_5",
                )
                for name in RELATIONSHIP_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_respondent_display()} {self.follow_up_id}"
