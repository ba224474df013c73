"""Writing and sending a message to many.

message_create writes the message and one MessageRecipient per person in one transaction, and
hands the fan-out to a worker after commit; message_deliver (the task) makes each recipient's
notification and email once: a recipient delivered already is skipped, so the task run twice (a
retry, a second worker) sends nobody anything twice.
"""

import logging
import uuid

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from common.outing import outing_words
from messaging.models import Message, MessageRecipient
from messaging.notifications import FROM_COORDINATOR, FROM_NATIONAL
from messaging.selectors import Recipient
from notifications.models import OutboxMessage
from notifications.services import emails_queue, notify

logger = logging.getLogger(__name__)

EMAIL_TEMPLATE = "messaging/email/message"


class MessageError(ValueError):
    """A message that may not be sent, with the reason for the person who wrote it."""


class MessageAlreadySent(MessageError):
    """The send was asked for twice (a double click, a retried request): the first was sent."""


def outing_words_refusal(words: list[str]) -> str:
    return _(
        "The text holds a word that could out someone if it is read over a shoulder or on a "
        "lock screen: %(words)s. Write it without."
    ) % {"words": ", ".join(f"«{word}»" for word in words)}


def message_create(
    *,
    author,
    association_id: int | None,
    subject: str,
    body: str,
    subject_en: str = "",
    body_en: str = "",
    criteria: dict,
    recipients: list[Recipient],
    send_token: uuid.UUID | None = None,
) -> Message:
    """Write a message from `author` (a coordinator of `association_id`, or a national admin with
    None) to `recipients` (messaging.selectors), and send it.

    Refused (MessageError) when a text holds an outing word (settings.SENSITIVE_WORDS) or nobody
    would get it. `send_token` is the one-time token of the preview she sent from: a second
    send with it (a double click, a retried request) creates nothing and raises
    MessageAlreadySent. Side effects: a Message and one MessageRecipient per person, in one
    transaction; after commit, the task message_deliver makes their notifications and emails.
    """
    words = outing_words(" ".join([subject, body, subject_en, body_en]))
    if words:
        raise MessageError(outing_words_refusal(words))
    if not recipients:
        raise MessageError(_("Nobody matches the filter. Choose others."))
    if send_token is not None and Message.objects.filter(send_token=send_token).exists():
        raise MessageAlreadySent(_("The message has already been sent."))
    try:
        return _message_write(
            author=author,
            association_id=association_id,
            subject=subject,
            body=body,
            subject_en=subject_en,
            body_en=body_en,
            criteria=criteria,
            recipients=recipients,
            send_token=send_token,
        )
    except IntegrityError:
        # Two sends with one token at once: the other one's row won the unique key.
        if send_token is not None and Message.objects.filter(send_token=send_token).exists():
            raise MessageAlreadySent(_("The message has already been sent.")) from None
        raise


def _message_write(
    *,
    author,
    association_id,
    subject,
    body,
    subject_en,
    body_en,
    criteria,
    recipients,
    send_token,
) -> Message:
    with transaction.atomic():
        message = Message.objects.create(
            send_token=send_token,
            association_id=association_id,
            author=author,
            subject=subject,
            body=body,
            subject_en=subject_en if body_en else "",
            body_en=body_en if subject_en else "",
            criteria=criteria,
        )
        MessageRecipient.objects.bulk_create(
            [
                MessageRecipient(
                    message=message,
                    user=recipient.user,
                    volunteer=recipient.volunteer,
                    language=recipient.language,
                )
                for recipient in recipients
            ],
            ignore_conflicts=True,
        )

        def enqueue() -> None:
            from messaging.tasks import deliver_message

            try:
                deliver_message.delay(message_id=message.pk)
            except Exception:  # the broker is down: the list shows it as not sent yet
                logger.warning("Could not enqueue message %s", message.pk)

        transaction.on_commit(enqueue)
    return message


def message_deliver(*, message_id: int) -> int:
    """Make the notification and the email of every recipient of the message not delivered yet.
    Returns how many were delivered now.

    The message's row is locked for the whole transaction, so two runs at once take turns, and
    the second finds everyone delivered: nobody gets it twice. Each email is in the recipient's
    language where the author wrote both (messaging.models.Message.text_in).
    Side effects: Notifications (for logins) and outbox emails; delivered_at of each recipient,
    the message's sent_at.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("association")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return 0
        pending = list(
            message.recipients.filter(delivered_at__isnull=True).select_related("user", "volunteer")
        )
        if not pending:
            return 0
        users = [r.user for r in pending if r.user is not None]
        link = reverse("my_messages")
        if message.association_id is not None:
            notify(
                recipients=users,
                kind=FROM_COORDINATOR,
                link=link,
                role=Role.VOLUNTEER,
                association_id=message.association_id,
                email=False,
            )
        else:
            # Each coordinator is told in the role of one of her associations.
            where = dict(
                Membership.objects.active_coordinators()
                .filter(user__in=users)
                .order_by("-association_id")
                .values_list("user_id", "association_id")
            )
            by_association: dict[int, list] = {}
            for user in users:
                if user.pk in where:
                    by_association.setdefault(where[user.pk], []).append(user)
            for association_id, people in by_association.items():
                notify(
                    recipients=people,
                    kind=FROM_NATIONAL,
                    link=link,
                    role=Role.COORDINATOR,
                    association_id=association_id,
                    email=False,
                )
        association = message.association.name if message.association else ""
        emails = []
        for recipient in pending:
            if recipient.user is not None:
                # A login closed since she wrote it: she could not open it (as notify skips her).
                address = recipient.user.email if recipient.user.is_active else ""
            else:
                address = recipient.volunteer.email if recipient.volunteer else ""
            if not address:
                continue
            subject, body = message.text_in(recipient.language)
            emails.append(
                OutboxMessage(
                    recipient=recipient.user,
                    to=address,
                    template=EMAIL_TEMPLATE,
                    context={
                        "subject": subject,
                        "body": body,
                        "association": association,
                        # Nothing to log in to for one without a login: no link at all.
                        "link": link if recipient.user else "",
                    },
                    language=recipient.language,
                )
            )
        emails_queue(emails, in_chunks=True)
        now = timezone.now()
        MessageRecipient.objects.filter(pk__in=[r.pk for r in pending]).update(delivered_at=now)
        if message.sent_at is None:
            message.sent_at = now
            message.save(update_fields=["sent_at"])
    return len(pending)
