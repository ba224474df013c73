"""Notifications in the app, email through an outbox, and the worker heartbeat.

Every email is written to the outbox in the same transaction as what caused it, and a worker
delivers it after commit. If the broker is down the page still works: the message waits in the
outbox and the periodic sweep sends it once workers run again.
"""

import contextlib
import json
import logging
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from email.policy import Compat32

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import (
    ERASED_EMAIL_DOMAIN,
    Association,
    Membership,
    Role,
    User,
    is_erased_email,
)
from notifications import kinds
from notifications.kinds import NotificationKind
from notifications.models import (
    Notification,
    OutboxMessage,
    OutboxStatus,
    ReminderSent,
    WorkerHeartbeat,
)
from notifications.notices import NOBODY_PRESENT

logger = logging.getLogger(__name__)

# Emails queued together (a sweep's reminders) go to the workers in chunks of this many ids.
DELIVERY_CHUNK = 50
# A chunk is sent over this many connections at once, from threads of the worker's process
# (outbox_deliver_chunk): while one waits for the mail server's answer, another builds its next
# email. With Celery's concurrency at the number of cores, 2 × cores connections at most.
SENDERS = 2
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
    replace: bool = False,
    reference: str = "",
) -> list[Notification]:
    """Tell each recipient (a User) that there is something to do, with a link to it: in the
    app, and by email unless `email` is False.

    With `replace`, a recipient's earlier notifications of the same kind and link are replaced
    by this one: the same news about the same thing is not listed twice (the bell counts it
    once, unread, again).

    `role` is the role in which the recipients have the task, with the association
    (coordinator, volunteer) or shelter (shelter staff) of it: the notification shows while she
    acts in that role, and opening it from another role switches to it.
    Side effects: one Notification per recipient; one outbox email per recipient (sent after
    commit). The text comes from `kind` alone: nothing about the case travels in it. A closed
    login (left, erased) is skipped: she could not open the link anyway. `reference` (a case's
    number, Referral.case_ref) is shown in the app's list only, never in the email.

    A notice for the coordinators of an association that finds none present (all away, or none
    at all) tells the national admins, once a day (nobody_present_alert).
    """
    kind = kinds.get(kind)  # an unregistered kind raises UnknownKind, before anything is written
    people = [user for user in recipients if user is not None and user.is_active]
    if (
        not people
        and role == Role.COORDINATOR
        and association_id is not None
        and not User.objects.active_coordinators_of(association_id).exists()
    ):
        nobody_present_alert(association_id=association_id)
    if replace and people:
        Notification.objects.filter(recipient__in=people, kind=kind, link=link).delete()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                link=link,
                role=role,
                association_id=association_id,
                shelter_id=shelter_id,
                reference=reference,
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


# The rule under which nobody_present_alert records (in ReminderSent) that it told her today.
NOBODY_PRESENT_RULE = "nobody_present"


@transaction.atomic
def nobody_present_alert(*, association_id: int, today: date | None = None) -> int:
    """Tell the national admins that the coordinators of an association are all away (or that it
    has none): its alerts and reminders reach nobody. Once a day per association and admin
    (recorded in ReminderSent, whose unique key decides), however many alerts find nobody.
    The notification names the association, never a person or a case. Returns how many were
    told.

    Side effects: ReminderSent rows; a Notification and an outbox email per admin told.
    """
    today = today or timezone.localdate()
    admins = list(
        User.objects.filter(
            memberships__role=Role.NATIONAL_ADMIN,
            memberships__ended_at__isnull=True,
            is_active=True,
        ).distinct()
    )
    if not admins:
        return 0
    sweep_id = uuid.uuid4()
    ReminderSent.objects.bulk_create(
        [
            ReminderSent(
                rule=NOBODY_PRESENT_RULE,
                object_id=association_id,
                recipient=admin,
                period=today.isoformat(),
                sweep=sweep_id,
            )
            for admin in admins
        ],
        ignore_conflicts=True,
    )
    told = set(ReminderSent.objects.filter(sweep=sweep_id).values_list("recipient_id", flat=True))
    association = Association.objects.only("name").get(pk=association_id)
    notify(
        recipients=[admin for admin in admins if admin.pk in told],
        kind=NOBODY_PRESENT,
        link="/",
        role=Role.NATIONAL_ADMIN,
        reference=association.name,
    )
    return len(told)


def nobody_present_check(*, today: date | None = None) -> int:
    """The daily check (with the reminder sweep): every association whose coordinators are all
    away today tells the national admins (nobody_present_alert, once a day). Returns how many
    associations."""
    today = today or timezone.localdate()
    with_coordinators = set(
        Membership.objects.active_coordinators().values_list("association_id", flat=True)
    )
    present = set(
        Membership.objects.active_coordinators()
        .present(today)
        .values_list("association_id", flat=True)
    )
    nobody = sorted(with_coordinators - present)
    for association_id in nobody:
        nobody_present_alert(association_id=association_id, today=today)
    return len(nobody)


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
    worker claims the ids itself (outbox_deliver_chunk), so a chunk run twice sends nothing twice.

    A message to an erased person's address is dropped here, the one door every email passes:
    the services refuse to act on her, and this makes sure that nothing reaches her either way.
    (The reminder sweep writes its outbox rows in SQL on PostgreSQL, notifications.reminders,
    with the same rule in its WHERE: `erased_email_sql`.)
    """
    erased = [message for message in messages if is_erased_email(message.to)]
    if erased:
        logger.warning("Dropped %s email(s) to an erased address", len(erased))
        messages = [message for message in messages if not is_erased_email(message.to)]
    if not messages:
        return []
    created = OutboxMessage.objects.bulk_create(messages)
    emails_enqueue([message.pk for message in created], in_chunks=in_chunks)
    return created


def erased_email_sql(column: str) -> str:
    """SQL that is true where `column` holds an erased person's address (is_erased_email)."""
    return f"lower(trim({column})) LIKE '%%@{ERASED_EMAIL_DOMAIN}'"


def emails_enqueue(ids: list[int], *, in_chunks: bool = False) -> None:
    """Hand the outbox messages `ids` (written in this transaction) to the workers after commit:
    one task each, or with `in_chunks` one task per DELIVERY_CHUNK ids."""
    if not ids:
        return
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


class _Headers(Compat32):
    """The standard library's compat32 policy, which Django's messages use, writing a header
    that needs no folding (ASCII, on one line, short enough) as it is instead of through the
    folding machinery, which gives the same bytes for it (tests/notifications/
    test_delivery_chunks.py) in several times the time: folding the dozen headers of each email
    was the largest part of sending one."""

    def fold_binary(self, name, value):
        if (
            isinstance(value, str)
            and value.isascii()
            and "\r" not in value
            and "\n" not in value
            and self.max_line_length is not None
            and len(name) + 2 + len(value) <= self.max_line_length
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


HEADERS = _Headers()


class _Email(EmailMultiAlternatives):
    """Django's email, written out faster, byte for byte the same apart from the boundary: its
    headers with HEADERS, and the MIME boundary of its parts chosen up front (left to itself the
    standard library draws one and compiles a regular expression to check that the text does not
    hold it, new for every email; a boundary made of a random UUID cannot be in a text written
    before it was drawn)."""

    def message(self, *args, **kwargs):
        message = super().message(*args, **kwargs)
        message.policy = HEADERS
        if message.is_multipart():
            message.set_boundary(f"==============={uuid.uuid4().hex}==")
        return message


def _render(message: OutboxMessage, *, server=None, texts=None) -> EmailMultiAlternatives:
    """The email of `message`, to be sent over `server` (a mail backend's connection). `texts`, a
    dict kept by the caller, holds what was rendered for an equal (template, language, context)
    already: a chunk of reminders renders each distinct text once."""
    if message.body:
        email = _Email(message.subject, message.body, to=[message.to], connection=server)
        if message.html:
            email.attach_alternative(message.html, "text/html")
        return email
    key = (message.template, message.language, json.dumps(message.context, sort_keys=True))
    rendered = texts.get(key) if texts is not None else None
    if rendered is None:
        with translation.override(message.language or settings.LANGUAGE_CODE):
            context = {**message.context, "site_url": settings.SITE_URL}
            if "kind" in context:
                context["text"] = kinds.get(context["kind"]).text
            rendered = (
                render_to_string(f"{message.template}_subject.txt", context).strip(),
                render_to_string(f"{message.template}.txt", context),
                render_to_string(f"{message.template}.html", context),
            )
        if texts is not None:
            texts[key] = rendered
    subject, text, html = rendered
    email = _Email(subject, text, to=[message.to], connection=server)
    email.attach_alternative(html, "text/html")
    return email


@transaction.atomic
def _claim(ids: list[int], now) -> list[OutboxMessage]:
    """Waiting → being sent, for those of `ids` that are waiting and due. Returns them.

    Their rows are locked first (ones another worker is claiming are skipped), so of two workers
    given the same id only one gets it; the other then finds it no longer waiting. The rows are
    found by id alone and checked here: a condition on the status in the query lets PostgreSQL
    scan every waiting message (the status index) when its statistics predate a sweep's burst.
    """
    rows = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk__in=ids)
    claimed = [
        message
        for message in rows.order_by("pk")
        if message.status == OutboxStatus.PENDING and message.next_attempt_at <= now
    ]
    if claimed:
        OutboxMessage.objects.filter(pk__in=[message.pk for message in claimed]).update(
            status=OutboxStatus.SENDING, attempts=F("attempts") + 1
        )
    for message in claimed:
        message.status, message.attempts = OutboxStatus.SENDING, message.attempts + 1
    return claimed


def outbox_deliver_chunk(*, message_ids: list[int]) -> int:
    """Send those of the outbox messages `message_ids` (a chunk, DELIVERY_CHUNK at most) that
    are waiting and due. Returns how many were sent.

    The claim (waiting → being sent) is one short transaction for the whole chunk (_claim), so
    two workers given the same chunk (a task run twice, a retry) never both send a message: each
    message is sent at most once. The chunk is then shared among SENDERS threads, each with one
    connection to the mail server for its share (so a worker process holds at most SENDERS
    connections): while one waits for the server's answer, the other builds its next email. Each
    email is sent on its own (one refused does not stop the others). The threads do no database
    work: when both are done, the failures are recorded and those sent are marked sent together,
    in one UPDATE.

    The price of a chunk: a worker that dies in between (killed; a warm shutdown finishes its
    task) leaves the chunk's claimed messages "being sent", never sent again (see OutboxMessage):
    up to DELIVERY_CHUNK emails, some of which went out and some not, shown to national admins as
    stuck, where one email at a time risked one. (Claiming and marking 10 at a time would narrow
    it to 10, but cost about a third more of the worker's time per email, measured.)
    Side effects: the messages sent become sent, their text erased; one that fails waits again
    with back-off, and after MAX_ATTEMPTS is marked failed.
    """
    now = timezone.now()
    claimed = _claim(sorted(set(message_ids)), now)
    if not claimed:
        return 0
    sent: list[int] = []
    failed: list[tuple[OutboxMessage, Exception]] = []
    shares = [claimed[start::SENDERS] for start in range(min(SENDERS, len(claimed)))]
    try:
        if len(shares) == 1:
            _send_share(shares[0], sent, failed)
        else:
            with ThreadPoolExecutor(max_workers=len(shares)) as senders:
                for done in [senders.submit(_send_share, share, sent, failed) for share in shares]:
                    done.result()  # what a thread raised, raised here
    finally:
        for message, error in failed:
            _failed(message, error, now)
        if sent:
            OutboxMessage.objects.filter(pk__in=sent).update(
                status=OutboxStatus.SENT,
                sent_at=timezone.now(),
                context={},
                subject="",
                body="",
                html="",
            )
    return len(sent)


def _send_share(messages: list[OutboxMessage], sent: list, failed: list) -> None:
    """Send `messages` over one connection, each on its own; what went out goes into `sent`,
    what failed into `failed` (with the error). No database work: it may run in a thread."""
    server = get_connection()
    texts: dict = {}
    try:
        for message in messages:
            try:
                email = _render(message, server=server, texts=texts)
                server.open()  # at the first message or after a failure; then kept open
                server.send_messages([email])
            except Exception as error:
                failed.append((message, error))
                _close(server)  # a broken connection is opened anew for the next message
            else:
                sent.append(message.pk)
    finally:
        _close(server)


def _close(server) -> None:
    """Close the connection to the mail server, quietly: it may be broken already (the backend
    forgets it either way, and opens a new one when asked to send)."""
    with contextlib.suppress(Exception):  # a connection that failed has nothing more to say
        server.close()


def _failed(message: OutboxMessage, error: Exception, now) -> None:
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


def outbox_deliver(*, message_id: int) -> bool:
    """Send one outbox message if it is waiting and due. Returns whether it was sent.

    As outbox_deliver_chunk, for one message: two workers given the same id never both send it.
    Side effects: the message becomes sent; or, on failure, waits again with back-off, and after
    MAX_ATTEMPTS is marked failed.
    """
    return outbox_deliver_chunk(message_ids=[message_id]) == 1


def outbox_sweep(*, limit: int = 500) -> int:
    """Deliver what is still waiting (the broker was down, or a retry is due), DELIVERY_CHUNK
    at a time. Returns how many were sent."""
    due = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(
        outbox_deliver_chunk(message_ids=due[start : start + DELIVERY_CHUNK])
        for start in range(0, len(due), DELIVERY_CHUNK)
    )


class DeliveryError(Exception):
    """A failed email that cannot be tried again; the message says why, for the national admin."""


@transaction.atomic
def outbox_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Try a failed email again (the national admin's page of failed deliveries): it waits
    again, with its attempts counted afresh, and is handed to the workers after commit.

    Not for an email whose address is gone (its recipient was erased, or the retention period
    emptied it), nor for a login email (rendered with a single-use link that has likely
    expired: she asks for a new one). Raises DeliveryError with the reason.
    Side effects: the message becomes waiting; one delivery task after commit.
    """
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != OutboxStatus.FAILED:
        raise DeliveryError(_("This email is no longer marked as failed."))
    if not message.to:
        raise DeliveryError(_("The address of this email has been erased: it cannot be sent."))
    if not message.template:
        raise DeliveryError(
            _(
                "A login email is not sent again: its link may have expired. "
                "She can ask for a new one on the login page."
            )
        )
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    emails_enqueue([message.pk])
    logger.info("Outbox message %s is tried again", message.pk)
    return message


def notification_mark_read(*, notification: Notification) -> None:
    """Side effects: sets read_at once."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_done(*, recipient_id: int, of_kinds: Iterable[str], link: str) -> int:
    """What these notifications asked of her is done (she answered, or it no longer waits for
    her): her unread ones of `of_kinds` with `link` are marked read. Returns how many.

    Side effects: sets read_at on them.
    """
    return (
        Notification.objects.filter(recipient_id=recipient_id, kind__in=list(of_kinds), link=link)
        .unread()
        .update(read_at=timezone.now())
    )


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
