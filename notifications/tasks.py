"""Celery tasks: thin, ids only, quiet when the object is gone."""

from celery import shared_task

from notifications import reminders, services


@shared_task(name="notifications.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Periodic proof that beat schedules and a worker runs: records the time it ran."""
    services.heartbeat_record(name="default")


@shared_task(name="notifications.deliver_email", ignore_result=True)
def deliver_email(*, message_id: int) -> None:
    services.outbox_deliver(message_id=message_id)


@shared_task(name="notifications.deliver_emails", ignore_result=True)
def deliver_emails(*, message_ids: list[int]) -> None:
    """A chunk of a sweep's emails: claimed together, sent over SENDERS connections."""
    services.outbox_deliver_chunk(message_ids=message_ids)


@shared_task(name="notifications.deliver_pending", ignore_result=True)
def deliver_pending() -> None:
    """Every minute: what the broker could not take, and retries that are due."""
    services.outbox_sweep()


@shared_task(name="notifications.sweep_reminders", ignore_result=True)
def sweep_reminders() -> None:
    """Every morning: every reminder rule, each reminder once; then the national admins hear of
    each association whose coordinators are all away today."""
    reminders.sweep()
    services.nobody_present_check()


@shared_task(name="notifications.send_digests", ignore_result=True)
def send_digests() -> None:
    """Monday morning: the weekly digest for coordinators who chose it."""
    reminders.digests_send()


@shared_task(name="notifications.scrub_sent_email", ignore_result=True)
def scrub_sent_email() -> None:
    """Every night: emails done with lose their recipient and text after the retention period."""
    services.outbox_scrub_done()


@shared_task(name="notifications.delete_read_notifications", ignore_result=True)
def delete_read_notifications() -> None:
    """Every night: notifications read longer ago than the retention period are deleted."""
    services.notifications_delete_read()
