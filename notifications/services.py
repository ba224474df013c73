"""Notifications in the app, email through an outbox, and the worker heartbeat.

Every email is written to the outbox in the same transaction as what caused it, and a worker
delivers it after commit. If the broker is down the page still works: the message waits in the
outbox and the periodic sweep sends it once workers run again.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Membership, Role, is_erased_email
from notifications import kinds
from notifications.kinds import NotificationKind
from notifications.models import Notification, OutboxMessage, OutboxStatus, WorkerHeartbeat

logger = logging.getLogger(__name__)

# Emails queued together (a sweep's reminders) go to the workers in chunks of this many ids.
DELIVERY_CHUNK = 50
# After this many failed attempts a message is marked failed and shown to national admins.
MAX_ATTEMPTS = 5


@transaction.atomic
def heartbeat_record(*, name: str) -> WorkerHeartbeat:
    """Record that a worker is alive now.

    Side effects: creates or updates the WorkerHeartbeat row called `name`.
    """
    beat, _created = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now()}
    )
    return beat


def notify(
    *,
    recipients: Iterable,
    kind: NotificationKind,
    link: str,
    role: Role,
    association_id: int | None = None,
    shelter_id: int | None = None,
    email: bool = True,
) -> list[Notification]:
    """Tell each recipient (a User) that there is something to do, with a link to it: in the
    app, and by email unless `email` is False.

    `role` is the role in which the recipients have the task, with the association
    (coordinator, volunteer) or shelter (shelter staff) of it: the notification shows while she
    acts in that role, and opening it from another role switches to it.
    Side effects: one Notification per recipient; one outbox email per recipient (sent after
    commit). The text comes from `kind` alone: nothing about the case travels in it. A closed
    login (left, erased) is skipped: she could not open the link anyway.
    """
    kind = kinds.get(kind)  # an unregistered kind raises UnknownKind, before anything is written
    people = [user for user in recipients if user is not None and user.is_active]
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                link=link,
                role=role,
                association_id=association_id,
                shelter_id=shelter_id,
            )
            for user in people
        ]
    )
    if email:
        emails_queue(
            [
                OutboxMessage(
                    recipient=user,
                    to=user.email,
                    template="notifications/email/task",
                    context={"kind": kind.code, "link": link},
                    language=user.language,
                )
                for user in people
                if user.email
            ]
        )
    return notifications


def email_send(
    *, to: str, template: str, context: dict, language: str | None = None, recipient=None
) -> OutboxMessage | None:
    """Queue one email from `<template>_subject.txt`, `<template>.txt` and `<template>.html`.

    Side effects: one OutboxMessage in the current transaction; delivery is enqueued on commit.
    """
    queued = emails_queue(
        [
            OutboxMessage(
                recipient=recipient,
                to=to,
                template=template,
                context=context,
                language=language or settings.LANGUAGE_CODE,
            )
        ]
    )
    return queued[0] if queued else None


def emails_queue(messages: list[OutboxMessage], *, in_chunks: bool = False) -> list[OutboxMessage]:
    """Write `messages` to the outbox and deliver them after commit (ids only to the worker).

    One task per message, so an interactive email goes out at once; with `in_chunks` (a sweep,
    the digest: many emails nobody waits for) one task per DELIVERY_CHUNK ids, so queueing
    costs a few publishes however many emails there are. Each message is still sent once: the
    worker claims every id on its own (outbox_deliver), so a chunk run twice sends nothing twice.

    A message to an erased person's address is dropped here, the one door every email passes:
    the services refuse to act on her, and this makes sure that nothing reaches her either way.
    """
    erased = [message for message in messages if is_erased_email(message.to)]
    if erased:
        logger.warning("Dropped %s email(s) to an erased address", len(erased))
        messages = [message for message in messages if not is_erased_email(message.to)]
    if not messages:
        return []
    created = OutboxMessage.objects.bulk_create(messages)
    ids = [message.pk for message in created]
    size = DELIVERY_CHUNK if in_chunks else 1
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]

    def enqueue() -> None:
        from notifications.tasks import deliver_email, deliver_emails

        for chunk in chunks:
            try:
                if in_chunks:
                    deliver_emails.delay(message_ids=chunk)
                else:
                    deliver_email.delay(message_id=chunk[0])
            except Exception:  # the broker is down: the periodic sweep delivers them later
                logger.warning(
                    "Could not enqueue %s outbox message(s) from %s; the sweep will send them",
                    len(chunk),
                    chunk[0],
                )

    transaction.on_commit(enqueue)
    return created


def email_queue_rendered(
    *, to: str, subject: str, body: str, html: str = "", recipient=None
) -> OutboxMessage | None:
    """Queue an email rendered by someone else (login emails from accounts and allauth).

    Side effects: one OutboxMessage; delivery enqueued on commit; its text is erased once sent.
    """
    queued = emails_queue(
        [
            OutboxMessage(
                recipient=recipient, to=to, template="", subject=subject, body=body, html=html
            )
        ]
    )
    return queued[0] if queued else None


def _render(message: OutboxMessage) -> EmailMultiAlternatives:
    if message.body:
        email = EmailMultiAlternatives(message.subject, message.body, to=[message.to])
        if message.html:
            email.attach_alternative(message.html, "text/html")
        return email
    with translation.override(message.language or settings.LANGUAGE_CODE):
        context = {**message.context, "site_url": settings.SITE_URL}
        if "kind" in context:
            context["text"] = kinds.get(context["kind"]).text
        subject = render_to_string(f"{message.template}_subject.txt", context).strip()
        text = render_to_string(f"{message.template}.txt", context)
        html = render_to_string(f"{message.template}.html", context)
    email = EmailMultiAlternatives(subject, text, to=[message.to])
    email.attach_alternative(html, "text/html")
    return email


def outbox_deliver(*, message_id: int) -> bool:
    """Send one outbox message if it is waiting and due. Returns whether it was sent.

    The claim (waiting → being sent) is one conditional UPDATE, so two workers given the same
    id never both send it.
    Side effects: the message becomes sent; or, on failure, waits again with back-off, and after
    MAX_ATTEMPTS is marked failed.
    """
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).update(status=OutboxStatus.SENDING, attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        _render(message).send()
    except Exception as error:
        failed = message.attempts >= MAX_ATTEMPTS
        message.status = OutboxStatus.FAILED if failed else OutboxStatus.PENDING
        message.next_attempt_at = now + timedelta(minutes=2**message.attempts)
        message.last_error = type(error).__name__[:300]  # never the message or its content
        message.save(update_fields=["status", "next_attempt_at", "last_error"])
        logger.warning(
            "Outbox message %s failed (attempt %s): %s",
            message.pk,
            message.attempts,
            type(error).__name__,
        )
        return False
    message.status, message.sent_at = OutboxStatus.SENT, timezone.now()
    message.context, message.subject, message.body, message.html = {}, "", "", ""
    message.save(update_fields=["status", "sent_at", "context", "subject", "body", "html"])
    return True


def outbox_sweep(*, limit: int = 500) -> int:
    """Deliver what is still waiting (the broker was down, or a retry is due). Returns how many
    were sent."""
    due = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(outbox_deliver(message_id=pk) for pk in due)


def notification_mark_read(*, notification: Notification) -> None:
    """Side effects: sets read_at once."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user, membership: Membership | None) -> int:
    """Mark read what she sees in the role she acts in (`membership`; None: every role).

    Side effects: sets read_at on those unread notifications of `user`.
    """
    return (
        Notification.objects.for_user(user)
        .for_role(membership)
        .unread()
        .update(read_at=timezone.now())
    )


def outbox_forget(*, email: str, user=None) -> int:
    """A person is being erased: the outbox keeps neither her address nor what was written to her.

    Messages still waiting are not sent (they fail with "RecipientErased"); every row to her
    address, or to her login, loses its address and text at once rather than after the
    retention period. Returns how many rows were touched.
    """
    rows = OutboxMessage.objects.filter(
        Q(to__iexact=email) | Q(recipient=user) if user else Q(to__iexact=email)
    )
    rows.filter(status=OutboxStatus.PENDING).update(
        status=OutboxStatus.FAILED, last_error="RecipientErased"
    )
    return rows.update(to="", recipient=None, context={}, subject="", body="", html="")


# --- Housekeeping (nightly, on the beat schedule) ---------------------------------------------


def outbox_scrub_done(*, now=None) -> int:
    """Erase the recipient and the text of emails that are done with, RETENTION_SENT_EMAIL_DAYS
    after they were sent; failed ones (given up after MAX_ATTEMPTS) and ones left "being sent" by
    a worker that died (never sent again) the same number of days after they were made. What
    stays (template, status, attempts, times, the error's type) still counts deliveries and
    failures; for a failure the period is the time to look into it. A message still waiting is
    kept whole: it has yet to go out. Returns how many were erased.

    Side effects: empties `to`, `recipient`, `context`, `subject`, `body` and `html` of those rows.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETENTION_SENT_EMAIL_DAYS)
    done = Q(status=OutboxStatus.SENT, sent_at__lt=cutoff) | Q(
        status__in=[OutboxStatus.FAILED, OutboxStatus.SENDING], created_at__lt=cutoff
    )
    return (
        OutboxMessage.objects.filter(done)
        .exclude(to="", recipient=None)
        .update(to="", recipient=None, context={}, subject="", body="", html="")
    )


def notifications_delete_read(*, now=None) -> int:
    """Delete the notifications read more than RETENTION_READ_NOTIFICATION_DAYS ago (so one
    that waited long unread stays that long after she read it). Unread ones stay: each is
    something still to do. Returns how many were deleted.

    Side effects: deletes those Notification rows (the reminders' record of what was sent, in
    ReminderSent, stays, so no reminder goes out again).
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETENTION_READ_NOTIFICATION_DAYS)
    deleted, _by_model = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted
