"""Who you are and where you belong: users, roles, associations, shelters, municipalities.

Visibility lives here, once per model: `Model.objects.for_user(user)` answers "what may this
person, in the role she is acting in now, see?". Views start every query from it.
"""

import hashlib
import hmac
import uuid
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from common.choices import ChoiceLabels


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("National admin")
    COORDINATOR = "coordinator", _("Coordinator")
    SHELTER_STAFF = "shelter_staff", _("Shelter staff")
    VOLUNTEER = "volunteer", _("Volunteer")
    # A volunteer who leads a supervision group (supervision/): she sees her group's members'
    # names and attendance, and nothing about any woman or match. Given and taken on the
    # group's page, never by invitation.
    GROUP_LEADER = "group_leader", _("Group leader")


# Roles that can see a woman's data log in with two steps and time out when idle. The
# volunteer is one of them: she sees the alias, municipality, needs and phone of the woman she
# supports, on a phone that the abuser might get hold of.
TWO_STEP_ROLES = frozenset(
    {Role.NATIONAL_ADMIN, Role.COORDINATOR, Role.SHELTER_STAFF, Role.VOLUNTEER, Role.GROUP_LEADER}
)
ASSOCIATION_ROLES = frozenset({Role.COORDINATOR, Role.VOLUNTEER, Role.GROUP_LEADER})

# An erased person keeps a row (for the statistics) with an address no mail can ever reach:
# the reserved .example domain. Nothing is sent to it and nothing is done with her any more.
ERASED_EMAIL_DOMAIN = "invalid.example"
ERASED_REFUSAL = _("Her personal data is erased. Nothing can be changed or sent to her any more.")


# Every phone number is read the same way: Norwegian unless it starts with a country code,
# checked as a real number, stored as E.164 (settings.PHONENUMBER_DB_FORMAT).
PHONE_INVALID = _("Enter a valid phone number, e.g. 912 34 567.")


def phone_field(verbose_name, **kwargs) -> PhoneNumberField:
    return PhoneNumberField(
        verbose_name, region="NO", blank=True, error_messages={"invalid": PHONE_INVALID}, **kwargs
    )


def erased_email(public_id) -> str:
    """The address an erased record is given in place of hers."""
    return f"erased-{public_id}@{ERASED_EMAIL_DOMAIN}"


def is_erased_email(email: str | None) -> bool:
    return (email or "").strip().lower().endswith("@" + ERASED_EMAIL_DOMAIN)


def acting_membership(user) -> "Membership | None":
    """The membership `user` acts in on this request, or None.

    The ActingRoleMiddleware sets it from the session on every request. Elsewhere (tasks,
    shell, tests) a person with exactly one active membership acts in it; with several and
    none chosen, she acts in none and sees nothing.
    """
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_acting_membership"):
        memberships = list(Membership.objects.active().filter(user=user)[:2])
        user._acting_membership = memberships[0] if len(memberships) == 1 else None
    return user._acting_membership


class UserQuerySet(models.QuerySet):
    def for_user(self, user) -> "UserQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.filter(pk=user.pk) if user.is_authenticated else self.none()
        if acting.role == Role.NATIONAL_ADMIN:
            return self.all()
        if acting.role == Role.COORDINATOR:
            people = Membership.objects.active().filter(association_id=acting.association_id)
            return self.filter(
                models.Q(pk__in=people.values("user_id")) | models.Q(pk=user.pk)
            ).distinct()
        return self.filter(pk=user.pk)

    def active_coordinators_of(self, association, *, away_too: bool = False) -> "UserQuerySet":
        """THE active coordinators of an association: a coordinator membership there that has
        not ended, held by a login that is not deactivated, and (unless `away_too`) who is not
        away today (Absence): while she is away her notices and reminders go to the others who
        are present, and with nobody present to nobody (notifications.services tells the
        national admins). Every notice to "the coordinators", every list of them, asks this.
        `association` is an Association or its id; for several, a list, set or queryset of ids.
        No order: the caller sorts.
        """
        if association is None:
            return self.none()
        memberships = Membership.objects.active_coordinators()
        if not away_too:
            memberships = memberships.present()
        if isinstance(association, models.QuerySet | list | tuple | set | frozenset):
            memberships = memberships.filter(association_id__in=association)
        else:
            memberships = memberships.filter(association=association)
        return self.filter(pk__in=memberships.values("user_id"))


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    # Written out rather than made with BaseUserManager.from_queryset(UserQuerySet): mypy's Django
    # plugin cannot build that class for the user model (AUTH_USER_MODEL), which it is resolving
    # at the same time.
    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def for_user(self, user) -> UserQuerySet:
        return self.get_queryset().for_user(user)

    def active_coordinators_of(self, association, *, away_too: bool = False) -> UserQuerySet:
        return self.get_queryset().active_coordinators_of(association, away_too=away_too)

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in, by email. What she may do comes from her memberships."""

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = phone_field(
        _("phone"),
        help_text=_("Shown to the volunteers of her association when she is a coordinator."),
    )
    language = models.CharField(
        _("language for emails"), max_length=10, choices=settings.LANGUAGES, default="nb"
    )
    weekly_digest = models.BooleanField(
        _("reminders as a weekly digest"),
        default=False,
        help_text=_(
            "Coordinators: one summary on Monday morning instead of each reminder as it falls due."
        ),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether the user can log into the administration pages."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sessions_revoked_at = models.DateTimeField(
        _("logged out everywhere"), null=True, blank=True, editable=False
    )
    # Raised whenever what she may do changes: by the database when a membership or an
    # authenticator of hers is written (triggers, migration 0011), and by accounts/signals.py
    # when her association or shelter is. The middleware's cached copy of her access is keyed
    # by it (accounts/access.py, access_of). Never saved from an instance (see save()), so a
    # stale copy in memory cannot lower it again.
    access_version = models.PositiveIntegerField(
        _("access version"), default=0, db_default=0, editable=False
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()
    # The membership she acts in on this request (see acting_membership()); set, not stored.
    _acting_membership: "Membership | None"

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "access_version"
            ]
        super().save(*args, **kwargs)


def access_changed(user_ids) -> None:
    """What these people may do has changed: their next request reads it afresh."""
    User.objects.filter(pk__in=list(user_ids)).update(access_version=models.F("access_version") + 1)


class County(models.Model):
    """A county (fylke) as of 1 January 2024."""

    number = models.CharField(_("number"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ("name",)
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (kommune) as of 1 January 2024, with an approximate centre point.

    Two names occur twice (Herøy, Våler): always look a municipality up by its number.
    """

    number = models.CharField(_("number"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("county")
    )
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        ordering = ("name", "number")
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """Name with county, which tells the two Herøys and the two Vålers apart ("Oslo", not
        "Oslo (Oslo)", where the county has the municipality's name)."""
        if self.county.name == self.name:
            return self.name
        return f"{self.name} ({self.county.name})"


class AssociationQuerySet(models.QuerySet):
    def for_user(self, user) -> "AssociationQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.NATIONAL_ADMIN:
            return self.all()
        if acting.role in ASSOCIATION_ROLES:
            return self.filter(pk=acting.association_id)
        return self.none()


class Association(models.Model):
    """A local sanitetsforening that runs the programme in the municipalities it covers."""

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = phone_field(_("contact phone"))
    is_active = models.BooleanField(_("runs the programme"), default=True)
    municipalities: "models.ManyToManyField[Municipality, Coverage]" = models.ManyToManyField(
        Municipality,
        through="Coverage",
        related_name="associations",
        verbose_name=_("municipalities covered"),
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AssociationQuerySet.as_manager()

    class Meta:
        ordering = ("name",)
        verbose_name = _("local association")
        verbose_name_plural = _("local associations")

    def __str__(self) -> str:
        return self.name


class Coverage(models.Model):
    """That an association covers a municipality. A municipality has at most one association."""

    association = models.ForeignKey(
        Association,
        on_delete=models.CASCADE,
        related_name="coverage",
        verbose_name=_("association"),
    )
    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.PROTECT,
        related_name="coverage",
        verbose_name=_("municipality"),
    )

    class Meta:
        verbose_name = _("municipality covered")
        verbose_name_plural = _("municipalities covered")

    def __str__(self) -> str:
        return f"{self.association} – {self.municipality}"


class ShelterQuerySet(models.QuerySet):
    def for_user(self, user) -> "ShelterQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.NATIONAL_ADMIN:
            return self.all()
        if acting.role == Role.SHELTER_STAFF:
            return self.filter(pk=acting.shelter_id)
        if acting.role == Role.COORDINATOR:
            # The shelters in her association's area (referrals add the ones that refer to it).
            return self.filter(municipality__coverage__association_id=acting.association_id)
        return self.none()


class Shelter(models.Model):
    """A crisis shelter (krisesenter) that refers women. Its address is never stored."""

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="shelters",
        verbose_name=_("host municipality"),
    )
    phone = phone_field(_("phone"), help_text=_("The number volunteers can call in an emergency."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ShelterQuerySet.as_manager()

    class Meta:
        ordering = ("name",)
        verbose_name = _("crisis shelter")
        verbose_name_plural = _("crisis shelters")

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(ended_at__isnull=True)

    def end(self) -> int:
        """Ends these memberships now; their holders' next request sees it (the database raises
        their access_version, see migration 0011)."""
        return self.update(ended_at=timezone.now())

    def active_coordinators(self) -> "MembershipQuerySet":
        """Coordinator memberships that count (see UserQuerySet.active_coordinators_of): not
        ended, and held by a login that is not deactivated."""
        return self.active().filter(role=Role.COORDINATOR, user__is_active=True)

    def present(self, day=None) -> "MembershipQuerySet":
        """Those whose holder is not away on `day` (today): no Absence covers it."""
        day = day or timezone.localdate()
        return self.exclude(
            models.Exists(
                Absence.objects.filter(
                    user_id=models.OuterRef("user_id"), starts_on__lte=day, ends_on__gte=day
                )
            )
        )

    def for_user(self, user) -> "MembershipQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.filter(user=user) if user.is_authenticated else self.none()
        if acting.role == Role.NATIONAL_ADMIN:
            return self.all()
        if acting.role == Role.COORDINATOR:
            return self.filter(association_id=acting.association_id)
        return self.filter(user=user)


class Membership(ChoiceLabels, models.Model):
    """That a person holds a role: national admin, or coordinator, volunteer (of an association),
    or shelter staff (of a shelter). She acts in one membership at a time."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("local association"),
    )
    shelter = models.ForeignKey(
        Shelter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("crisis shelter"),
    )
    created_at = models.DateTimeField(_("given"), auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ("role", "created_at")
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        indexes = [
            # "The active coordinators of these associations" (every notice to them, every
            # volunteer's page): a few rows among an association's hundreds of volunteers.
            models.Index(
                fields=["association", "user"],
                condition=models.Q(ended_at__isnull=True, role=Role.COORDINATOR),
                name="membership_coordinators",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="accounts_membership_scope_matches_role",
                condition=(
                    models.Q(
                        role=Role.NATIONAL_ADMIN, association__isnull=True, shelter__isnull=True
                    )
                    | models.Q(
                        role__in=[Role.COORDINATOR, Role.VOLUNTEER, Role.GROUP_LEADER],
                        association__isnull=False,
                        shelter__isnull=True,
                    )
                    | models.Q(
                        role=Role.SHELTER_STAFF, association__isnull=True, shelter__isnull=False
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "association"],
                condition=models.Q(ended_at__isnull=True, association__isnull=False),
                name="accounts_membership_one_active_per_association",
            ),
            models.UniqueConstraint(
                fields=["user", "shelter"],
                condition=models.Q(ended_at__isnull=True, shelter__isnull=False),
                name="accounts_membership_one_active_per_shelter",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(ended_at__isnull=True, role=Role.NATIONAL_ADMIN),
                name="accounts_membership_one_active_national_admin",
            ),
            # A volunteer belongs to one association.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(ended_at__isnull=True, role=Role.VOLUNTEER),
                name="accounts_membership_one_active_volunteer_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.label}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def place(self) -> "Association | Shelter | None":
        return self.association or self.shelter

    @property
    def own_association(self) -> Association:
        """The association of a coordinator or a volunteer, which the check constraint above
        guarantees; asking for it in another role is a programming error."""
        if self.association is None:
            raise ValueError(f"A membership as {self.role} has no association.")
        return self.association

    @property
    def label(self) -> str:
        """What the header shows: "Koordinator · Oslo Sanitetsforening"."""
        place = self.place
        role = self.get_role_display()
        return f"{role} · {place}" if place else str(role)

    @property
    def needs_two_step(self) -> bool:
        return self.role in TWO_STEP_ROLES


class InvitationQuerySet(models.QuerySet):
    def for_user(self, user) -> "InvitationQuerySet":
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.NATIONAL_ADMIN:
            return self.exclude(role=Role.VOLUNTEER)
        if acting.role == Role.COORDINATOR:
            return self.filter(role=Role.VOLUNTEER, association_id=acting.association_id)
        return self.none()

    def pending(self) -> "InvitationQuerySet":
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


def invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class Invitation(ChoiceLabels, models.Model):
    """A single-use link by which a person sets her password and receives a role.

    Only a hash of the token is stored: the link in the email is the only copy of the token.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Withdrawn")

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    association = models.ForeignKey(
        Association,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("local association"),
    )
    shelter = models.ForeignKey(
        Shelter,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("crisis shelter"),
    )
    token_hash = models.CharField(_("link checksum"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), default=invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                name="accounts_invitation_scope_matches_role",
                condition=(
                    models.Q(
                        role=Role.NATIONAL_ADMIN, association__isnull=True, shelter__isnull=True
                    )
                    | models.Q(
                        role__in=[Role.COORDINATOR, Role.VOLUNTEER],
                        association__isnull=False,
                        shelter__isnull=True,
                    )
                    | models.Q(
                        role=Role.SHELTER_STAFF, association__isnull=True, shelter__isnull=False
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def place(self) -> "Association | Shelter | None":
        return self.association or self.shelter


def coordinators_by_association(association_ids) -> dict[int, list[int]]:
    """User ids of the active coordinators of each association who are present today (the rule
    of UserQuerySet.active_coordinators_of; one query)."""
    result: dict[int, list[int]] = {}
    for association_id, user_id in (
        Membership.objects.active_coordinators()
        .present()
        .filter(association_id__in=set(association_ids))
        .values_list("association_id", "user_id")
    ):
        result.setdefault(association_id, []).append(user_id)
    return result


class AbsenceQuerySet(models.QuerySet):
    def for_user(self, user) -> "AbsenceQuerySet":
        """Her own absences (she marks herself away; nobody else edits them)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def current_or_coming(self, day=None) -> "AbsenceQuerySet":
        return self.filter(ends_on__gte=day or timezone.localdate())


class Absence(models.Model):
    """A coordinator is away (holiday, leave) from `starts_on` to `ends_on`, both included.
    While she is away UserQuerySet.active_coordinators_of leaves her out: the notices and
    reminders for her association go to the other coordinators (her stand-ins)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="absences", verbose_name=_("person")
    )
    starts_on = models.DateField(_("away from"))
    ends_on = models.DateField(_("away until"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        ordering = ("starts_on", "pk")
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        indexes = [models.Index(fields=["user", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                name="accounts_absence_ends_after_start",
                condition=models.Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"

    def covers(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class AccessLogQuerySet(models.QuerySet):
    def for_user(self, user) -> "AccessLogQuerySet":
        """A coordinator reads the log of her association's records; a national admin all."""
        acting = acting_membership(user)
        if acting is None:
            return self.none()
        if acting.role == Role.NATIONAL_ADMIN:
            return self.all()
        if acting.role == Role.COORDINATOR:
            return self.filter(association_id=acting.association_id)
        return self.none()


class AccessLog(ChoiceLabels, models.Model):
    """Who looked at (or was refused) a sensitive record, in which role, when: never the data.

    Append-only: nothing in the application edits or deletes it (retention only pseudonymises,
    dropping the link to the person and keeping `actor_ref`). A page view writes its entry
    sealed (`seal`: an HMAC-SHA256 of its id and content with a key from the environment,
    AUDIT_LOG_KEYS) and takes no lock; a periodic task then chains the entries: each chained
    entry carries its place in the chain (`chain_position`) and the hash of the one before it,
    and is signed with the key, so a changed, removed or inserted entry is found by
    `manage.py verify_audit_log`, even when whoever changed it could write the database and
    recompute hashes (see accounts.audit).
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        DENIED = "denied", _("Refused")
        ERASE = "erase", _("Erased")
        RESET_TWO_STEP = "reset", _("Reset two-step login")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A keyed hash of the person's public id: stays when `actor` is pseudonymised away.
    actor_ref = models.CharField(max_length=64)
    role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("what"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("record"), max_length=40)
    object_id = models.CharField(_("record id"), max_length=64)
    association_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Empty and null while the entry waits to be chained (accounts.audit.chain_pending).
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Which of AUDIT_LOG_KEYS signed it (a fingerprint of the key, never the key): the seal while
    # it waits, the hash once chained. Empty: written before the chain was keyed, covered by a
    # plain SHA-256 (the legacy segment).
    key_id = models.CharField(max_length=16, blank=True, default="")
    # Its place in the chain, given when it is chained (null: not chained yet). The chain's
    # order, which is not always the order of the ids: an entry whose transaction commits late
    # is chained after entries with higher ids.
    chain_position = models.BigIntegerField(null=True, blank=True, unique=True)
    # The entry's own signature while it waits to be chained (its id and content, with the key
    # named by `key_id`); emptied when it is chained, since the chained hash then covers it.
    # A database default, so that the previous release can still insert during an upgrade.
    seal = models.CharField(max_length=64, blank=True, default="", db_default="")

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ("-at", "-id")
        indexes = (
            # The entries waiting to be chained, in id order: few, found without a scan.
            models.Index(
                fields=["id"],
                condition=models.Q(chain_position__isnull=True),
                name="accesslog_unchained",
            ),
        )
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}"

    def content(self) -> str:
        """What the hash covers: everything but the (pseudonymisable) link to the person."""
        return "|".join(
            [
                self.at.isoformat(),
                self.actor_ref,
                self.role,
                self.action,
                self.object_type,
                self.object_id,
                str(self.association_id or ""),
                self.previous_hash,
            ]
        )

    def compute_hash(self, key: bytes | None = None) -> str:
        """HMAC-SHA256 of the content (and the key id) with `key`. Without a key: the plain
        SHA-256 that entries written before the chain was keyed carry."""
        if key is None:
            return hashlib.sha256(self.content().encode()).hexdigest()
        message = f"{self.key_id}|{self.content()}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def compute_seal(self, key: bytes) -> str:
        """HMAC-SHA256 with `key` of the entry's id, key id and content, as written (not chained:
        no previous hash). Bound to the id, so a copy of a sealed entry does not verify."""
        message = f"seal|{self.pk}|{self.key_id}|{self.content()}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()


class AccessLogHead(models.Model):
    """One row: the hash of the newest chained access log entry. Locked only by the task that
    chains the entries (never by a page view), so two chaining runs cannot both chain from the
    same entry.

    Signed like the entries (over the hash and `legacy_until`), so that neither cutting off the
    newest entries nor passing keyed entries off as unkeyed ones can be hidden by whoever can
    write the database.
    """

    hash = models.CharField(max_length=64, default="0" * 64)
    # The id of the last entry written before the chain was keyed (0: none). Entries after it
    # must be signed.
    legacy_until = models.BigIntegerField(default=0)
    key_id = models.CharField(max_length=16, blank=True, default="")
    signature = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return self.hash


class ListEntry(models.Model):
    """One entry of a programme list (accounts/lists.py) as a national admin changed it: its
    names in both languages, its place and whether it is offered. An entry nobody changed is
    read from the code's choices; `value` is what the records store (a bit or a code), so it
    never changes."""

    list_key = models.CharField(_("list"), max_length=40)
    value = models.CharField(_("stored value"), max_length=30)
    name_nb = models.CharField(_("Norwegian name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("place in the list"), default=0)
    active = models.BooleanField(_("in use"), default=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ("list_key", "position")
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["list_key", "value"], name="accounts_listentry_one_per_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.list_key}: {self.name_nb}"
