import pytest
from django.conf import settings

from notifications.models import WorkerHeartbeat
from notifications.tasks import heartbeat
from ressursvenner.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_the_heartbeat_is_in_the_beat_schedule_and_registered_with_the_worker():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.heartbeat" in scheduled
    celery_app.loader.import_default_modules()
    assert "notifications.heartbeat" in celery_app.tasks


def test_the_heartbeat_records_when_it_ran():
    assert not WorkerHeartbeat.objects.exists()
    heartbeat.delay()
    first = WorkerHeartbeat.objects.get(name="default").beat_at
    heartbeat.delay()
    assert WorkerHeartbeat.objects.count() == 1
    assert WorkerHeartbeat.objects.get(name="default").beat_at >= first
