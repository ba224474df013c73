"""A message to many: a coordinator's to her association's volunteers, or a national admin's to
coordinators. One Message, and one MessageRecipient per person it goes to (written with it, in
one transaction): the unique keys make sure nobody gets it twice, and `delivered_at` says whose
notification and email are made already (messaging.services.message_deliver)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Association, Role, acting_membership


class MessageQuerySet(models.QuerySet):
    def for_user(self, user) -> "MessageQuerySet":
        """Those she wrote or that were written in her association (coordinator), or the national
        administration's (national admin)."""
        acting = acting_membership(user) if user.is_authenticated else None
        if acting is None:
            return self.none()
        if acting.role == Role.COORDINATOR:
            return self.filter(association_id=acting.association_id)
        if acting.role == Role.NATIONAL_ADMIN:
            return self.filter(association__isnull=True)
        return self.none()

    def received_by(self, user) -> "MessageQuerySet":
        """Those sent to her (in any role), newest first."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipients__user=user, sent_at__isnull=False)


class Message(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The association whose coordinator wrote it; none: the national administration's.
    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"))
    subject_en = models.CharField(_("subject in English"), max_length=150, blank=True)
    body_en = models.TextField(_("message in English"), blank=True)
    # The filter she chose, as she chose it (status codes, course and group public ids,
    # language codes, association ids).
    criteria = models.JSONField(_("recipients chosen by"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The one-time token of the preview it was sent from: a second send with it (a double click,
    # a retried request) creates nothing (messaging.services.message_create).
    send_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.subject

    def text_in(self, language: str) -> tuple[str, str]:
        """Subject and text in `language`: the English ones where she wrote them and the
        recipient reads English, else the Norwegian."""
        if language == "en" and self.subject_en and self.body_en:
            return self.subject_en, self.body_en
        return self.subject, self.body


class MessageRecipient(models.Model):
    """One person a message goes to: a user (in-app and by email), or a volunteer without a
    login (by email only, to her record's address read when it is sent: no copy of it is kept
    here, so her erasure leaves none behind)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10, default="nb")
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="messaging_once_per_user"),
            models.UniqueConstraint(
                fields=["message", "volunteer"], name="messaging_once_per_volunteer"
            ),
            models.CheckConstraint(
                name="messaging_recipient_is_someone",
                condition=Q(user__isnull=False) | Q(volunteer__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}→{self.user_id or self.volunteer_id}"
