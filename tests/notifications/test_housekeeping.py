"""Housekeeping on the beat schedule: emails done with lose their recipient and text, read
notifications go, each after its retention period; and the schedule runs every such job."""

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from matching.notifications import NEW_REFERRAL
from notifications.models import Notification, OutboxMessage, OutboxStatus
from notifications.tasks import delete_read_notifications, scrub_sent_email
from ressursvenner.celery import app as celery_app

pytestmark = pytest.mark.django_db

HOUSEKEEPING_TASKS = [
    "accounts.retention_daily",
    "accounts.clear_expired_sessions",
    "notifications.scrub_sent_email",
    "notifications.delete_read_notifications",
]


def test_every_housekeeping_task_is_on_the_beat_schedule_daily_and_registered():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    celery_app.loader.import_default_modules()
    for name in HOUSEKEEPING_TASKS:
        assert name in celery_app.tasks, name
        daily = schedule[name]
        assert isinstance(daily, crontab), name
        assert len(daily.hour) == 1 and len(daily.minute) == 1, name
        assert daily.day_of_week == set(range(7)) and daily.day_of_month == set(range(1, 32))


def _email(user, status, *, made_days_ago: int, sent_days_ago: int | None = None):
    now = timezone.now()
    message = OutboxMessage.objects.create(
        recipient=user,
        to=user.email,
        template="",
        subject="Logg inn",
        body="Lenke: https://ressursvenner.example.org/konto/…",
        html="<p>Lenke</p>",
        context={"first_name": user.first_name},
        status=status,
        sent_at=None if sent_days_ago is None else now - timedelta(days=sent_days_ago),
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=now - timedelta(days=made_days_ago)
    )
    return message


def _whole(message: OutboxMessage) -> bool:
    message.refresh_from_db()
    return bool(message.to and message.recipient_id and message.body and message.subject)


def _scrubbed(message: OutboxMessage) -> bool:
    message.refresh_from_db()
    return (message.to, message.recipient_id, message.subject, message.body, message.html) == (
        "",
        None,
        "",
        "",
        "",
    ) and message.context == {}


def test_an_email_done_with_loses_its_recipient_and_text_after_the_period(
    coordinator_oslo, settings
):
    assert settings.RETENTION_SENT_EMAIL_DAYS == 30
    user = coordinator_oslo
    sent_long_ago = _email(user, OutboxStatus.SENT, made_days_ago=32, sent_days_ago=31)
    sent_lately = _email(user, OutboxStatus.SENT, made_days_ago=40, sent_days_ago=29)
    still_waiting = _email(user, OutboxStatus.PENDING, made_days_ago=40)
    given_up_long_ago = _email(user, OutboxStatus.FAILED, made_days_ago=31)
    given_up_lately = _email(user, OutboxStatus.FAILED, made_days_ago=5)
    stuck_long_ago = _email(user, OutboxStatus.SENDING, made_days_ago=31)

    scrub_sent_email.delay()

    assert _scrubbed(sent_long_ago) and _scrubbed(given_up_long_ago) and _scrubbed(stuck_long_ago)
    assert _whole(sent_lately) and _whole(still_waiting) and _whole(given_up_lately)
    # What stays still counts deliveries and failures.
    assert (sent_long_ago.status, given_up_long_ago.status) == (OutboxStatus.SENT, "failed")
    assert sent_long_ago.sent_at is not None


def test_the_email_retention_period_is_the_setting(coordinator_oslo, settings):
    settings.RETENTION_SENT_EMAIL_DAYS = 60
    sent = _email(coordinator_oslo, OutboxStatus.SENT, made_days_ago=50, sent_days_ago=50)
    scrub_sent_email.delay()
    assert _whole(sent)
    settings.RETENTION_SENT_EMAIL_DAYS = 45
    scrub_sent_email.delay()
    assert _scrubbed(sent)


def _notification(user, *, made_days_ago: int, read_days_ago: int | None):
    now = timezone.now()
    notification = Notification.objects.create(
        recipient=user,
        kind=NEW_REFERRAL,
        link="/",
        read_at=None if read_days_ago is None else now - timedelta(days=read_days_ago),
    )
    Notification.objects.filter(pk=notification.pk).update(
        created_at=now - timedelta(days=made_days_ago)
    )
    return notification


def test_read_notifications_are_deleted_after_the_period_and_unread_ones_stay(
    coordinator_oslo, coordinator_bergen, settings
):
    assert settings.RETENTION_READ_NOTIFICATION_DAYS == 90
    read_long_ago = _notification(coordinator_oslo, made_days_ago=120, read_days_ago=91)
    someone_elses = _notification(coordinator_bergen, made_days_ago=200, read_days_ago=150)
    unread_old = _notification(coordinator_oslo, made_days_ago=400, read_days_ago=None)
    read_lately = _notification(coordinator_oslo, made_days_ago=10, read_days_ago=5)
    old_but_read_lately = _notification(coordinator_oslo, made_days_ago=120, read_days_ago=1)

    delete_read_notifications.delay()

    assert set(Notification.objects.values_list("pk", flat=True)) == {
        unread_old.pk,
        read_lately.pk,
        old_but_read_lately.pk,
    }
    assert not Notification.objects.filter(pk__in=[read_long_ago.pk, someone_elses.pk]).exists()


def test_the_notification_retention_period_is_the_setting(coordinator_oslo, settings):
    settings.RETENTION_READ_NOTIFICATION_DAYS = 200
    read = _notification(coordinator_oslo, made_days_ago=150, read_days_ago=150)
    delete_read_notifications.delay()
    assert Notification.objects.filter(pk=read.pk).exists()
    settings.RETENTION_READ_NOTIFICATION_DAYS = 100
    delete_read_notifications.delay()
    assert not Notification.objects.filter(pk=read.pk).exists()
