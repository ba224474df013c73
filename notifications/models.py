import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Association, Membership, Role, Shelter


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the periodic heartbeat; the health check reads it.

    One row per worker queue name. Kept in the database (not a local cache) so that every web
    process, on any host, sees the same value.
    """

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Kind(models.TextChoices):
    """What a notification is about. The text a person reads comes from the kind alone, so a
    notification can never carry a name, a note or any detail: only that there is something to
    do, and a link to where it is."""

    NEW_APPLICATION = "new_application", _("A new application is waiting for you.")
    APPLICATION_REPEATED = (
        "application_repeated",
        _("An applicant has sent her application again. It was merged with the one you have."),
    )
    APPLICATION_OUTSIDE_AREA = (
        "application_outside_area",
        _("An application came from outside every association's area."),
    )
    SESSION_CANCELLED = (
        "session_cancelled",
        _("A course session you were signed up for is cancelled."),
    )
    SESSION_SEAT = "session_seat", _("You have got a seat on a course session.")
    SESSION_CHANGED = (
        "session_changed",
        _("A course session you are signed up for has a new time or place."),
    )
    SESSION_ENROLLED = "session_enrolled", _("You have been signed up for a course session.")
    APPROVED = "approved", _("You are approved as a ressursvenn. Welcome!")
    NEW_REFERRAL = "new_referral", _("A new referral is waiting for you.")
    REFERRAL_STATUS = "referral_status", _("A referral from you has a new status.")
    REFERRAL_WITHDRAWN = "referral_withdrawn", _("A referral has been withdrawn.")
    MATCH_PROPOSED = "match_proposed", _("You have a new task. Log in to see it.")
    MATCH_CHANGED = "match_changed", _("There is news about your match. Log in to see it.")
    MATCH_ACCEPTED = (
        "match_accepted",
        _("A volunteer has said yes to a proposal. Plan the first meeting."),
    )
    MATCH_DECLINED = (
        "match_declined",
        _("A volunteer has said no to a proposal. The referral waits for a volunteer again."),
    )
    CONCERN = "concern", _("A volunteer has raised a concern. Log in to see it.")
    SESSION_SOON = "session_soon", _("You have a course session in two days.")
    NO_MEETING_VOLUNTEER = (
        "no_meeting_volunteer",
        _("It is a while since you logged a meeting. Log in to log one."),
    )
    NO_MEETING_COORDINATOR = (
        "no_meeting_coordinator",
        _("A match has had no meeting logged for four weeks."),
    )
    TRY_AGAIN = "try_again", _("Last time you could not reach her. Perhaps try again?")
    APPLICATION_WAITING = "application_waiting", _("An application has waited a week for you.")
    REFERRAL_WAITING = "referral_waiting", _("A referral has waited two working days for you.")
    FOLLOW_UP_DUE = "follow_up_due", _("A follow-up conversation is due.")
    COMMITMENT_ENDING = "commitment_ending", _("A year of commitment ends within 30 days.")
    RETENTION_SOON = (
        "retention_soon",
        _(
            "Personal data of a finished case will be erased in 30 days, as the retention rules say."
        ),
    )
    MATCH_ENDING = (
        "match_ending",
        _("A match reaches its planned end within 30 days: time for the closing conversation."),
    )


# In the app she is logged in already: where the email says "Log in to see it", the bell says
# what there is to do. Still nothing about the case.
IN_APP_TEXT = {
    Kind.MATCH_PROPOSED: _("A proposed match is waiting for your answer."),
    Kind.MATCH_CHANGED: _("There is news about your match."),
    Kind.CONCERN: _("A volunteer has raised a concern. Follow it up."),
    Kind.NO_MEETING_VOLUNTEER: _("It is a while since you logged a meeting. Have you met?"),
}


def in_role(membership: Membership) -> Q:
    """The notifications meant for her in `membership`'s role (and its association or shelter),
    and those without a role (made before notifications knew roles: shown in every role).

    The one place that says which notifications belong to which role; see Notification.is_for.
    """
    return Q(role="") | _scope(membership)


def _scope(membership: Membership) -> Q:
    return Q(
        role=membership.role,
        association_id=membership.association_id,
        shelter_id=membership.shelter_id,
    )


def in_any_of(memberships) -> Q:
    """Notifications with a role, meant for one of `memberships` (never the role-less ones)."""
    q = Q(pk__in=[])
    for membership in memberships:
        q |= _scope(membership)
    return q


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> "NotificationQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def for_role(self, membership: Membership | None) -> "NotificationQuerySet":
        """Those she sees while acting in `membership`; all of hers when she acts in none."""
        return self if membership is None else self.filter(in_role(membership))

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notification: a kind and a link, for one person in one of her roles.

    The role (with the association or shelter of it) says where the task is: she sees the
    notification while acting in that role, and opening it from another role switches to it.
    Without a role (notifications made before roles were recorded) it shows in every role.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    role = models.CharField(_("for the role"), max_length=20, choices=Role.choices, blank=True)
    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    shelter = models.ForeignKey(
        Shelter, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    link = models.CharField(_("link"), max_length=300)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            # The same scopes as a membership's, plus no role at all.
            models.CheckConstraint(
                name="notifications_notification_scope_matches_role",
                condition=(
                    Q(
                        role__in=["", Role.NATIONAL_ADMIN],
                        association__isnull=True,
                        shelter__isnull=True,
                    )
                    | Q(
                        role__in=[Role.COORDINATOR, Role.VOLUNTEER],
                        association__isnull=False,
                        shelter__isnull=True,
                    )
                    | Q(role=Role.SHELTER_STAFF, association__isnull=True, shelter__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.text)

    @property
    def text(self) -> str:
        """What the bell and the list say (the email says the kind's label)."""
        kind = Kind(self.kind)
        return str(IN_APP_TEXT.get(kind) or kind.label)

    def is_for(self, membership: Membership | None) -> bool:
        """Whether she sees it while acting in `membership` (the rule of `in_role`)."""
        return (
            membership is None
            or not self.role
            or (self.role, self.association_id, self.shelter_id)
            == (membership.role, membership.association_id, membership.shelter_id)
        )

    def membership_among(self, memberships) -> Membership | None:
        """Which of `memberships` (her active ones) it is meant for, if any."""
        return next((m for m in memberships if self.role and self.is_for(m)), None)


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """An email waiting to be sent, written in the same transaction as what caused it.

    A worker claims it (pending → sending), sends it and marks it sent. A message left in
    "sending" by a worker that died is not sent again: a duplicate at the wrong moment can itself
    expose someone, so a missed message that national admins can see is the safer failure.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    to = models.EmailField(_("to"))
    template = models.CharField(_("template"), max_length=100)
    context = models.JSONField(_("context"), default=dict, blank=True)
    # Rendered already (login emails carry single-use links): used as they are, and emptied
    # once sent, like the context, so a link never outlives its delivery in the database.
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="nb")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutboxStatus.choices,
        default=OutboxStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ("created_at",)
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.template} ({self.status})"


class ReminderSent(models.Model):
    """That a reminder went out: rule, object, recipient and period, once and only once."""

    rule = models.CharField(max_length=50)
    object_id = models.BigIntegerField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(max_length=20, default="")
    sweep = models.UUIDField(db_index=True)
    digest = models.BooleanField(default=False)
    digested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "object_id", "recipient", "period"],
                name="notifications_remindersent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule}:{self.object_id}→{self.recipient_id}"
