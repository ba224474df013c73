import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Association, Membership, Role, Shelter, acting_membership
from notifications import kinds


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the periodic heartbeat; the health check reads it.

    One row per name: "default", a worker ran the heartbeat task (what /helse/ reads); "beat",
    Celery beat's scheduler was alive (ressursvenner/beat.py); "backup", the last backup was
    made (ressursvenner/backup.py). Kept in the database (not a local cache or file) so that
    every process, on any host, sees the same value (`manage.py status` reads them all).
    """

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


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
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for notification in objs:
            kinds.get(notification.kind)  # an unregistered kind raises UnknownKind
        return super().bulk_create(objs, *args, **kwargs)

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
    # A code registered in notifications.kinds by the app that owns the event (no choices here:
    # a new kind needs no migration of notifications/).
    kind = models.CharField(
        _("kind"), max_length=kinds.CODE_MAX_LENGTH, validators=[kinds.validate_kind]
    )
    link = models.CharField(_("link"), max_length=300)
    # What it is about, by a neutral reference the list shows: a referral's number (Referral.
    # case_ref, never an alias or a name) or an association's name. Never in an email.
    reference = models.CharField(_("reference"), max_length=100, blank=True, default="")
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
                        role__in=[Role.COORDINATOR, Role.VOLUNTEER, Role.GROUP_LEADER],
                        association__isnull=False,
                        shelter__isnull=True,
                    )
                    | Q(role=Role.SHELTER_STAFF, association__isnull=True, shelter__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.text)

    def save(self, *args, **kwargs) -> None:
        kinds.get(self.kind)  # an unregistered kind raises UnknownKind
        super().save(*args, **kwargs)

    @property
    def text(self) -> str:
        """What the bell and the list say (the email says the kind's `text`)."""
        return kinds.get(self.kind).in_app_text

    @property
    def urgent(self) -> bool:
        return kinds.get(self.kind).urgent

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


class OutboxMessageQuerySet(models.QuerySet):
    def for_user(self, user) -> "OutboxMessageQuerySet":
        """The outbox is the national admin's to watch (what could not be delivered); nobody
        else's."""
        acting = acting_membership(user) if user.is_authenticated else None
        if acting is not None and acting.role == Role.NATIONAL_ADMIN:
            return self.all()
        return self.none()

    def failed(self) -> "OutboxMessageQuerySet":
        return self.filter(status=OutboxStatus.FAILED)


class OutboxMessage(models.Model):
    """An email waiting to be sent, written in the same transaction as what caused it.

    A worker claims it (pending → sending), sends it and marks it sent. A message left in
    "sending" by a worker that died is not sent again: a duplicate at the wrong moment can itself
    expose someone, so a missed message that national admins can see is the safer failure.
    """

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
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

    objects = OutboxMessageQuerySet.as_manager()

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
