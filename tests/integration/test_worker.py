"""A real Celery worker, on Redis, against PostgreSQL: the daily sweep, triggered twice at the
same moment, delivers each reminder exactly once.

Runs in .ci/run (PostgreSQL and Redis); skipped where either is missing.
"""

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from matching.models import MatchStatus
from ressursvenner.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("INTEGRATION_BROKER_URL", "redis://127.0.0.1:6379/15")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"),
        reason="needs PostgreSQL and Redis (CI)",
    ),
]


def _fresh_broker_connections() -> None:
    from kombu import pools

    celery_app.pool.force_close_all()
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def running_worker(monkeypatch, email_url: str):
    """A worker process on the test database and a Redis database of its own; yields the
    process (its output is read once it has stopped)."""
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "EMAIL_URL": email_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ressursvenner",
            "worker",
            "--concurrency=2",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    # Celery reads CELERY_BROKER_URL from the environment before its settings.
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER)
    _fresh_broker_connections()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = celery_app.control.ping(timeout=1)
            if replies:
                break
        else:
            process.terminate()
            pytest.fail(
                "the worker did not start:\n" + (process.communicate(timeout=10)[0] or "")[-3000:]
            )
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        celery_app.conf.task_always_eager = True
        _fresh_broker_connections()


@pytest.fixture
def worker(tmp_path, monkeypatch):
    """A worker whose mail goes to files in the folder it yields."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    # Four slashes in all: an absolute path.
    with running_worker(monkeypatch, f"filemail:///{mail_dir}"):
        yield mail_dir


def _mails(mail_dir: Path) -> list[str]:
    return [path.read_text() for path in sorted(mail_dir.glob("*.log"))]


def test_the_sweep_triggered_twice_at_once_sends_each_reminder_exactly_once(
    worker, oslo, volunteer_oslo, coordinator_oslo, make_volunteer, make_match
):
    from notifications.models import ReminderSent
    from notifications.tasks import sweep_reminders

    # Approved long ago and never at supervision: due for it (supervision/reminders.py) too.
    nora = make_volunteer(
        oslo, user=volunteer_oslo, email=volunteer_oslo.email, approved_days_ago=100
    )
    match = make_match(nora, status=MatchStatus.ACTIVE)
    match.started_on = timezone.localdate() - timedelta(days=30)
    match.planned_end_on = match.started_on + timedelta(days=365)
    match.save()

    sweep_reminders.delay()
    sweep_reminders.delay()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len("".join(_mails(worker)).split("Subject:")) - 1 < 3:
        time.sleep(0.5)
    time.sleep(3)  # anything sent twice would have arrived by now
    text = "".join(_mails(worker))
    recipients = sorted(
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("To:")
    )
    assert recipients == sorted(
        [volunteer_oslo.email, volunteer_oslo.email, coordinator_oslo.email]
    )
    assert ReminderSent.objects.count() == 3
    assert ReminderSent.objects.filter(rule="supervision.supervision_due").count() == 1


def test_a_password_reset_sent_by_a_worker_with_the_console_backend_leaves_no_key_in_its_log(
    client, monkeypatch, coordinator_oslo
):
    """The defect found: with EMAIL_URL=consolemail:// (the demo), the worker printed the reset
    email, live key and all, into its log."""
    from notifications.models import OutboxMessage, OutboxStatus

    with running_worker(monkeypatch, "consolemail://") as process:
        client.post(reverse("account_reset_password"), {"email": coordinator_oslo.email})
        message = OutboxMessage.objects.get(to=coordinator_oslo.email)
        key = re.search(r"/glemt-passord/nytt/([^/\s]+)/", message.body).group(1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and message.status != OutboxStatus.SENT:
            time.sleep(0.5)
            message.refresh_from_db()
        assert message.status == OutboxStatus.SENT
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert f"To: {coordinator_oslo.email}" in output  # the console showed the email
    assert "/glemt-passord/nytt/[hidden]/" in output
    assert key not in output
    assert key.split("-", 1)[1] not in output
