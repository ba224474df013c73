"""Celery tasks: thin, ids only."""

from celery import shared_task

from messaging import services


@shared_task(name="messaging.deliver_message", ignore_result=True)
def deliver_message(*, message_id: int) -> None:
    """A message's notifications and emails, each recipient once (run twice, sends nothing
    twice)."""
    services.message_deliver(message_id=message_id)
