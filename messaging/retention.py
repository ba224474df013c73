"""Retention of messages to many: a message and its recipient rows (who got it, when) are deleted
RETENTION_MESSAGE_DAYS after it was sent (one never sent: after it was written). Found by the
nightly job (accounts.retention.run_all)."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from messaging.models import Message


def due(by_date: date) -> QuerySet:
    cutoff = by_date - timedelta(days=settings.RETENTION_MESSAGE_DAYS)
    return Message.objects.filter(
        Q(sent_at__date__lt=cutoff) | Q(sent_at__isnull=True, created_at__date__lt=cutoff)
    )


def run(today: date) -> int:
    """Side effects: deletes the messages due, with their recipient rows. Returns how many
    messages."""
    messages = due(today)
    count = messages.count()
    messages.delete()
    return count
