"""manage.py status: the facts a monitor alerts on, for a person, and an exit code for cron,
monit or Nagios; and beat's own sign of life, which the status reads."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.utils import OperationalError
from django.utils import timezone

from notifications.models import OutboxMessage, WorkerHeartbeat
from notifications.services import heartbeat_record
from ressursvenner import status
from ressursvenner.beat import RecordingScheduler
from ressursvenner.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def all_well(settings, tmp_path):
    """Everything alive and recent; the broker is the suite's own, or the filesystem one."""
    settings.BACKUP_DIR = str(tmp_path)
    for name in ("default", "beat", "backup"):
        heartbeat_record(name=name)


def _status() -> tuple[str, str]:
    out = StringIO()
    try:
        call_command("status", stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), ""


def _line(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(name))


def test_all_well_prints_every_fact_and_exits_zero(all_well, settings):
    output, error = _status()
    assert error == ""
    for name in ("database", "broker", "worker", "beat", "outbox", "backup", "disk"):
        assert _line(output, name).split()[1] == "ok", output
    assert _line(output, "access log").split()[2] == "ok", output
    assert settings.APP_VERSION in _line(output, "version")
    assert "encryption key " in _line(output, "keys")
    for key in settings.FIELD_ENCRYPTION_KEYS + settings.AUDIT_LOG_KEYS:
        assert key not in output


def test_an_email_waiting_over_15_minutes_is_a_stuck_outbox(all_well):
    message = OutboxMessage.objects.create(to="x@example.no", template="t")
    output, error = _status()
    assert error == "" and "1 waiting" in _line(output, "outbox")

    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=16)
    )
    output, error = _status()
    assert error == "1 wrong: outbox."
    assert "FAILED" in _line(output, "outbox") and "the oldest for 16 min" in output


def test_an_access_log_entry_waiting_over_10_minutes_to_be_chained_is_late(all_well):
    from accounts.audit import access_log_record
    from accounts.models import AccessLog

    entry = access_log_record(
        user=None, role="coordinator", action="view", object_type="referral", object_id="x"
    )
    output, error = _status()
    assert error == ""
    assert _line(output, "access log").split()[2] == "ok"
    assert "1 entries waiting to be chained" in _line(output, "access log")

    # The chaining task stopped (no worker, no beat, or it refuses a head it cannot trust).
    AccessLog.objects.filter(pk=entry.pk).update(at=timezone.now() - timedelta(minutes=11))
    output, error = _status()
    assert error == "1 wrong: access log."
    assert "FAILED" in _line(output, "access log") and "the oldest for 11 min" in output


def test_a_silent_beat_is_named_apart_from_the_worker(all_well):
    WorkerHeartbeat.objects.filter(name="beat").update(
        beat_at=timezone.now() - timedelta(minutes=6)
    )
    output, error = _status()
    assert error == "1 wrong: beat."
    assert "last alive 6 min ago" in _line(output, "beat")
    assert "ok" in _line(output, "worker")


def test_no_backup_within_a_day_is_wrong_unless_not_checked(all_well, settings):
    WorkerHeartbeat.objects.filter(name="backup").update(
        beat_at=timezone.now() - timedelta(hours=27)
    )
    assert _status()[1] == "1 wrong: backup."
    settings.BACKUP_MAX_AGE_HOURS = 0  # backups made another way
    output, error = _status()
    assert error == "" and "not checked" in _line(output, "backup")


def test_a_nearly_full_disk_is_wrong():
    def nearly_full(path):
        return (100 * 10**9, 95 * 10**9, 5 * 10**9)

    fact = status.disk_fact(usage=nearly_full)
    assert fact.ok is False
    assert "var/ 5.0 GB free (5 %)" in fact.text


@pytest.fixture
def beat_turns(monkeypatch):
    """The scheduler's own turn sends nothing and asks for 7 s; the test's transaction is not
    the kind of connection beat drops between turns (close_old_connections would close it)."""
    monkeypatch.setattr("celery.beat.PersistentScheduler.tick", lambda self, *a, **k: 7.0)
    monkeypatch.setattr("ressursvenner.beat.close_old_connections", lambda: None)


def test_beat_records_that_it_is_alive_at_most_every_half_minute(beat_turns, tmp_path):
    scheduler = RecordingScheduler(
        app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True
    )
    assert scheduler.tick() == 7.0
    first = WorkerHeartbeat.objects.get(name="beat").beat_at
    scheduler.tick()
    assert WorkerHeartbeat.objects.get(name="beat").beat_at == first  # not again so soon

    scheduler._recorded_at -= 31
    scheduler.tick()
    assert WorkerHeartbeat.objects.get(name="beat").beat_at > first


def test_beat_goes_on_when_the_database_does_not_answer(beat_turns, monkeypatch, tmp_path, caplog):
    def refused(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("notifications.services.heartbeat_record", refused)
    scheduler = RecordingScheduler(
        app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True
    )
    assert scheduler.tick() == 7.0
    assert "Beat could not record that it is alive: OperationalError" in caplog.text
